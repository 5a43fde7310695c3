/*
 * blas_matmul: batched single-precision matrix product through the system BLAS (cblas_sgemm),
 * and a fused Adam update, for lib/kernels.ts, which registers them as tfjs kernels on the
 * wasm and cpu backends. Plain C over Node-API and POSIX threads: no headers beyond Node's own,
 * cblas.h and OpenBLAS's thread-count functions.
 *
 *   gemm(a, b, c, batch, m, n, k, transA, transB, aBatchStride, bBatchStride, bias, act, alpha)
 *     for i < batch:  C[i] = act(op(A[i]) · op(B[i]) + bias)      (row-major)
 *     A[i] starts at a + i·aBatchStride (0 broadcasts one matrix over the batch), same for B;
 *     op(A) is m×k (A is k×m when transA), op(B) is k×n; bias has n entries or is null;
 *     act: 0 linear, 1 relu, 2 relu6, 3 sigmoid, 4 leakyrelu (slope alpha), 5 elu.
 *   The arrays are used in place (views of the wasm heap or the cpu backend's arrays).
 *
 *   adam(value, m, v, g, outValue, outM, outV, beta1, beta2, lr, eps, c1, c2)
 *     one Adam step (lib/optimizers.ts) over n entries, n the length of value:
 *     m' = b1·m + (1 − b1)·g,  v' = b2·v + (1 − b2)·g²,  value' = value − lr·(m'/c1)/(√(v'/c2) + eps)
 *     (c1 = 1 − b1ᵗ, c2 = 1 − b2ᵗ), written to the out arrays; the inputs are not written.
 *
 *   config()  "OpenBLAS 0.3.21 ..., 2 threads"
 *
 * Threads. A train step runs hundreds of small kernels between its products; OpenBLAS's own
 * thread pool loses there (its workers spin, then sleep, and a sleeping or descheduled worker
 * stalls the product that needs it for milliseconds). So OpenBLAS runs single-threaded and this
 * file splits a large product into tiles of C itself: the calling thread and a few workers claim
 * tiles from a shared counter, each tile one single-threaded cblas_sgemm. The caller never waits
 * for a worker that has not started (it takes the remaining tiles itself), only for tiles in
 * progress; workers sleep on a condition variable between products. GENAI_BLAS_THREADS sets
 * the thread count (default: the CPUs this process may use, at most 8).
 */
#define _GNU_SOURCE
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <node_api.h>

/* OpenBLAS's own functions (declared in its cblas.h; repeated for other cblas headers). */
void openblas_set_num_threads(int);
char* openblas_get_config(void);

#define CHECK(call)                                                   \
  if ((call) != napi_ok) {                                            \
    napi_throw_error(env, NULL, "blas_matmul: bad argument: " #call); \
    return NULL;                                                      \
  }

#define MAX_THREADS 8
/* Products below this many multiply-adds run on the calling thread alone (waking a worker
   costs more than it saves). */
#define PARALLEL_WORK 1048576.0

/* ------------------------------------------------------------------------------------------ */
/* One product, split into tiles: batch item × a range of C's rows (or columns). */

typedef struct {
  const float *a, *b;
  float* c;
  const float* bias;
  int batch, m, n, k, a_stride, b_stride, act;
  bool trans_a, trans_b, split_rows;
  float alpha;
  int parts;  /* tiles per batch item */
  int tiles;  /* batch × parts */
} Job;

static void epilogue(float* c, int rows, int cols, int ldc, const float* bias, int act, float slope) {
  if (bias == NULL && act == 0) return;
  for (int r = 0; r < rows; r++) {
    float* row = c + (size_t)r * ldc;
    for (int j = 0; j < cols; j++) {
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

/* Computes tile `t` of `job`: rows (or columns) [lo, hi) of C[i]. */
static void run_tile(const Job* job, int t) {
  const int i = t / job->parts, p = t % job->parts;
  const int extent = job->split_rows ? job->m : job->n;
  const int lo = (int)((long long)extent * p / job->parts), hi = (int)((long long)extent * (p + 1) / job->parts);
  if (hi <= lo) return;
  const float* a = job->a + (size_t)i * job->a_stride;
  const float* b = job->b + (size_t)i * job->b_stride;
  float* c = job->c + (size_t)i * job->m * job->n;
  const int lda = job->trans_a ? job->m : job->k, ldb = job->trans_b ? job->k : job->n;
  int rows = job->m, cols = job->n;
  if (job->split_rows) {
    /* rows lo..hi of op(A): row r of A, or column r of A when transposed */
    a += job->trans_a ? (size_t)lo : (size_t)lo * lda;
    c += (size_t)lo * job->n;
    rows = hi - lo;
  } else {
    /* columns lo..hi of op(B): column j of B, or row j of B when transposed */
    b += job->trans_b ? (size_t)lo * ldb : (size_t)lo;
    c += lo;
    cols = hi - lo;
  }
  if (job->k == 0) {
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < cols; j++) c[(size_t)r * job->n + j] = 0.0f;
  } else {
    cblas_sgemm(CblasRowMajor, job->trans_a ? CblasTrans : CblasNoTrans, job->trans_b ? CblasTrans : CblasNoTrans, rows,
                cols, job->k, 1.0f, a, lda, b, ldb, 0.0f, c, job->n);
  }
  epilogue(c, rows, cols, job->n, job->bias ? job->bias + (job->split_rows ? 0 : lo) : NULL, job->act, job->alpha);
}

/* ------------------------------------------------------------------------------------------ */
/* The pool: the caller plus workers, claiming tiles of the current job.
   `state` packs one job's claim counter: generation (24 bits) | tiles (20) | next tile (20).
   A claim is a compare-and-swap that succeeds only while next < tiles of that same word, so a
   worker can never claim a tile of a job other than the one `current` describes: the caller
   rewrites `current` only after every tile of the previous job is done. */

#define FIELD 0xFFFFFull
#define MAX_TILES 0xFFFFF

static int n_threads = 0; /* 0 until started */
static Job current;
static _Atomic unsigned long long state = 0; /* tiles 0: nothing to claim */
static atomic_int tiles_done;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static unsigned long generation = 0; /* guarded by lock */

static bool claim(int* tile) {
  unsigned long long s = atomic_load_explicit(&state, memory_order_acquire);
  for (;;) {
    const unsigned long long next = s & FIELD, tiles = (s >> 20) & FIELD;
    if (next >= tiles) return false;
    if (atomic_compare_exchange_weak_explicit(&state, &s, s + 1, memory_order_acq_rel, memory_order_acquire)) {
      *tile = (int)next;
      return true;
    }
  }
}

static void claim_tiles(void) {
  int t;
  while (claim(&t)) {
    run_tile(&current, t);
    atomic_fetch_add_explicit(&tiles_done, 1, memory_order_release);
  }
}

static void* worker_main(void* unused) {
  (void)unused;
  unsigned long seen = 0;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (generation == seen) pthread_cond_wait(&wake, &lock);
    seen = generation;
    pthread_mutex_unlock(&lock);
    claim_tiles();
  }
  return NULL;
}

static int start_pool(void) {
  openblas_set_num_threads(1);
  int threads = 0;
  const char* setting = getenv("GENAI_BLAS_THREADS");
  if (setting != NULL) threads = atoi(setting);
  if (threads <= 0) {
    cpu_set_t set;
    threads = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  }
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads < 1) threads = 1;
  int started = 1;
  for (int i = 1; i < threads; i++) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, worker_main, NULL) == 0) started++;
    pthread_attr_destroy(&attr);
  }
  return started;
}

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static void init_pool(void) { n_threads = start_pool(); }

static void run_job(const Job* job) {
  const double work = (double)job->batch * job->m * job->n * (job->k > 0 ? job->k : 1);
  if (n_threads == 1 || work < PARALLEL_WORK || job->tiles == 1 || job->tiles > MAX_TILES) {
    for (int t = 0; t < job->tiles; t++) run_tile(job, t);
    return;
  }
  /* One job at a time, should two JavaScript threads (worker_threads) share this addon. */
  static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&job_lock);
  static unsigned long long job_id = 0;
  job_id = (job_id + 1) & 0xFFFFFFull;
  current = *job;
  atomic_store_explicit(&tiles_done, 0, memory_order_relaxed);
  atomic_store_explicit(&state, (job_id << 40) | ((unsigned long long)job->tiles << 20), memory_order_release);
  pthread_mutex_lock(&lock);
  generation++;
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  claim_tiles();
  /* Only tiles a worker is computing remain. */
  while (atomic_load_explicit(&tiles_done, memory_order_acquire) < job->tiles) sched_yield();
  pthread_mutex_unlock(&job_lock);
}

/* ------------------------------------------------------------------------------------------ */
/* Node-API */

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
      (batch > 0 && ((size_t)(batch - 1) * aStride + (size_t)m * k > na ||
                     (size_t)(batch - 1) * bStride + (size_t)k * n > nb)) ||
      (size_t)batch * m * n > nc) {
    napi_throw_range_error(env, NULL, "blas_matmul.gemm: shapes do not fit the arrays");
    return NULL;
  }
  if (batch == 0 || m == 0 || n == 0) return NULL;
  pthread_once(&pool_once, init_pool);
  Job job = {a, b, c, bias, batch, m, n, k, aStride, bStride, act, transA, transB, m >= n, (float)alpha, 1, batch};
  /* Enough tiles that every thread gets about two, each at least 16 rows (columns) wide. */
  const int extent = job.split_rows ? m : n;
  int parts = (2 * n_threads + batch - 1) / batch;
  if (parts > extent / 16) parts = extent / 16;
  if (parts < 1) parts = 1;
  job.parts = parts;
  job.tiles = batch * parts;
  run_job(&job);
  return NULL;
}

/* The Adam loop (see the header); separate, with restrict pointers, so the compiler vectorises it. */
static void adam_loop(const float* restrict x, const float* restrict m, const float* restrict v, const float* restrict g,
                      float* restrict ox, float* restrict om, float* restrict ov, float b1, float b2, float s1, float s2,
                      float lr_c1, float inv_c2, float eps, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float mi = b1 * m[i] + s1 * g[i];
    const float vi = b2 * v[i] + s2 * g[i] * g[i];
    om[i] = mi;
    ov[i] = vi;
    ox[i] = x[i] - lr_c1 * mi / (sqrtf(vi * inv_c2) + eps);
  }
}

static napi_value adam(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) {
    napi_throw_error(env, NULL, "blas_matmul.adam: expected 13 arguments");
    return NULL;
  }
  float* arrays[7];
  size_t lengths[7];
  for (int i = 0; i < 7; i++) {
    if (!float_array(env, argv[i], &arrays[i], &lengths[i])) {
      napi_throw_type_error(env, NULL, "blas_matmul.adam: the first 7 arguments must be Float32Arrays");
      return NULL;
    }
    if (lengths[i] != lengths[0]) {
      napi_throw_range_error(env, NULL, "blas_matmul.adam: the arrays must have one length");
      return NULL;
    }
  }
  double p[6];
  for (int i = 0; i < 6; i++) CHECK(napi_get_value_double(env, argv[7 + i], &p[i]));
  /* 1 − β in double, then rounded: 1 − (float)0.999 would be off by 1e-5 relative. */
  adam_loop(arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], arrays[5], arrays[6], (float)p[0], (float)p[1],
            (float)(1.0 - p[0]), (float)(1.0 - p[1]), (float)(p[2] / p[4]), (float)(1.0 / p[5]), (float)p[3], lengths[0]);
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_once(&pool_once, init_pool);
  char text[256];
  snprintf(text, sizeof text, "%s, %d thread%s", openblas_get_config(), n_threads, n_threads == 1 ? "" : "s");
  napi_value out;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
