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
 *   xentForward(logits, targets, logp, lse, n, v)
 *     for each row r < n of logits [n, v]: lse[r] = log Σ_i exp(logits[r, i]) (max-shifted) and
 *     logp[r] = logits[r, targets[r]] − lse[r], or 0 where targets[r] is outside [0, v).
 *   xentBackward(logits, lse, targets, dy, grad, n, v)
 *     grad[r, i] = dy[r] · ([i = targets[r]] − exp(logits[r, i] − lse[r])), the gradient of
 *     Σ_r dy[r]·logp[r]; rows whose target is outside [0, v) get 0.
 *     Together: lib/engine/ops.ts targetLogSoftmax (lib/lm.ts charCrossEntropy), the log-softmax at the targets, in one
 *     pass each way over [n, v] instead of a dozen elementwise kernels (V is 3761 for the poems).
 *
 *   config()  "OpenBLAS 0.3.21 ..., 2 threads"
 *
 *   convForward(x, w, y, bias, act, alpha, dims)
 *   convBackpropInput(dy, w, dx, dims)
 *   convBackpropFilter(x, dy, dw, dims)
 *     2-D convolution in NHWC (dilation 1) for lib/engine/conv-kernels.ts, as products through
 *     sgemm over im2col: dims is an Int32Array [B, H, W, Ci, Oh, Ow, Co, Fh, Fw, sH, sW, padTop,
 *     padLeft]; x [B, H, W, Ci], w [Fh, Fw, Ci, Co] (row-major [K, Co], K = Fh·Fw·Ci),
 *     y and dy [B, Oh, Ow, Co]. With col [N, K] the patches of x (row n = (b, oh, ow), zero in
 *     the padding, N = B·Oh·Ow):  y = act(col·w + bias),  dcol = dy·wᵀ scattered back onto dx
 *     (col2im),  dw = colᵀ·dy.  The products run in tiles of rows of col, each tile's patches
 *     built in chunks of CONV_COL_FLOATS; dx tiles by whole images (their scatters never overlap),
 *     dw sums one partial [K, Co] per tile. A 1×1 stride-1 unpadded filter uses x itself as col.
 *
 *   groupNormForward(x, gamma, beta, y, mean, rstd, dims, eps)
 *   groupNormBackward(x, gamma, beta, dy, mean, rstd, dx, dgamma, dbeta, dims)
 *     torch.nn.GroupNorm in NHWC for lib/engine/ops.ts groupNormNHWC, optionally followed by
 *     SiLU: dims is an Int32Array [B, P, C, G, act] (P = h·w pixels, C/G channels per group, act
 *     0 none, 1 SiLU); per image b and group g, the mean and r = 1/√(var + eps) over its P·C/G
 *     values (mean [B·G], rstd [B·G] are written by the forward and read by the backward),
 *     x̂ = (x − mean)·r, z = x̂·γ_c + β_c, y = z (act 0) or z·σ(z) (act 1). The backward with
 *     dz = dy (act 0) or dy·σ(z)·(1 + z·(1 − σ(z))) (act 1), n = P·C/G and means over the
 *     group: dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dz·γ_c, dγ_c = Σ dz·x̂, dβ_c = Σ dz.
 *     Sums in double; one tile per image.
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
/* macOS: Apple's Accelerate framework provides cblas_sgemm (every Mac has it; binding.gyp links
 * it), so a Mac needs only Xcode's command-line tools. GENAI_ACCELERATE selects the same code
 * elsewhere, to compile-check it. */
#if defined(__APPLE__) || defined(GENAI_ACCELERATE)
#define USE_ACCELERATE 1
#include <Accelerate/Accelerate.h>
#include <unistd.h>
#else
#include <cblas.h>
#endif
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

#ifdef USE_ACCELERATE
/* Accelerate's BLAS threads itself; this file's tiles are meant to be single-threaded products,
 * so its threads are limited before the first call (VECLIB_MAXIMUM_THREADS, read at first use). */
static void blas_single_threaded(void) { setenv("VECLIB_MAXIMUM_THREADS", "1", 0); }
static const char* blas_config(void) { return "Accelerate (macOS)"; }
/* The CPUs this process may use: macOS has no affinity masks, so the online CPUs. */
static int usable_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}
#else
/* OpenBLAS's own functions (declared in its cblas.h; repeated for other cblas headers). */
void openblas_set_num_threads(int);
char* openblas_get_config(void);
static void blas_single_threaded(void) { openblas_set_num_threads(1); }
static const char* blas_config(void) { return openblas_get_config(); }
static int usable_cpus(void) {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}
#endif

#define CHECK(call)                                                   \
  if ((call) != napi_ok) {                                            \
    napi_throw_error(env, NULL, "blas_matmul: bad argument: " #call); \
    return NULL;                                                      \
  }

#define MAX_THREADS 8
/* Products below this many multiply-adds (~40 µs on one core) run on the calling thread alone:
   waking a worker costs more than it saves, and a late worker can stall them. */
#define PARALLEL_WORK 4194304.0

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
} GemmJob;

/* A piece of work split into `tiles` independent tiles: run(ctx, t) computes tile t. */
typedef struct {
  void (*run)(const void* ctx, int tile);
  const void* ctx;
  int tiles;
} Job;

/* act(C) in place on a rows × cols block of C (row stride ldc); one loop per activation, so
   each vectorises. */
static void activate(float* c, int rows, int cols, int ldc, int act, float slope) {
  for (int r = 0; r < rows; r++) {
    float* restrict row = c + (size_t)r * ldc;
    switch (act) {
      case 1: for (int j = 0; j < cols; j++) row[j] = row[j] > 0.0f ? row[j] : 0.0f; break;
      case 2: for (int j = 0; j < cols; j++) row[j] = row[j] < 0.0f ? 0.0f : (row[j] > 6.0f ? 6.0f : row[j]); break;
      case 3: for (int j = 0; j < cols; j++) row[j] = 1.0f / (1.0f + expf(-row[j])); break;
      case 4: for (int j = 0; j < cols; j++) row[j] = row[j] > 0.0f ? row[j] : slope * row[j]; break;
      case 5: for (int j = 0; j < cols; j++) row[j] = row[j] > 0.0f ? row[j] : expm1f(row[j]); break;
      default: return;
    }
  }
}

/* Computes tile `t` of `job`: rows (or columns) [lo, hi) of C[i]. */
static void gemm_tile(const void* ctx, int t) {
  const GemmJob* job = (const GemmJob*)ctx;
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
  /* C = bias in every row (then C += op(A)·op(B): beta 1), or C = op(A)·op(B) (beta 0). */
  const float* bias = job->bias ? job->bias + (job->split_rows ? 0 : lo) : NULL;
  for (int r = 0; r < rows && (bias != NULL || job->k == 0); r++) {
    float* row = c + (size_t)r * job->n;
    if (bias != NULL) memcpy(row, bias, sizeof(float) * (size_t)cols);
    else memset(row, 0, sizeof(float) * (size_t)cols);
  }
  if (job->k > 0) {
    cblas_sgemm(CblasRowMajor, job->trans_a ? CblasTrans : CblasNoTrans, job->trans_b ? CblasTrans : CblasNoTrans, rows,
                cols, job->k, 1.0f, a, lda, b, ldb, bias != NULL ? 1.0f : 0.0f, c, job->n);
  }
  activate(c, rows, cols, job->n, job->act, job->alpha);
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
    current.run(current.ctx, t);
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
  blas_single_threaded();
  int threads = 0;
  const char* setting = getenv("GENAI_BLAS_THREADS");
  if (setting != NULL) threads = atoi(setting);
  if (threads <= 0) threads = usable_cpus();
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

/* Runs every tile of `job`: on the calling thread alone unless `parallel` (and there are
   workers), else shared with the workers. */
static void run_job(const Job* job, bool parallel) {
  if (!parallel || n_threads == 1 || job->tiles == 1 || job->tiles > MAX_TILES) {
    for (int t = 0; t < job->tiles; t++) job->run(job->ctx, t);
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

/* The data and length of a typed array of type `wanted`; false for anything else. */
static bool typed_array(napi_env env, napi_value value, napi_typedarray_type wanted, void** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) == napi_ok && type == wanted;
}

static bool float_array(napi_env env, napi_value value, float** data, size_t* length) {
  return typed_array(env, value, napi_float32_array, (void**)data, length);
}

static bool int32_array(napi_env env, napi_value value, int32_t** data, size_t* length) {
  return typed_array(env, value, napi_int32_array, (void**)data, length);
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
  GemmJob job = {a, b, c, bias, batch, m, n, k, aStride, bStride, act, transA, transB, m >= n, (float)alpha, 1, batch};
  /* Enough tiles that every thread gets about two, each at least 16 rows (columns) wide. */
  const int extent = job.split_rows ? m : n;
  int parts = (2 * n_threads + batch - 1) / batch;
  if (parts > extent / 16) parts = extent / 16;
  if (parts < 1) parts = 1;
  job.parts = parts;
  job.tiles = batch * parts;
  const Job tiles = {gemm_tile, &job, job.tiles};
  run_job(&tiles, (double)batch * m * n * (k > 0 ? k : 1) >= PARALLEL_WORK);
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

/* exp(x) to ~1e-7 relative, as straight-line float code the compiler vectorises (libm's expf
   does not vectorise): x = n·ln2 + r, |r| ≤ ln2/2, exp(r) by Cephes's degree-7 polynomial, 2ⁿ
   from the exponent bits. x is clamped to [−87, 88] (exp(−87) ≈ 1.6e-38: a softmax weight of 0). */
static inline float exp_approx(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float t = x * 1.44269504088896341f;
  const int n = (int)(t + 128.5f) - 128; /* round to nearest: t + 128.5 > 0, truncation floors */
  const float fn = (float)n;
  const float r = (x - fn * 0.693359375f) + fn * 2.12194440e-4f; /* ln2 in two parts (Cody-Waite) */
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const int32_t bits = (n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return (r * r * p + r + 1.0f) * scale;
}

/* log Σ_i exp(x[i]) over one row, max-shifted; eight partial sums so the loop vectorises. */
static float row_log_sum_exp(const float* restrict x, int v) {
  float peaks[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  int i = 0;
  for (; i + 8 <= v; i += 8)
    for (int j = 0; j < 8; j++) peaks[j] = x[i + j] > peaks[j] ? x[i + j] : peaks[j];
  float m = -INFINITY;
  for (; i < v; i++) m = x[i] > m ? x[i] : m;
  for (int j = 0; j < 8; j++) m = peaks[j] > m ? peaks[j] : m;
  float lanes[8] = {0};
  i = 0;
  for (; i + 8 <= v; i += 8)
    for (int j = 0; j < 8; j++) lanes[j] += exp_approx(x[i + j] - m);
  float s = 0.0f;
  for (; i < v; i++) s += exp_approx(x[i] - m);
  for (int j = 0; j < 8; j++) s += lanes[j];
  return m + logf(s);
}

/* One cross-entropy pass over logits [n, v], by tiles of XENT_ROWS rows. */
typedef struct {
  const float* logits;
  const int32_t* targets;
  float *logp, *lse;
  const float* dy;
  float* grad;
  int n, v;
} XentJob;

#define XENT_ROWS 32

static void xent_forward_tile(const void* ctx, int t) {
  const XentJob* job = (const XentJob*)ctx;
  const int end = (t + 1) * XENT_ROWS < job->n ? (t + 1) * XENT_ROWS : job->n;
  for (int r = t * XENT_ROWS; r < end; r++) {
    const float* x = job->logits + (size_t)r * job->v;
    const float l = row_log_sum_exp(x, job->v);
    const int32_t y = job->targets[r];
    job->lse[r] = l;
    job->logp[r] = y >= 0 && y < job->v ? x[y] - l : 0.0f;
  }
}

static void xent_row_grad(const float* restrict x, float* restrict g, float lse, float dy, int v) {
  for (int i = 0; i < v; i++) g[i] = -dy * exp_approx(x[i] - lse);
}

static void xent_backward_tile(const void* ctx, int t) {
  const XentJob* job = (const XentJob*)ctx;
  const int end = (t + 1) * XENT_ROWS < job->n ? (t + 1) * XENT_ROWS : job->n;
  for (int r = t * XENT_ROWS; r < end; r++) {
    float* g = job->grad + (size_t)r * job->v;
    const int32_t y = job->targets[r];
    if (y < 0 || y >= job->v) {
      memset(g, 0, sizeof(float) * (size_t)job->v);
      continue;
    }
    xent_row_grad(job->logits + (size_t)r * job->v, g, job->lse[r], job->dy[r], job->v);
    g[y] += job->dy[r];
  }
}

static void run_xent(const XentJob* job, void (*tile)(const void*, int)) {
  pthread_once(&pool_once, init_pool);
  const Job tiles = {tile, job, (job->n + XENT_ROWS - 1) / XENT_ROWS};
  run_job(&tiles, (double)job->n * job->v >= PARALLEL_WORK / 8);
}

static napi_value xent_forward(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *logits, *logp, *lse;
  int32_t* targets;
  size_t n_logits, n_targets, n_logp, n_lse;
  int32_t n, v;
  if (argc != 6 || !float_array(env, argv[0], &logits, &n_logits) || !int32_array(env, argv[1], &targets, &n_targets) ||
      !float_array(env, argv[2], &logp, &n_logp) || !float_array(env, argv[3], &lse, &n_lse) ||
      napi_get_value_int32(env, argv[4], &n) != napi_ok || napi_get_value_int32(env, argv[5], &v) != napi_ok) {
    napi_throw_type_error(env, NULL, "blas_matmul.xentForward(logits, targets, logp, lse, n, v): wrong argument types");
    return NULL;
  }
  if (n < 0 || v < 1 || n_logits < (size_t)n * v || n_targets < (size_t)n || n_logp < (size_t)n || n_lse < (size_t)n) {
    napi_throw_range_error(env, NULL, "blas_matmul.xentForward: shapes do not fit the arrays");
    return NULL;
  }
  const XentJob job = {logits, targets, logp, lse, NULL, NULL, n, v};
  run_xent(&job, xent_forward_tile);
  return NULL;
}

static napi_value xent_backward(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *logits, *lse, *dy, *grad;
  int32_t* targets;
  size_t n_logits, n_lse, n_targets, n_dy, n_grad;
  int32_t n, v;
  if (argc != 7 || !float_array(env, argv[0], &logits, &n_logits) || !float_array(env, argv[1], &lse, &n_lse) ||
      !int32_array(env, argv[2], &targets, &n_targets) || !float_array(env, argv[3], &dy, &n_dy) ||
      !float_array(env, argv[4], &grad, &n_grad) || napi_get_value_int32(env, argv[5], &n) != napi_ok ||
      napi_get_value_int32(env, argv[6], &v) != napi_ok) {
    napi_throw_type_error(env, NULL, "blas_matmul.xentBackward(logits, lse, targets, dy, grad, n, v): wrong argument types");
    return NULL;
  }
  if (n < 0 || v < 1 || n_logits < (size_t)n * v || n_grad < (size_t)n * v || n_lse < (size_t)n || n_targets < (size_t)n ||
      n_dy < (size_t)n) {
    napi_throw_range_error(env, NULL, "blas_matmul.xentBackward: shapes do not fit the arrays");
    return NULL;
  }
  const XentJob job = {logits, targets, NULL, lse, dy, grad, n, v};
  run_xent(&job, xent_backward_tile);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Convolution (NHWC, dilation 1) as im2col and sgemm; see the header. */

/* Patches per chunk: at most this many floats of col (512 KB), at least one row. */
#define CONV_COL_FLOATS 131072

enum { CONV_FORWARD, CONV_INPUT, CONV_FILTER };

typedef struct {
  int mode;
  const float *x, *w, *dy, *bias;
  float *y, *dx, *dw;
  float* scratch;  /* tiles × chunk × K floats, one chunk buffer per tile (NULL when direct) */
  float* partial;  /* CONV_FILTER: tiles × K × Co floats, one partial dw per tile */
  int act;
  float alpha;
  int B, H, W, Ci, Oh, Ow, Co, Fh, Fw, sH, sW, pT, pL;
  int K, chunk, tiles;
  bool direct;     /* 1×1, stride 1, no padding: col is x itself */
  size_t N;        /* B·Oh·Ow rows of col */
} ConvJob;

/* col[r, (fh, fw, c)] for rows n0 ≤ n < n0 + rows: x[b, oh·sH + fh − pT, ow·sW + fw − pL, c], or 0. */
static void im2col(const ConvJob* j, size_t n0, int rows, float* restrict col) {
  const size_t plane = (size_t)j->Oh * j->Ow;
  const size_t ci = (size_t)j->Ci;
  for (int r = 0; r < rows; r++) {
    const size_t n = n0 + (size_t)r;
    const int b = (int)(n / plane), rem = (int)(n % plane), oh = rem / j->Ow, ow = rem % j->Ow;
    float* dst = col + (size_t)r * j->K;
    for (int fh = 0; fh < j->Fh; fh++) {
      const int ih = oh * j->sH + fh - j->pT;
      if (ih < 0 || ih >= j->H) {
        memset(dst, 0, sizeof(float) * ci * (size_t)j->Fw);
        dst += ci * (size_t)j->Fw;
        continue;
      }
      for (int fw = 0; fw < j->Fw; fw++, dst += ci) {
        const int iw = ow * j->sW + fw - j->pL;
        if (iw < 0 || iw >= j->W) memset(dst, 0, sizeof(float) * ci);
        else memcpy(dst, j->x + (((size_t)b * j->H + ih) * j->W + iw) * ci, sizeof(float) * ci);
      }
    }
  }
}

/* dx[b, ih, iw, c] += col[r, (fh, fw, c)] for rows n0 ≤ n < n0 + rows (im2col's adjoint). */
static void col2im(const ConvJob* j, size_t n0, int rows, const float* restrict col) {
  const size_t plane = (size_t)j->Oh * j->Ow;
  const int ci = j->Ci;
  for (int r = 0; r < rows; r++) {
    const size_t n = n0 + (size_t)r;
    const int b = (int)(n / plane), rem = (int)(n % plane), oh = rem / j->Ow, ow = rem % j->Ow;
    const float* src = col + (size_t)r * j->K;
    for (int fh = 0; fh < j->Fh; fh++) {
      const int ih = oh * j->sH + fh - j->pT;
      for (int fw = 0; fw < j->Fw; fw++, src += ci) {
        const int iw = ow * j->sW + fw - j->pL;
        if (ih < 0 || ih >= j->H || iw < 0 || iw >= j->W) continue;
        float* restrict dst = j->dx + (((size_t)b * j->H + ih) * j->W + iw) * ci;
        for (int c = 0; c < ci; c++) dst[c] += src[c];
      }
    }
  }
}

/* Tile t: rows [lo, hi) of col; for CONV_INPUT whole images, so no two tiles scatter onto one pixel. */
static void conv_tile(const void* ctx, int t) {
  const ConvJob* j = (const ConvJob*)ctx;
  const size_t unit = j->mode == CONV_INPUT ? (size_t)j->Oh * j->Ow : 1;
  const size_t units = j->N / unit;
  const size_t lo = units * (size_t)t / (size_t)j->tiles * unit, hi = units * (size_t)(t + 1) / (size_t)j->tiles * unit;
  if (hi <= lo) return;
  float* col = j->direct ? NULL : j->scratch + (size_t)t * j->chunk * j->K;
  float* dw = j->mode == CONV_FILTER ? (j->tiles == 1 ? j->dw : j->partial + (size_t)t * j->K * j->Co) : NULL;
  if (dw != NULL) memset(dw, 0, sizeof(float) * (size_t)j->K * j->Co);
  if (j->mode == CONV_INPUT && !j->direct) memset(j->dx + lo / unit * ((size_t)j->H * j->W * j->Ci), 0,
                                                  sizeof(float) * (hi - lo) / unit * ((size_t)j->H * j->W * j->Ci));
  for (size_t n = lo; n < hi; n += (size_t)j->chunk) {
    const int rows = (int)(hi - n < (size_t)j->chunk ? hi - n : (size_t)j->chunk);
    const float* patches = j->direct ? j->x + n * j->Ci : col;
    if (j->mode == CONV_FORWARD) {
      if (!j->direct) im2col(j, n, rows, col);
      float* y = j->y + n * j->Co;
      if (j->bias != NULL) {
        for (int r = 0; r < rows; r++) memcpy(y + (size_t)r * j->Co, j->bias, sizeof(float) * (size_t)j->Co);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, j->Co, j->K, 1.0f, patches, j->K, j->w, j->Co,
                  j->bias != NULL ? 1.0f : 0.0f, y, j->Co);
      activate(y, rows, j->Co, j->Co, j->act, j->alpha);
    } else if (j->mode == CONV_INPUT) {
      /* dcol = dy·wᵀ: [rows, Co]·[Co, K]; direct: straight into dx */
      float* dcol = j->direct ? j->dx + n * j->Ci : col;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, j->K, j->Co, 1.0f, j->dy + n * j->Co, j->Co, j->w, j->Co,
                  0.0f, dcol, j->K);
      if (!j->direct) col2im(j, n, rows, dcol);
    } else {
      if (!j->direct) im2col(j, n, rows, col);
      /* dw += colᵀ·dy: [K, rows]·[rows, Co] */
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, j->K, j->Co, rows, 1.0f, patches, j->K, j->dy + n * j->Co, j->Co,
                  1.0f, dw, j->Co);
    }
  }
}

/* Reads dims (see the header) into job; false (with a JavaScript error thrown) when they are not valid. */
static bool conv_dims(napi_env env, napi_value value, const char* name, ConvJob* j) {
  int32_t* d;
  size_t length;
  if (!int32_array(env, value, &d, &length) || length != 13) {
    char text[160];
    snprintf(text, sizeof text, "blas_matmul.%s: dims must be an Int32Array of 13 entries", name);
    napi_throw_type_error(env, NULL, text);
    return false;
  }
  j->B = d[0], j->H = d[1], j->W = d[2], j->Ci = d[3], j->Oh = d[4], j->Ow = d[5], j->Co = d[6];
  j->Fh = d[7], j->Fw = d[8], j->sH = d[9], j->sW = d[10], j->pT = d[11], j->pL = d[12];
  bool ok = j->B >= 0 && j->sH >= 1 && j->sW >= 1 && j->pT >= 0 && j->pL >= 0;
  for (int i = 1; i < 9; i++) ok = ok && d[i] >= 1;
  /* every patch's rows and columns must start inside the padded input */
  ok = ok && (double)(j->Oh - 1) * j->sH - j->pT < j->H && (double)(j->Ow - 1) * j->sW - j->pL < j->W;
  ok = ok && (double)j->Fh * j->Fw * j->Ci < 1e9 && (double)j->B * j->Oh * j->Ow < 1e9;
  if (!ok) {
    char text[160];
    snprintf(text, sizeof text, "blas_matmul.%s: dims [B, H, W, Ci, Oh, Ow, Co, Fh, Fw, sH, sW, padTop, padLeft] out of range", name);
    napi_throw_range_error(env, NULL, text);
    return false;
  }
  j->K = j->Fh * j->Fw * j->Ci;
  j->N = (size_t)j->B * j->Oh * j->Ow;
  j->direct = j->Fh == 1 && j->Fw == 1 && j->sH == 1 && j->sW == 1 && j->pT == 0 && j->pL == 0 && j->Oh == j->H &&
              j->Ow == j->W;
  return true;
}

/* True when an array of `length` floats holds `needed`; else throws naming it. */
static bool conv_fits(napi_env env, const char* name, const char* array, size_t length, size_t needed) {
  if (length >= needed) return true;
  char text[160];
  snprintf(text, sizeof text, "blas_matmul.%s: %s has %zu entries, the dims need %zu", name, array, length, needed);
  napi_throw_range_error(env, NULL, text);
  return false;
}

/* Splits the job into tiles, allocates their buffers, runs it, sums dw's partials, frees. */
static void conv_run(napi_env env, const char* name, ConvJob* j) {
  pthread_once(&pool_once, init_pool);
  const double work = (double)j->N * j->K * j->Co;
  const size_t units = j->mode == CONV_INPUT ? (size_t)j->B : j->N;
  int tiles = work >= PARALLEL_WORK ? 2 * n_threads : 1;
  if ((size_t)tiles > units) tiles = (int)units;
  if (tiles < 1) tiles = 1;
  j->tiles = tiles;
  j->chunk = CONV_COL_FLOATS / j->K > 0 ? CONV_COL_FLOATS / j->K : 1;
  j->scratch = NULL;
  j->partial = NULL;
  if (!j->direct) j->scratch = malloc(sizeof(float) * (size_t)tiles * j->chunk * j->K);
  if (j->mode == CONV_FILTER && tiles > 1) j->partial = malloc(sizeof(float) * (size_t)tiles * j->K * j->Co);
  if ((!j->direct && j->scratch == NULL) || (j->mode == CONV_FILTER && tiles > 1 && j->partial == NULL)) {
    free(j->scratch);
    free(j->partial);
    char text[120];
    snprintf(text, sizeof text, "blas_matmul.%s: out of memory for the patch buffers", name);
    napi_throw_error(env, NULL, text);
    return;
  }
  const Job job = {conv_tile, j, tiles};
  run_job(&job, tiles > 1);
  if (j->partial != NULL) {
    const size_t size = (size_t)j->K * j->Co;
    memcpy(j->dw, j->partial, sizeof(float) * size);
    for (int t = 1; t < tiles; t++) {
      const float* restrict p = j->partial + (size_t)t * size;
      float* restrict dw = j->dw;
      for (size_t i = 0; i < size; i++) dw[i] += p[i];
    }
  }
  free(j->scratch);
  free(j->partial);
}

static napi_value conv_forward(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ConvJob j = {0};
  j.mode = CONV_FORWARD;
  float *x, *w, *y, *bias = NULL;
  size_t nx, nw, ny, nbias = 0;
  int32_t act;
  double alpha;
  napi_valuetype biasType = napi_undefined;
  if (argc != 7 || !float_array(env, argv[0], &x, &nx) || !float_array(env, argv[1], &w, &nw) ||
      !float_array(env, argv[2], &y, &ny) || napi_typeof(env, argv[3], &biasType) != napi_ok ||
      (biasType != napi_null && biasType != napi_undefined && !float_array(env, argv[3], &bias, &nbias)) ||
      napi_get_value_int32(env, argv[4], &act) != napi_ok || napi_get_value_double(env, argv[5], &alpha) != napi_ok) {
    napi_throw_type_error(env, NULL, "blas_matmul.convForward(x, w, y, bias, act, alpha, dims): wrong argument types");
    return NULL;
  }
  if (!conv_dims(env, argv[6], "convForward", &j)) return NULL;
  if (!conv_fits(env, "convForward", "x", nx, (size_t)j.B * j.H * j.W * j.Ci) ||
      !conv_fits(env, "convForward", "w", nw, (size_t)j.K * j.Co) || !conv_fits(env, "convForward", "y", ny, j.N * j.Co) ||
      (bias != NULL && !conv_fits(env, "convForward", "bias", nbias, (size_t)j.Co))) {
    return NULL;
  }
  if (j.N == 0) return NULL;
  j.x = x, j.w = w, j.y = y, j.bias = bias, j.act = act, j.alpha = (float)alpha;
  conv_run(env, "convForward", &j);
  return NULL;
}

static napi_value conv_backprop_input(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ConvJob j = {0};
  j.mode = CONV_INPUT;
  float *dy, *w, *dx;
  size_t ndy, nw, ndx;
  if (argc != 4 || !float_array(env, argv[0], &dy, &ndy) || !float_array(env, argv[1], &w, &nw) ||
      !float_array(env, argv[2], &dx, &ndx)) {
    napi_throw_type_error(env, NULL, "blas_matmul.convBackpropInput(dy, w, dx, dims): wrong argument types");
    return NULL;
  }
  if (!conv_dims(env, argv[3], "convBackpropInput", &j)) return NULL;
  if (!conv_fits(env, "convBackpropInput", "dy", ndy, j.N * j.Co) || !conv_fits(env, "convBackpropInput", "w", nw, (size_t)j.K * j.Co) ||
      !conv_fits(env, "convBackpropInput", "dx", ndx, (size_t)j.B * j.H * j.W * j.Ci)) {
    return NULL;
  }
  if (j.N == 0) return NULL;
  j.dy = dy, j.w = w, j.dx = dx;
  conv_run(env, "convBackpropInput", &j);
  return NULL;
}

static napi_value conv_backprop_filter(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ConvJob j = {0};
  j.mode = CONV_FILTER;
  float *x, *dy, *dw;
  size_t nx, ndy, ndw;
  if (argc != 4 || !float_array(env, argv[0], &x, &nx) || !float_array(env, argv[1], &dy, &ndy) ||
      !float_array(env, argv[2], &dw, &ndw)) {
    napi_throw_type_error(env, NULL, "blas_matmul.convBackpropFilter(x, dy, dw, dims): wrong argument types");
    return NULL;
  }
  if (!conv_dims(env, argv[3], "convBackpropFilter", &j)) return NULL;
  if (!conv_fits(env, "convBackpropFilter", "x", nx, (size_t)j.B * j.H * j.W * j.Ci) ||
      !conv_fits(env, "convBackpropFilter", "dy", ndy, j.N * j.Co) ||
      !conv_fits(env, "convBackpropFilter", "dw", ndw, (size_t)j.K * j.Co)) {
    return NULL;
  }
  j.x = x, j.dy = dy, j.dw = dw;
  if (j.N == 0) {
    memset(dw, 0, sizeof(float) * (size_t)j.K * j.Co);
    return NULL;
  }
  conv_run(env, "convBackpropFilter", &j);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Group normalisation (see the header). */

typedef struct {
  const float *x, *gamma, *beta, *dy;
  float *y, *mean, *rstd, *dx;
  double* partial; /* backward: B × 2C, per image Σ dz·x̂ then Σ dz */
  int P, C, G, act;
  float eps;
} GroupNormJob;

static void group_norm_forward_tile(const void* ctx, int b) {
  const GroupNormJob* j = (const GroupNormJob*)ctx;
  const int P = j->P, C = j->C, G = j->G, Cg = C / G;
  const float* restrict x = j->x + (size_t)b * P * C;
  float* restrict y = j->y + (size_t)b * P * C;
  double s1[C], s2[C];
  for (int c = 0; c < C; c++) s1[c] = s2[c] = 0.0;
  for (int p = 0; p < P; p++) {
    const float* restrict row = x + (size_t)p * C;
    for (int c = 0; c < C; c++) {
      const double u = row[c];
      s1[c] += u;
      s2[c] += u * u;
    }
  }
  float scale[C], shift[C]; /* y = x·scale + shift, per channel */
  const double n = (double)P * Cg;
  for (int g = 0; g < G; g++) {
    double a = 0.0, q = 0.0;
    for (int c = g * Cg; c < (g + 1) * Cg; c++) a += s1[c], q += s2[c];
    const double m = a / n, var = q / n - m * m;
    const double r = 1.0 / sqrt((var > 0.0 ? var : 0.0) + j->eps);
    j->mean[b * G + g] = (float)m;
    j->rstd[b * G + g] = (float)r;
    for (int c = g * Cg; c < (g + 1) * Cg; c++) {
      scale[c] = (float)(r * j->gamma[c]);
      shift[c] = (float)(j->beta[c] - m * r * j->gamma[c]);
    }
  }
  for (int p = 0; p < P; p++) {
    const float* restrict row = x + (size_t)p * C;
    float* restrict out = y + (size_t)p * C;
    if (j->act == 1) {
      for (int c = 0; c < C; c++) {
        const float z = row[c] * scale[c] + shift[c];
        out[c] = z / (1.0f + exp_approx(-z));
      }
    } else {
      for (int c = 0; c < C; c++) out[c] = row[c] * scale[c] + shift[c];
    }
  }
}

static void group_norm_backward_tile(const void* ctx, int b) {
  const GroupNormJob* j = (const GroupNormJob*)ctx;
  const int P = j->P, C = j->C, G = j->G, Cg = C / G;
  const float* restrict x = j->x + (size_t)b * P * C;
  float* dx = j->dx + (size_t)b * P * C;
  float m[C], r[C];
  for (int c = 0; c < C; c++) m[c] = j->mean[b * G + c / Cg], r[c] = j->rstd[b * G + c / Cg];
  /* With SiLU, dz = dy·σ(z)·(1 + z·(1 − σ(z))) goes into dx first (dx is then read as dz). */
  const float* dy = j->dy + (size_t)b * P * C;
  if (j->act == 1) {
    for (int p = 0; p < P; p++) {
      const float* restrict xr = x + (size_t)p * C;
      const float* restrict dr = dy + (size_t)p * C;
      float* restrict out = dx + (size_t)p * C;
      for (int c = 0; c < C; c++) {
        const float z = (xr[c] - m[c]) * r[c] * j->gamma[c] + j->beta[c];
        const float s = 1.0f / (1.0f + exp_approx(-z));
        out[c] = dr[c] * s * (1.0f + z * (1.0f - s));
      }
    }
    dy = dx;
  }
  double sdy[C], sdyx[C]; /* per channel: Σ dz, Σ dz·x̂ */
  for (int c = 0; c < C; c++) sdy[c] = sdyx[c] = 0.0;
  for (int p = 0; p < P; p++) {
    const float* restrict xr = x + (size_t)p * C;
    const float* restrict dr = dy + (size_t)p * C;
    for (int c = 0; c < C; c++) {
      const double d = dr[c];
      sdy[c] += d;
      sdyx[c] += d * (double)((xr[c] - m[c]) * r[c]);
    }
  }
  double* part = j->partial + (size_t)b * 2 * C;
  float c1[C], c2[C]; /* per channel: mean(dx̂) and mean(dx̂·x̂) of its group */
  const double n = (double)P * Cg;
  for (int g = 0; g < G; g++) {
    double a1 = 0.0, a2 = 0.0;
    for (int c = g * Cg; c < (g + 1) * Cg; c++) a1 += sdy[c] * j->gamma[c], a2 += sdyx[c] * j->gamma[c];
    for (int c = g * Cg; c < (g + 1) * Cg; c++) c1[c] = (float)(a1 / n), c2[c] = (float)(a2 / n);
  }
  for (int c = 0; c < C; c++) part[c] = sdyx[c], part[C + c] = sdy[c];
  for (int p = 0; p < P; p++) {
    const float* restrict xr = x + (size_t)p * C;
    const float* dr = dy + (size_t)p * C; /* = out's own element with SiLU: read before written */
    float* out = dx + (size_t)p * C;
    for (int c = 0; c < C; c++) {
      const float xh = (xr[c] - m[c]) * r[c];
      out[c] = r[c] * (dr[c] * j->gamma[c] - c1[c] - xh * c2[c]);
    }
  }
}

/* dims [B, P, C, G, act] with C % G == 0 and act 0 or 1; false after throwing. */
static bool group_norm_dims(napi_env env, napi_value value, const char* name, int* B, int* P, int* C, int* G, int* act) {
  int32_t* d;
  size_t n;
  char text[160];
  if (!int32_array(env, value, &d, &n) || n != 5 || d[0] < 0 || d[1] < 0 || d[2] < 1 || d[3] < 1 || d[2] % d[3] != 0 ||
      d[2] > 4096 || (d[4] != 0 && d[4] != 1)) {
    snprintf(text, sizeof text, "blas_matmul.%s: dims must be an Int32Array [B, P, C, G, act] with C a multiple of G (C ≤ 4096), act 0 or 1", name);
    napi_throw_range_error(env, NULL, text);
    return false;
  }
  *B = d[0], *P = d[1], *C = d[2], *G = d[3], *act = d[4];
  return true;
}

static bool float_arrays(napi_env env, napi_value* argv, int count, float** data, const size_t* wanted, const char* name) {
  for (int i = 0; i < count; i++) {
    size_t length;
    if (!float_array(env, argv[i], &data[i], &length) || length != wanted[i]) {
      char text[160];
      snprintf(text, sizeof text, "blas_matmul.%s: argument %d must be a Float32Array of %zu entries", name, i, wanted[i]);
      napi_throw_type_error(env, NULL, text);
      return false;
    }
  }
  return true;
}

static napi_value group_norm_forward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int B, P, C, G, act;
  double eps;
  if (argc != 8 || !group_norm_dims(env, argv[6], "groupNormForward", &B, &P, &C, &G, &act)) {
    if (argc != 8) napi_throw_type_error(env, NULL, "blas_matmul.groupNormForward(x, gamma, beta, y, mean, rstd, dims, eps)");
    return NULL;
  }
  CHECK(napi_get_value_double(env, argv[7], &eps));
  const size_t all = (size_t)B * P * C;
  const size_t wanted[6] = {all, (size_t)C, (size_t)C, all, (size_t)B * G, (size_t)B * G};
  float* a[6];
  if (!float_arrays(env, argv, 6, a, wanted, "groupNormForward")) return NULL;
  GroupNormJob j = {.x = a[0], .gamma = a[1], .beta = a[2], .y = a[3], .mean = a[4], .rstd = a[5], .P = P, .C = C, .G = G, .act = act, .eps = (float)eps};
  pthread_once(&pool_once, init_pool);
  const Job job = {group_norm_forward_tile, &j, B};
  run_job(&job, (double)all >= 65536.0);
  return NULL;
}

static napi_value group_norm_backward(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int B, P, C, G, act;
  if (argc != 10 || !group_norm_dims(env, argv[9], "groupNormBackward", &B, &P, &C, &G, &act)) {
    if (argc != 10) napi_throw_type_error(env, NULL, "blas_matmul.groupNormBackward(x, gamma, beta, dy, mean, rstd, dx, dgamma, dbeta, dims)");
    return NULL;
  }
  const size_t all = (size_t)B * P * C;
  const size_t wanted[9] = {all, (size_t)C, (size_t)C, all, (size_t)B * G, (size_t)B * G, all, (size_t)C, (size_t)C};
  float* a[9];
  if (!float_arrays(env, argv, 9, a, wanted, "groupNormBackward")) return NULL;
  double* partial = malloc(sizeof(double) * ((size_t)B * 2 * C + 1));
  if (partial == NULL) {
    napi_throw_error(env, NULL, "blas_matmul.groupNormBackward: out of memory");
    return NULL;
  }
  GroupNormJob j = {.x = a[0], .gamma = a[1], .beta = a[2], .dy = a[3], .mean = a[4], .rstd = a[5], .dx = a[6], .partial = partial,
                    .P = P, .C = C, .G = G, .act = act};
  pthread_once(&pool_once, init_pool);
  const Job job = {group_norm_backward_tile, &j, B};
  run_job(&job, (double)all >= 65536.0);
  for (int c = 0; c < C; c++) {
    double dg = 0.0, db = 0.0;
    for (int b = 0; b < B; b++) dg += partial[(size_t)b * 2 * C + c], db += partial[(size_t)b * 2 * C + C + c];
    a[7][c] = (float)dg;
    a[8][c] = (float)db;
  }
  free(partial);
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_once(&pool_once, init_pool);
  char text[256];
  snprintf(text, sizeof text, "%s, %d thread%s", blas_config(), n_threads, n_threads == 1 ? "" : "s");
  napi_value out;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
      {"xentForward", NULL, xent_forward, NULL, NULL, NULL, napi_default, NULL},
      {"xentBackward", NULL, xent_backward, NULL, NULL, NULL, napi_default, NULL},
      {"convForward", NULL, conv_forward, NULL, NULL, NULL, napi_default, NULL},
      {"convBackpropInput", NULL, conv_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"convBackpropFilter", NULL, conv_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"groupNormForward", NULL, group_norm_forward, NULL, NULL, NULL, napi_default, NULL},
      {"groupNormBackward", NULL, group_norm_backward, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
