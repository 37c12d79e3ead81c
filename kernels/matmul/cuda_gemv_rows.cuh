/* matmul's v4 GEMV on the GGUF layouts of q4_0, q4_1 and q8_0 (the reasoning and figures are in kernels/matmul/
 * cuda.cu's header; the dot products in cuda_dot.cuh), as one kernel template over a row policy for the fused ops:
 * a warp takes 4 weight rows against one X, k split over ks warps of the block while the row groups alone cannot
 * fill the device, and a policy's store gets the 4 complete sums.
 *
 * A policy P has: int n_groups; rows(group, wr): the 4 rows of the group (a group past the end repeats a valid row:
 * computed, never stored); store(group, lane, s): called by every lane of one warp per group, each holding all 4
 * sums s[0..3]. X may first be normalized (mm_norm, cuda_gemv_tc.cuh). Included after cuda_quant.cuh, cuda_dot.cuh
 * and cuda_gemv_tc.cuh.
 *
 * Where it runs in the model: matrices whose k is not whole 256-value super-blocks (SmolLM2-135M's k = 576), so
 * short rows on small grids. Before the PDL wait each warp prefetches its rows into L2, and k is split down to one
 * step per warp: on the H200 (SmolLM2-shape q4_1 tg128) +19% and +10% (cuda.cu's "Decode tuning"). */
#ifndef CHORD_CUDA_GEMV_ROWS_CUH
#define CHORD_CUDA_GEMV_ROWS_CUH

#include "cuda_gemv_tc.cuh" /* mm_norm */

#define MM_ROWS_WARPS 8

/* s[i] for a lane-dependent i, by selects: an indexed s would be put on the stack */
__device__ __forceinline__ float mm_pick4(const float s[4], int i)
{
    const float lo = i & 1 ? s[1] : s[0], hi = i & 1 ? s[3] : s[2];
    return i & 2 ? hi : lo;
}

/* NORM a template argument, as v7's (cuda_gemv_tc.cuh says why) */
template <typename Q, bool NORM, typename P>
__global__ void __launch_bounds__(MM_ROWS_WARPS * 32)
    mm_rows_gemv(P pol, const float *__restrict__ x /* (k) */, int k,
                 int ks /* warps sharing one group's k (1, 2, 4 or 8) */, int x_vec /* X 16-aligned */,
                 mm_norm norm /* X's RMSNorm (NORM: X and g 16-aligned) */, int l2 /* prefetch the rows into L2 */)
{
    __shared__ float part[MM_ROWS_WARPS][4]; /* each warp's 4 sums, when ks > 1 */
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, slice = warp % ks;
    const int group = blockIdx.x * (MM_ROWS_WARPS / ks) + warp / ks;
    const uint8_t *wr[4];
    pol.rows(group, wr);
    if (l2) /* the group's ks warps share each row's lines */
#pragma unroll
        for (int r = 0; r < 4; r++)
            chord_cu_prefetch_l2(wr[r], (size_t)(k / Q::QK) * Q::BYTES, slice + ks * lane, 32 * ks);
    chord_cu_pdl_begin(); /* the predecessor's outputs are this kernel's inputs */
    float inv = 1.0f;
    if constexpr (NORM)
        inv = mm_norm_inv(x, k, norm.eps);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    constexpr int unroll = mm_dot<Q>::UNROLL;
#pragma unroll unroll
    for (int e = 4 * lane + 128 * slice; e < k; e += 128 * ks) {
        float4 xv = x_vec ? *(const float4 *)(x + e) : make_float4(x[e], x[e + 1], x[e + 2], x[e + 3]);
        if constexpr (NORM)
            xv = mm_norm_apply(xv, norm.g, e, inv);
        const float xsum = (xv.x + xv.y) + (xv.z + xv.w);
#pragma unroll
        for (int r = 0; r < 4; r++)
            acc[r] = mm_dot<Q>::dot4(wr[r], e, xv, xsum, acc[r]);
    }
    float s[4];
#pragma unroll
    for (int r = 0; r < 4; r++)
        s[r] = chord_warp_sum(acc[r]);
    if (ks == 1) { /* uniform over the block */
        pol.store(group, lane, s);
        return;
    }
    if (lane == 0)
#pragma unroll
        for (int r = 0; r < 4; r++)
            part[warp][r] = s[r];
    __syncthreads();
    if (slice == 0) { /* the group's first warp adds its ks slices in order */
#pragma unroll
        for (int r = 0; r < 4; r++) {
            s[r] = 0.0f;
            for (int t = 0; t < ks; t++)
                s[r] += part[warp + t][r];
        }
        pol.store(group, lane, s);
    }
}

/* The steps of 128 values each warp keeps at least once k is split: CHORD_CUDA_ROWS_STEPS = 1..64, default 1,
 * read once (measured on the H200, SmolLM2-shape q4_1 tg128, whose k = 576 matrices take v4: 4 -> 1 gave 1120 ->
 * 1237 tok/s; 4 was the value before the L2 prefetch) */
static inline int mm_rows_min_steps(void)
{
    static int steps = 0;
    if (!steps) {
        const char *e = getenv("CHORD_CUDA_ROWS_STEPS");
        const int v = e ? atoi(e) : 1;
        steps = v >= 1 && v <= 64 ? v : 1;
    }
    return steps;
}

/* The launch over policy pol (its n_groups set): k split while the groups fall short of ~48 warps on each of 132
 * SMs, each warp keeping >= mm_rows_min_steps() steps of 128 values. */
template <typename Q, typename P>
static chord_status mm_rows_launch(const char *name, const P &pol, const float *x, int k, cudaStream_t stream,
                                   mm_norm norm = mm_norm{NULL, 0.0f})
{
    if (pol.n_groups == 0)
        return CHORD_OK;
    int ks = 1;
    const long long steps = k / 128, min_steps = mm_rows_min_steps();
    while (ks < MM_ROWS_WARPS && (long long)pol.n_groups * ks < 132LL * 48 && steps >= min_steps * 2 * ks)
        ks *= 2;
    const int groups_per_block = MM_ROWS_WARPS / ks;
    const unsigned blocks = (unsigned)((pol.n_groups + groups_per_block - 1) / groups_per_block);
    if (norm.g)
        CHORD_CU_LAUNCH(name, (mm_rows_gemv<Q, true, P>), blocks, MM_ROWS_WARPS * 32, 0, stream, pol, x, k, ks,
                        (int)chord_cuda_aligned(x, 16), norm, chord_cuda_l2_prefetch());
    else
        CHORD_CU_LAUNCH(name, (mm_rows_gemv<Q, false, P>), blocks, MM_ROWS_WARPS * 32, 0, stream, pol, x, k, ks,
                        (int)chord_cuda_aligned(x, 16), norm, chord_cuda_l2_prefetch());
    return CHORD_OK;
}

#endif
