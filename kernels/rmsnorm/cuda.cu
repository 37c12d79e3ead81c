/* rmsnorm, CUDA: y = x / sqrt(mean(x^2) + eps) * weight, one block per row.
 *
 * Versions, with the H100 figures measured for each:
 *   v1 one block per row, two reads of the row: the sum of squares, then the scaling. The
 *      second read hits L1/L2 (a 16 KiB row was just read by the same block), so DRAM sees one read
 *      and one write per element. float4 loads/stores when n_cols % 4 == 0 and X, Y, weight are
 *      16-aligned (checked at run time; else scalar). Each float4's four squares are summed in
 *      float, then accumulated per thread and across the block in double (warp shuffles, then 32
 *      shared slots): the mean is then as good as the reference's, and only ~0.5 FP64 op per element
 *      remains, far below the memory time. 256 threads per block (1024 when there are too few rows
 *      to fill 132 SMs). Expected: >= 85% of copy bandwidth at 4096 x 4096 (64 MiB).
 *      H100: 2327 GB/s at 4096 x 4096, 80.1% of the 2903 GB/s copy.
 *   v2 (this, when n_cols % 4 == 0, the pointers are 16-aligned and n_cols <= 16384) the row stays in
 *      registers: 256 threads, each loads its PER = 1..16 float4 of X up front (all loads in flight
 *      before the reduction), one block-wide sum, one write. No second pass over the row, one
 *      reduction, 4 KiB x PER in flight per block from the first instruction. Weight is read after
 *      the sum (an L2 hit: 16 KiB shared by all rows): preloading it too took 58 registers at PER 4
 *      (4 blocks per SM) and capping them spilled; without it ~36 (6-7 blocks, more rows in flight).
 *      With fewer rows than SMs (decode: one) registers do not bound anything, and the weight is
 *      loaded before the PDL wait, while the predecessor finishes: one L2 round trip (~0.5 us) off
 *      each of the decode step's standalone norms (the 7B's 64 per token: expected ~+1-2% tg128).
 *      H200 (results/nvidia-h200/2026-12-03-544652e7264b, tg128): 7B q8_0 (no other change reaches its
 *      kernels) 329.8 / 329.3 -> 334.8 / 334.2 tok/s (+1.5%); ncu 3.87 us (one launch) -> 3.22 us per
 *      4096-value norm.
 *      Otherwise v1. Expected: >= 85% of copy at 4096 x 4096.
 *      H100: 88.7% (run 2ced065576bb), 92.8% of the 2979 GB/s copy once the timer stopped counting the
 *      host's enqueue of the launch (run aee194190ffe; runtime/cuda_hold.cu).
 * Y may alias X: each element is read by the thread that writes it, after the row's sum is done. */
#include <stdlib.h>
#include <string.h>

#include "../common/cuda_common.cuh"
#include "rmsnorm.h"

template <bool VEC>
__global__ void __launch_bounds__(1024)
    rmsnorm_kernel(const float *x /* (n_rows, n_cols) */, const float *__restrict__ weight /* (n_cols) */,
                   float *y /* (n_rows, n_cols) */, int n_rows, int n_cols, float eps)
{
    chord_cu_pdl_begin(); /* the predecessor's outputs are this kernel's inputs */
    __shared__ double sh[32];
    const int tid = threadIdx.x, nt = blockDim.x;
    for (int row = blockIdx.x; row < n_rows; row += gridDim.x) {
        const float *xr = x + (size_t)row * n_cols;
        float *yr = y + (size_t)row * n_cols;
        double ss = 0.0;
        if (VEC) {
            const int n4 = n_cols >> 2;
#pragma unroll 4
            for (int i = tid; i < n4; i += nt) {
                const float4 v = ((const float4 *)xr)[i];
                ss += (double)(v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w);
            }
        } else {
#pragma unroll 4
            for (int c = tid; c < n_cols; c += nt)
                ss += (double)(xr[c] * xr[c]);
        }
        ss = chord_block_sum_d(ss, sh);
        const float inv = (float)(1.0 / sqrt(ss / n_cols + (double)eps));
        if (VEC) {
            const int n4 = n_cols >> 2;
#pragma unroll 4
            for (int i = tid; i < n4; i += nt) {
                const float4 v = ((const float4 *)xr)[i], w = ((const float4 *)weight)[i];
                ((float4 *)yr)[i] = make_float4(v.x * inv * w.x, v.y * inv * w.y, v.z * inv * w.z, v.w * inv * w.w);
            }
        } else {
#pragma unroll 4
            for (int c = tid; c < n_cols; c += nt)
                yr[c] = xr[c] * inv * weight[c];
        }
    }
}

#define RMSNORM_REG_THREADS 256

/* v2: the row in registers. Element float4 i = threadIdx.x + j * RMSNORM_REG_THREADS of the row is
 * held in v[j]; needs n_cols / 4 <= PER * RMSNORM_REG_THREADS. */
template <int PER, bool PRE>
__global__ void __launch_bounds__(RMSNORM_REG_THREADS)
    rmsnorm_reg_kernel(const float4 *x /* (n_rows, n4) */, const float4 *__restrict__ weight /* (n4) */,
                       float4 *y /* (n_rows, n4) */, int n4, float eps)
{
    __shared__ double sh[32];
    const int tid = threadIdx.x;
    const float4 *xr = x + (size_t)blockIdx.x * n4;
    float4 *yr = y + (size_t)blockIdx.x * n4;
    float4 w[PER]; /* PRE: the weight, which nothing in a step writes, loaded while the predecessor finishes */
    if constexpr (PRE)
#pragma unroll
        for (int j = 0; j < PER; j++) {
            const int i = tid + j * RMSNORM_REG_THREADS;
            w[j] = i < n4 ? weight[i] : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        }
    chord_cu_pdl_begin(); /* the predecessor's outputs are this kernel's inputs */
    float4 v[PER];
#pragma unroll
    for (int j = 0; j < PER; j++) {
        const int i = tid + j * RMSNORM_REG_THREADS;
        v[j] = i < n4 ? xr[i] : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
    double ss = 0.0;
#pragma unroll
    for (int j = 0; j < PER; j++)
        ss += (double)(v[j].x * v[j].x + v[j].y * v[j].y + v[j].z * v[j].z + v[j].w * v[j].w);
    ss = chord_block_sum_d(ss, sh); /* its barriers also order every read of X before any write of Y */
    const float inv = (float)(1.0 / sqrt(ss / (4.0 * n4) + (double)eps));
#pragma unroll
    for (int j = 0; j < PER; j++) {
        const int i = tid + j * RMSNORM_REG_THREADS;
        if (!PRE && i < n4)
            w[j] = weight[i];
        if (i < n4)
            yr[i] =
                make_float4(v[j].x * inv * w[j].x, v[j].y * inv * w[j].y, v[j].z * inv * w[j].z, v[j].w * inv * w[j].w);
    }
}

extern "C" chord_status chord_rmsnorm_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rmsnorm_args *a = (const chord_rmsnorm_args *)args;
    if (!t) /* a support query: every shape runs */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const float *x = (const float *)chord_cuda_ptr(t[0]);
    const float *weight = (const float *)chord_cuda_ptr(t[1]);
    float *y = (float *)chord_cuda_ptr(t[2]);
    if (!chord_cuda_aligned(x, 4) || !chord_cuda_aligned(weight, 4) || !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda rmsnorm: misaligned X %p, weight %p or Y %p", (const void *)x,
                          (const void *)weight, (void *)y);
    if (a->n_rows == 0 || a->n_cols == 0)
        return CHORD_OK;
    const bool vec =
        a->n_cols % 4 == 0 && chord_cuda_aligned(x, 16) && chord_cuda_aligned(y, 16) && chord_cuda_aligned(weight, 16);
    const int n4 = a->n_cols / 4;
    if (vec && n4 <= 16 * RMSNORM_REG_THREADS) {
        const unsigned grid = (unsigned)a->n_rows;
        const float4 *x4 = (const float4 *)x, *w4 = (const float4 *)weight;
        float4 *y4 = (float4 *)y;
        static int no_pre = -1; /* CHORD_CUDA_NORM_PRELOAD=0: the weight after the sum at every row count */
        if (no_pre < 0) {
            const char *e = getenv("CHORD_CUDA_NORM_PRELOAD");
            no_pre = e && !strcmp(e, "0");
        }
        const int pre = a->n_rows < 132 && !no_pre; /* a decode step's rows: one block per SM, registers to spare */
#define RMSNORM_REG(PER)                                                                                          \
    do {                                                                                                          \
        if (pre)                                                                                                  \
            CHORD_CU_LAUNCH("rmsnorm_reg_kernel", (rmsnorm_reg_kernel<PER, true>), grid, RMSNORM_REG_THREADS, 0,  \
                            stream, x4, w4, y4, n4, a->eps);                                                      \
        else                                                                                                      \
            CHORD_CU_LAUNCH("rmsnorm_reg_kernel", (rmsnorm_reg_kernel<PER, false>), grid, RMSNORM_REG_THREADS, 0, \
                            stream, x4, w4, y4, n4, a->eps);                                                      \
    } while (0)
        if (n4 <= RMSNORM_REG_THREADS)
            RMSNORM_REG(1);
        else if (n4 <= 2 * RMSNORM_REG_THREADS)
            RMSNORM_REG(2);
        else if (n4 <= 4 * RMSNORM_REG_THREADS)
            RMSNORM_REG(4);
        else if (n4 <= 8 * RMSNORM_REG_THREADS)
            RMSNORM_REG(8);
        else
            RMSNORM_REG(16);
#undef RMSNORM_REG
        return CHORD_OK;
    }
    int threads = chord_cuda_row_threads(vec ? a->n_cols / 4 : a->n_cols);
    const int cap = a->n_rows >= 2 * 132 ? 256 : 1024; /* few rows: wider blocks to use the SMs */
    threads = threads > cap ? cap : threads;
    const unsigned grid = (unsigned)a->n_rows; /* <= INT_MAX, within gridDim.x's 2^31 - 1 */
    if (vec)
        CHORD_CU_LAUNCH("rmsnorm_kernel", rmsnorm_kernel<true>, grid, threads, 0, stream, x, weight, y, a->n_rows,
                        a->n_cols, a->eps);
    else
        CHORD_CU_LAUNCH("rmsnorm_kernel", rmsnorm_kernel<false>, grid, threads, 0, stream, x, weight, y, a->n_rows,
                        a->n_cols, a->eps);
    return CHORD_OK;
}
