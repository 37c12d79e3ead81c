/* The cuBLAS SGEMM yardstick of chord-bench (see yardstick.h). Every CUDA and cuBLAS call is checked;
 * failures come back as a chord_status with the call's text, never as an exit. */
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/cuda_launch.h"
#include "yardstick.h"

#define YS_CUDA_CHECK(call)                                                                                     \
    do {                                                                                                        \
        cudaError_t ys_e_ = (call);                                                                             \
        if (ys_e_ != cudaSuccess)                                                                               \
            return chord_fail(CHORD_ERR_DEVICE, "cuda: %s failed at %s:%d: %s (%s)", #call, __FILE__, __LINE__, \
                              cudaGetErrorName(ys_e_), cudaGetErrorString(ys_e_));                              \
    } while (0)

#define YS_CUBLAS_CHECK(call)                                                                                     \
    do {                                                                                                          \
        cublasStatus_t ys_s_ = (call);                                                                            \
        if (ys_s_ != CUBLAS_STATUS_SUCCESS)                                                                       \
            return chord_fail(CHORD_ERR_DEVICE, "cublas: %s failed at %s:%d: %s (%s)", #call, __FILE__, __LINE__, \
                              cublasGetStatusName(ys_s_), cublasGetStatusString(ys_s_));                          \
    } while (0)

#define YS_WARMUP 10
#define YS_RUNS 50
#define YS_HOLD_US 50 /* as the CUDA backend's timer (runtime/cuda_hold.cu): both are timed the same way */
#define YS_CACHE 64

typedef struct ys_shape {
    int m, n, k, bf16;
    double tflops;
} ys_shape;

static ys_shape ys_cache[YS_CACHE];
static int ys_cached;

typedef struct ys_run {
    cublasHandle_t handle;
    cudaStream_t stream;
    cudaEvent_t ev[2 * YS_RUNS];
    int n_ev;
    float *w, *x, *y;
} ys_run;

/* U(-1, 1) from a hash of the index: the same kind of data as chord's cases (constant or zero inputs would
 * draw less power and flatter the clock). */
__device__ __forceinline__ float ys_uniform(size_t i, uint32_t seed)
{
    uint32_t h = (uint32_t)i * 0x9e3779b9u ^ seed;
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return (float)(h >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

__global__ void ys_fill(float *p, size_t count, uint32_t seed)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x)
        p[i] = ys_uniform(i, seed);
}

static chord_status ys_alloc_fill(float **p, size_t count, uint32_t seed, cudaStream_t stream)
{
    YS_CUDA_CHECK(cudaMalloc((void **)p, count * sizeof(float)));
    ys_fill<<<1024, 256, 0, stream>>>(*p, count, seed);
    YS_CUDA_CHECK(cudaGetLastError());
    return CHORD_OK;
}

/* The same U(-1, 1) values as ys_fill, rounded to bf16 and stored as bf16 at the start of p. */
__global__ void ys_fill_bf16(float *p, size_t count, uint32_t seed)
{
    __nv_bfloat16 *q = (__nv_bfloat16 *)p;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x)
        q[i] = __float2bfloat16_rn(ys_uniform(i, seed));
}

/* One launch of the yardstick: cuBLAS is column-major, so row-major Y (m, n) is Y^T (n, m) = W X^T there, with W a
 * column-major (k, n) matrix (op T, lda = k) and X a column-major (k, m) one (op N, ldb = k). bf16: cublasGemmEx
 * with bf16 inputs, f32 output and FP32 compute, the call a user holding bf16 activations would make. */
static chord_status ys_gemm(ys_run *r, int m, int n, int k, int bf16)
{
    const float one = 1.0f, zero = 0.0f;
    if (bf16)
        YS_CUBLAS_CHECK(cublasGemmEx(r->handle, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, r->w, CUDA_R_16BF, k, r->x,
                                     CUDA_R_16BF, k, &zero, r->y, CUDA_R_32F, n, CUBLAS_COMPUTE_32F,
                                     CUBLAS_GEMM_DEFAULT));
    else
        YS_CUBLAS_CHECK(
            cublasSgemm(r->handle, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, r->w, k, r->x, k, &zero, r->y, n));
    return CHORD_OK;
}

static int ys_cmp(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static chord_status ys_time(ys_run *r, int m, int n, int k, int bf16, double *ms_median)
{
    YS_CUDA_CHECK(cudaStreamCreateWithFlags(&r->stream, cudaStreamNonBlocking));
    YS_CUBLAS_CHECK(cublasCreate(&r->handle));
    YS_CUBLAS_CHECK(cublasSetStream(r->handle, r->stream));
    /* Explicitly FP32: DEFAULT never uses TF32 (that is CUBLAS_TF32_TENSOR_OP_MATH, opt-in) */
    YS_CUBLAS_CHECK(cublasSetMathMode(r->handle, CUBLAS_DEFAULT_MATH));
    for (; r->n_ev < 2 * YS_RUNS; r->n_ev++)
        YS_CUDA_CHECK(cudaEventCreate(&r->ev[r->n_ev]));
    CHORD_TRY(ys_alloc_fill(&r->w, (size_t)n * k, 1u, r->stream));
    CHORD_TRY(ys_alloc_fill(&r->x, (size_t)m * k, 2u, r->stream));
    if (bf16) { /* the same values as bf16, in the first half of each buffer */
        ys_fill_bf16<<<1024, 256, 0, r->stream>>>(r->w, (size_t)n * k, 1u);
        ys_fill_bf16<<<1024, 256, 0, r->stream>>>(r->x, (size_t)m * k, 2u);
        YS_CUDA_CHECK(cudaGetLastError());
    }
    YS_CUDA_CHECK(cudaMalloc((void **)&r->y, (size_t)m * n * sizeof(float)));
    for (int i = 0; i < YS_WARMUP; i++)
        CHORD_TRY(ys_gemm(r, m, n, k, bf16));
    /* Warm-up finished before timing starts; then each run behind a hold kernel, as chord's own launches
     * are timed, so neither side's figure carries host enqueue time or a cold start (one process measured
     * cuBLAS at 2.0 TFLOP/s on 512 x 576 x 576, others at 13-17, with 3 unsynchronized warm-ups). */
    YS_CUDA_CHECK(cudaStreamSynchronize(r->stream));
    for (int i = 0; i < YS_RUNS; i++) {
        CHORD_TRY(chord_cuda_hold(r->stream, YS_HOLD_US));
        YS_CUDA_CHECK(cudaEventRecord(r->ev[2 * i], r->stream));
        CHORD_TRY(ys_gemm(r, m, n, k, bf16));
        YS_CUDA_CHECK(cudaEventRecord(r->ev[2 * i + 1], r->stream));
    }
    YS_CUDA_CHECK(cudaStreamSynchronize(r->stream));
    float ms[YS_RUNS];
    for (int i = 0; i < YS_RUNS; i++)
        YS_CUDA_CHECK(cudaEventElapsedTime(&ms[i], r->ev[2 * i], r->ev[2 * i + 1]));
    qsort(ms, YS_RUNS, sizeof ms[0], ys_cmp);
    *ms_median = 0.5 * ((double)ms[YS_RUNS / 2 - 1] + ms[YS_RUNS / 2]);
    return CHORD_OK;
}

/* Releases whatever ys_time got to; the first failure is reported unless one is already. */
static chord_status ys_release(ys_run *r, chord_status s)
{
#define YS_KEEP(call, ok, name)                                                                    \
    do {                                                                                           \
        if (!(ok) && s == CHORD_OK)                                                                \
            s = chord_fail(CHORD_ERR_DEVICE, "%s failed in the cuBLAS yardstick: %s", call, name); \
    } while (0)
    cudaError_t e;
    if (r->y) {
        e = cudaFree(r->y);
        YS_KEEP("cudaFree(y)", e == cudaSuccess, cudaGetErrorName(e));
    }
    if (r->x) {
        e = cudaFree(r->x);
        YS_KEEP("cudaFree(x)", e == cudaSuccess, cudaGetErrorName(e));
    }
    if (r->w) {
        e = cudaFree(r->w);
        YS_KEEP("cudaFree(w)", e == cudaSuccess, cudaGetErrorName(e));
    }
    for (int i = 0; i < r->n_ev; i++) {
        e = cudaEventDestroy(r->ev[i]);
        YS_KEEP("cudaEventDestroy", e == cudaSuccess, cudaGetErrorName(e));
    }
    if (r->handle) {
        cublasStatus_t b = cublasDestroy(r->handle);
        YS_KEEP("cublasDestroy", b == CUBLAS_STATUS_SUCCESS, cublasGetStatusName(b));
    }
    if (r->stream) {
        e = cudaStreamDestroy(r->stream);
        YS_KEEP("cudaStreamDestroy", e == cudaSuccess, cudaGetErrorName(e));
    }
#undef YS_KEEP
    return s;
}

static chord_status ys_rate(int m, int n, int k, int bf16, double *tflops)
{
    if (m <= 0 || n <= 0 || k <= 0)
        return chord_fail(CHORD_ERR_INVALID, "cublas yardstick: bad shape m=%d n=%d k=%d", m, n, k);
    for (int i = 0; i < ys_cached; i++)
        if (ys_cache[i].m == m && ys_cache[i].n == n && ys_cache[i].k == k && ys_cache[i].bf16 == bf16) {
            *tflops = ys_cache[i].tflops;
            return CHORD_OK;
        }
    ys_run r = {};
    double ms = 0;
    chord_status s = ys_release(&r, ys_time(&r, m, n, k, bf16, &ms));
    if (s != CHORD_OK)
        return s;
    if (!(ms > 0))
        return chord_fail(CHORD_ERR_DEVICE, "cublas yardstick: %dx%dx%d timed at %g ms", m, n, k, ms);
    *tflops = 2.0 * m * n * k / (ms * 1e-3) / 1e12;
    if (ys_cached < YS_CACHE)
        ys_cache[ys_cached++] = ys_shape{m, n, k, bf16, *tflops};
    return CHORD_OK;
}

extern "C" chord_status chord_cuda_sgemm_cublas(int m, int n, int k, double *tflops)
{
    return ys_rate(m, n, k, 0, tflops);
}

extern "C" chord_status chord_cuda_gemm_bf16_cublas(int m, int n, int k, double *tflops)
{
    return ys_rate(m, n, k, 1, tflops);
}
