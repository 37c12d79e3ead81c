/* softmax, CUDA: row-wise softmax of scale * x with the causal limit of softmax.h, one block per row.
 *
 * Versions, with the H100 figures measured for each:
 *   v1 one block per row, online softmax: each thread keeps a running (max, sum) over its
 *      columns (one expf per element, rescaling the sum when the max grows), the block merges the
 *      pairs with warp shuffles and 32 shared slots, then a second read of the row (from L1/L2: the
 *      block just read it) writes exp(scale * x - max) / sum, and 0 past the causal limit. DRAM sees
 *      one read and one write per element. float4 when n_cols % 4 == 0 and X, Y are 16-aligned
 *      (checked at run time). 256 threads (1024 when too few rows to fill 132 SMs).
 *      Expected: >= 85% of copy bandwidth at 4096 x 4096; 2 expf per element stay under memory time.
 *      Pass 1 of the float4 path issues two loads before its math and updates (max, sum) per float4
 *      without branches (a per-element `if (v > max)` kept ptxas from hoisting the next load).
 *      H100: 2142 GB/s at 4096 x 4096, 73.8% of the 2903 GB/s copy.
 *   v2 (this, when n_cols % 4 == 0, X and Y are 16-aligned and n_cols <= 16384) the row stays in
 *      registers: 256 threads, each loads its PER = 1..16 float4 up front (only those below the
 *      causal limit), block max, then exp(v - max) kept in the same registers (one expf per
 *      element instead of ~2.25), block sum, one write. No second read of the row. Otherwise v1.
 *      Expected: >= 85% of copy at 4096 x 4096.
 *      H100: 89.2% (run 2ced065576bb), 93.1% of the 2979 GB/s copy once the timer stopped counting the
 *      host's enqueue of the launch (run aee194190ffe; runtime/cuda_hold.cu).
 *   Not tried: max then sum as two reads (3 passes over the row; same DRAM traffic, more L2).
 * float with the accurate expf (no fast-math): relative error ~1e-6, inside the 1e-4 bound.
 * Y may alias X: element c is read and written by the same thread, after the whole row was reduced. */
#include <math.h>

#include "../common/cuda_common.cuh"
#include "softmax.h"

/* Merges two running (max, sum) pairs; an empty pair is (-inf, 0) and must not produce inf - inf. */
__device__ __forceinline__ void sm_merge(float &m, float &s, float m2, float s2)
{
    const float mx = fmaxf(m, m2);
    if (mx == -INFINITY)
        return; /* both empty */
    s = (m == -INFINITY ? 0.0f : s * expf(m - mx)) + (m2 == -INFINITY ? 0.0f : s2 * expf(m2 - mx));
    m = mx;
}

__device__ __forceinline__ void sm_add(float &m, float &s, float v)
{
    if (v > m) {
        s = s * expf(m - v) + 1.0f; /* m = -inf the first time: s * 0 + 1 */
        m = v;
    } else {
        s += expf(v - m);
    }
}

/* Four columns c .. c+3 (c < n_valid, so the first is valid) into (m, s) without branches: the
 * invalid ones become -inf, whose exp is 0. One extra exp per 4 values for the rescale. */
__device__ __forceinline__ void sm_add4(float &m, float &s, float4 v, int c, int n_valid, float scale)
{
    const float v0 = scale * v.x, v1 = c + 1 < n_valid ? scale * v.y : -INFINITY,
                v2 = c + 2 < n_valid ? scale * v.z : -INFINITY, v3 = c + 3 < n_valid ? scale * v.w : -INFINITY;
    const float mn = fmaxf(m, fmaxf(fmaxf(v0, v1), fmaxf(v2, v3))); /* finite: v0 is */
    s = s * expf(m - mn) + ((expf(v0 - mn) + expf(v1 - mn)) + (expf(v2 - mn) + expf(v3 - mn)));
    m = mn;
}

template <bool VEC>
__global__ void __launch_bounds__(1024)
    softmax_kernel(const float *x /* (n_rows, n_cols) */, float *y /* (n_rows, n_cols) */, int n_rows, int n_cols,
                   float scale, int causal, int pos0, int rows_per_pos)
{
    __shared__ float sh_m[32], sh_s[32];
    const int tid = threadIdx.x, nt = blockDim.x, lane = tid & 31, warp = tid >> 5, n_warps = nt >> 5;
    for (int row = blockIdx.x; row < n_rows; row += gridDim.x) {
        const float *xr = x + (size_t)row * n_cols;
        float *yr = y + (size_t)row * n_cols;
        int n_valid = n_cols; /* columns 0 .. n_valid - 1 take part */
        if (causal) {
            const long long limit = (long long)pos0 + row / rows_per_pos;
            n_valid = limit + 1 < n_cols ? (int)(limit + 1) : n_cols;
            n_valid = n_valid < 0 ? 0 : n_valid;
        }
        float m = -INFINITY, s = 0.0f;
        if (VEC) {
            /* two float4 loads issued before any math (no stores in this pass, so nothing orders them),
             * then a branch-free update per float4 */
            const int n4 = (n_valid + 3) >> 2;
            for (int i = tid; i < n4; i += 2 * nt) {
                const bool has2 = i + nt < n4;
                const float4 a = ((const float4 *)xr)[i];
                const float4 b = has2 ? ((const float4 *)xr)[i + nt] : a;
                sm_add4(m, s, a, 4 * i, n_valid, scale);
                if (has2)
                    sm_add4(m, s, b, 4 * (i + nt), n_valid, scale);
            }
        } else {
#pragma unroll 4
            for (int c = tid; c < n_valid; c += nt)
                sm_add(m, s, scale * xr[c]);
        }
        /* merge: warp, then the warps' results through shared memory */
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
            sm_merge(m, s, m2, s2);
        }
        __syncthreads(); /* the previous row's readers are done with sh_m/sh_s */
        if (lane == 0) {
            sh_m[warp] = m;
            sh_s[warp] = s;
        }
        __syncthreads();
        m = lane < n_warps ? sh_m[lane] : -INFINITY;
        s = lane < n_warps ? sh_s[lane] : 0.0f;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
            sm_merge(m, s, m2, s2);
        }
        const float inv = 1.0f / s; /* s >= 1 whenever a column is valid; unused otherwise */
        if (VEC) {
            const int n4 = n_cols >> 2;
            for (int i = tid; i < n4; i += nt) {
                const int c = 4 * i;
                float4 r = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
                if (c < n_valid) {
                    const float4 v = ((const float4 *)xr)[i];
                    r.x = expf(scale * v.x - m) * inv;
                    r.y = c + 1 < n_valid ? expf(scale * v.y - m) * inv : 0.0f;
                    r.z = c + 2 < n_valid ? expf(scale * v.z - m) * inv : 0.0f;
                    r.w = c + 3 < n_valid ? expf(scale * v.w - m) * inv : 0.0f;
                }
                ((float4 *)yr)[i] = r;
            }
        } else {
            for (int c = tid; c < n_cols; c += nt)
                yr[c] = c < n_valid ? expf(scale * xr[c] - m) * inv : 0.0f;
        }
    }
}

#define SOFTMAX_REG_THREADS 256

/* Block-wide max or sum of v, returned to every thread (blockDim.x a multiple of 32, all threads call).
 * The leading barrier lets a block reuse `sh` for a second reduction. */
template <bool MAX> __device__ __forceinline__ float sm_block_reduce(float v, float *sh /* [32] */)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, n_warps = blockDim.x >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = MAX ? fmaxf(v, u) : v + u;
    }
    __syncthreads();
    if (lane == 0)
        sh[warp] = v;
    __syncthreads();
    v = lane < n_warps ? sh[lane] : (MAX ? -INFINITY : 0.0f);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = MAX ? fmaxf(v, u) : v + u;
    }
    return v;
}

__device__ __forceinline__ float sm_exp_sum(float4 &v, float m)
{
    v = make_float4(expf(v.x - m), expf(v.y - m), expf(v.z - m), expf(v.w - m)); /* exp(-inf) = 0 */
    return (v.x + v.y) + (v.z + v.w);
}

/* v2: the row in registers. Float4 i = threadIdx.x + j * SOFTMAX_REG_THREADS is held in v[j] as
 * scale * x, -inf at and past the causal limit; needs n_cols / 4 <= PER * SOFTMAX_REG_THREADS. */
template <int PER>
__global__ void __launch_bounds__(SOFTMAX_REG_THREADS)
    softmax_reg_kernel(const float4 *x /* (n_rows, n4) */, float4 *y /* (n_rows, n4) */, int n4, float scale,
                       int causal, int pos0, int rows_per_pos)
{
    __shared__ float sh[32];
    const int tid = threadIdx.x, row = blockIdx.x;
    const float4 *xr = x + (size_t)row * n4;
    float4 *yr = y + (size_t)row * n4;
    int n_valid = 4 * n4;
    if (causal) {
        const long long limit = (long long)pos0 + row / rows_per_pos;
        n_valid = limit + 1 < n_valid ? (int)(limit + 1) : n_valid;
        n_valid = n_valid < 0 ? 0 : n_valid;
    }
    float4 v[PER];
    float m = -INFINITY;
#pragma unroll
    for (int j = 0; j < PER; j++) {
        const int i = tid + j * SOFTMAX_REG_THREADS, c = 4 * i;
        v[j] = make_float4(-INFINITY, -INFINITY, -INFINITY, -INFINITY);
        if (c < n_valid) { /* columns past the limit are never read */
            const float4 t = xr[i];
            v[j].x = scale * t.x;
            v[j].y = c + 1 < n_valid ? scale * t.y : -INFINITY;
            v[j].z = c + 2 < n_valid ? scale * t.z : -INFINITY;
            v[j].w = c + 3 < n_valid ? scale * t.w : -INFINITY;
        }
    }
#pragma unroll
    for (int j = 0; j < PER; j++)
        m = fmaxf(m, fmaxf(fmaxf(v[j].x, v[j].y), fmaxf(v[j].z, v[j].w)));
    m = sm_block_reduce<true>(m, sh); /* its barriers order every read of X before any write of Y */
    float s = 0.0f;
    if (n_valid > 0) { /* block-uniform; without a valid column m = -inf and the row is all zeros */
#pragma unroll
        for (int j = 0; j < PER; j++)
            s += sm_exp_sum(v[j], m);
    }
    s = sm_block_reduce<false>(s, sh);
    const float inv = n_valid > 0 ? 1.0f / s : 0.0f; /* s >= 1 when a column is valid */
#pragma unroll
    for (int j = 0; j < PER; j++) {
        const int i = tid + j * SOFTMAX_REG_THREADS;
        if (i < n4)
            yr[i] = n_valid > 0 ? make_float4(v[j].x * inv, v[j].y * inv, v[j].z * inv, v[j].w * inv)
                                : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
}

extern "C" chord_status chord_softmax_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_softmax_args *a = (const chord_softmax_args *)args;
    if (!t) /* a support query: every shape runs */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const float *x = (const float *)chord_cuda_ptr(t[0]);
    float *y = (float *)chord_cuda_ptr(t[1]);
    if (!chord_cuda_aligned(x, 4) || !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda softmax: misaligned X %p or Y %p", (const void *)x, (void *)y);
    if (a->n_rows == 0 || a->n_cols == 0)
        return CHORD_OK;
    const bool vec = a->n_cols % 4 == 0 && chord_cuda_aligned(x, 16) && chord_cuda_aligned(y, 16);
    const int rpp = a->rows_per_pos > 0 ? a->rows_per_pos : 1;
    const int n4 = a->n_cols / 4;
    if (vec && n4 <= 16 * SOFTMAX_REG_THREADS) {
        const unsigned grid = (unsigned)a->n_rows;
        const float4 *x4 = (const float4 *)x;
        float4 *y4 = (float4 *)y;
#define SOFTMAX_REG(PER) \
    softmax_reg_kernel<PER><<<grid, SOFTMAX_REG_THREADS, 0, stream>>>(x4, y4, n4, a->scale, a->causal, a->pos0, rpp)
        if (n4 <= SOFTMAX_REG_THREADS)
            SOFTMAX_REG(1);
        else if (n4 <= 2 * SOFTMAX_REG_THREADS)
            SOFTMAX_REG(2);
        else if (n4 <= 4 * SOFTMAX_REG_THREADS)
            SOFTMAX_REG(4);
        else if (n4 <= 8 * SOFTMAX_REG_THREADS)
            SOFTMAX_REG(8);
        else
            SOFTMAX_REG(16);
#undef SOFTMAX_REG
        CHORD_CUDA_CHECK_LAUNCH("softmax_reg_kernel");
        return CHORD_OK;
    }
    int threads = chord_cuda_row_threads(vec ? a->n_cols / 4 : a->n_cols);
    const int cap = a->n_rows >= 2 * 132 ? 256 : 1024; /* few rows: wider blocks to use the SMs */
    threads = threads > cap ? cap : threads;
    const unsigned grid = (unsigned)a->n_rows;
    if (vec)
        softmax_kernel<true>
            <<<grid, threads, 0, stream>>>(x, y, a->n_rows, a->n_cols, a->scale, a->causal, a->pos0, rpp);
    else
        softmax_kernel<false>
            <<<grid, threads, 0, stream>>>(x, y, a->n_rows, a->n_cols, a->scale, a->causal, a->pos0, rpp);
    CHORD_CUDA_CHECK_LAUNCH("softmax_kernel");
    return CHORD_OK;
}
