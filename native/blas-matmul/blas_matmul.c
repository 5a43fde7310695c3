/*
 * blas_matmul: batched single-precision matrix product through the system BLAS (cblas_sgemm),
 * for lib/kernels.ts, which registers it as tfjs's BatchMatMul and _FusedMatMul kernels on the
 * wasm and cpu backends. Plain C over Node-API: no headers beyond Node's own and cblas.h.
 *
 *   gemm(a, b, c, batch, m, n, k, transA, transB, aBatchStride, bBatchStride, bias, act, alpha)
 *     for i < batch:  C[i] = act(op(A[i]) · op(B[i]) + bias)      (row-major)
 *     A[i] starts at a + i·aBatchStride (0 broadcasts one matrix over the batch), same for B;
 *     op(A) is m×k (A is k×m when transA), op(B) is k×n; bias has n entries or is null;
 *     act: 0 linear, 1 relu, 2 relu6, 3 sigmoid, 4 leakyrelu (slope alpha), 5 elu.
 *   The arrays are used in place (views of the wasm heap or the cpu backend's arrays).
 */
#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <node_api.h>

#define CHECK(call)                                                   \
  if ((call) != napi_ok) {                                            \
    napi_throw_error(env, NULL, "blas_matmul: bad argument: " #call); \
    return NULL;                                                      \
  }

static bool float_array(napi_env env, napi_value v, float** data, size_t* length) {
  napi_typedarray_type type;
  void* ptr;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, &buffer, &offset) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = (float*)ptr;
  return true;
}

static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) {
    napi_throw_error(env, NULL, "blas_matmul.gemm: expected 14 arguments");
    return NULL;
  }
  float *a, *b, *c, *bias = NULL;
  size_t na, nb, nc, nbias = 0;
  if (!float_array(env, argv[0], &a, &na) || !float_array(env, argv[1], &b, &nb) ||
      !float_array(env, argv[2], &c, &nc)) {
    napi_throw_type_error(env, NULL, "blas_matmul.gemm: a, b and c must be Float32Arrays");
    return NULL;
  }
  int32_t batch, m, n, k, aStride, bStride, act;
  bool transA, transB;
  double alpha;
  CHECK(napi_get_value_int32(env, argv[3], &batch));
  CHECK(napi_get_value_int32(env, argv[4], &m));
  CHECK(napi_get_value_int32(env, argv[5], &n));
  CHECK(napi_get_value_int32(env, argv[6], &k));
  CHECK(napi_get_value_bool(env, argv[7], &transA));
  CHECK(napi_get_value_bool(env, argv[8], &transB));
  CHECK(napi_get_value_int32(env, argv[9], &aStride));
  CHECK(napi_get_value_int32(env, argv[10], &bStride));
  napi_valuetype biasType;
  CHECK(napi_typeof(env, argv[11], &biasType));
  if (biasType != napi_null && biasType != napi_undefined) {
    if (!float_array(env, argv[11], &bias, &nbias) || nbias != (size_t)n) {
      napi_throw_type_error(env, NULL, "blas_matmul.gemm: bias must be a Float32Array of n entries or null");
      return NULL;
    }
  }
  CHECK(napi_get_value_int32(env, argv[12], &act));
  CHECK(napi_get_value_double(env, argv[13], &alpha));
  /* Bounds: every matrix the loop touches must lie inside its array. */
  if (batch < 0 || m < 0 || n < 0 || k < 0 || aStride < 0 || bStride < 0 ||
      (size_t)(batch - 1) * aStride + (size_t)m * k > na || (size_t)(batch - 1) * bStride + (size_t)k * n > nb ||
      (size_t)batch * m * n > nc) {
    napi_throw_range_error(env, NULL, "blas_matmul.gemm: shapes do not fit the arrays");
    return NULL;
  }
  /* Below ~64M multiply-adds a second OpenBLAS thread costs more to wake than it saves (its
     workers sleep between the many small products of a train step): run those on one thread. */
  static int max_threads = 0;
  if (max_threads == 0) max_threads = openblas_get_num_threads();
  const double work = (double)batch * m * n * k;
  const int threads = work >= 67108864.0 ? max_threads : 1;
  if (threads != openblas_get_num_threads()) openblas_set_num_threads(threads);
  for (int32_t i = 0; i < batch; i++) {
    float* ci = c + (size_t)i * m * n;
    if (k == 0) {
      for (size_t j = 0; j < (size_t)m * n; j++) ci[j] = 0.0f;
    } else {
      cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                  1.0f, a + (size_t)i * aStride, transA ? m : k, b + (size_t)i * bStride, transB ? k : n, 0.0f, ci, n);
    }
    if (bias == NULL && act == 0) continue;
    const float slope = (float)alpha;
    for (int32_t r = 0; r < m; r++) {
      float* row = ci + (size_t)r * n;
      for (int32_t j = 0; j < n; j++) {
        float v = row[j] + (bias ? bias[j] : 0.0f);
        switch (act) {
          case 1: v = v > 0.0f ? v : 0.0f; break;
          case 2: v = v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v); break;
          case 3: v = 1.0f / (1.0f + expf(-v)); break;
          case 4: v = v > 0.0f ? v : slope * v; break;
          case 5: v = v > 0.0f ? v : expm1f(v); break;
          default: break;
        }
        row[j] = v;
      }
    }
  }
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  char text[256];
  snprintf(text, sizeof text, "%s, up to %d threads", openblas_get_config(), openblas_get_num_threads());
  napi_value out;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
