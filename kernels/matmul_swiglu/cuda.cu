/* matmul_swiglu, CUDA: y = silu(WG x) * (WU x) for m = 1 on q4_0, q4_1, q8_0 and their split layouts, the FFN's
 * gate and up projections and their SwiGLU in one launch instead of three. Other shapes and types are refused (the
 * model then launches matmul twice and swiglu).
 *
 * v1 (GGUF layouts): matmul's v4 (kernels/matmul/cuda_gemv_rows.cuh) with each warp's 4 rows taken as 2 rows of WG and the same 2 of
 *    WU, so a warp reads 4 weight rows against one X as v4 does; k split over ks warps the same way while the row
 *    pairs alone cannot fill the device; the epilogue is swiglu's float expression on the two sums. Expected: the
 *    time of one v4 launch over both matrices, where the composition pays two mat-vec launches and a swiglu (three
 *    kernels of a few microseconds each on SmolLM2-135M's 1536x576 matrices).
 *    H200 (results/nvidia-h200/2026-12-02-4a51338887c6): SmolLM2-135M-shape q4_1 tg128 625-645 tok/s with the three
 *    launches, 681-697 with this one (8-9%); the outputs equal the composition's bit for bit there (k unsplit in
 *    both, the same sums in the same order).
 * v2 (m = 1 on q4_0_split and q4_1_split, the layouts the model keeps those matrices in when k is whole super-blocks):
 *    matmul's v7 tensor-core GEMV (kernels/matmul/cuda_gemv_tc.cuh) with each 16-row tile taken as 8 rows of WG (A's
 *    rows 0-7) and the same 8 of WU (rows 8-15), so the lane that holds a gate sum holds its up sum too and the
 *    store is swiglu's expression. Same loads and arithmetic per weight as two v7 launches, one launch instead of
 *    three (matmul, matmul, swiglu). Expected on the 7B (11008x4096, q4_0): the two v7 mat-vecs' time or less (one
 *    grid of 1376 tiles instead of two of 688: the k split drops from 4 to 2 slices), minus the swiglu launch and
 *    two launch gaps per layer: ~+3% decode. Measured (H200, results/nvidia-h200/2026-12-02-6377b6b01ab8):
 *    q4_0_split 1x11008x4096 55.5% of copy, q4_1_split 54.9% (one v7 launch of that shape: 43%); synthetic 7B q4_0
 *    tg128 404 -> 433 tok/s (+7%, with matmul_qkv on in both), 1B 1240 -> 1241-1306.
 * v3 (m = 1 on q8_0_split, the layout the model keeps q8_0 matrices in when k is whole super-blocks): matmul's v6
 *    SIMT GEMV (kernels/matmul/cuda_gemv_split.cuh, 16-byte loads, rolling prefetch) over v1's row pairs (2 gate and the same 2 up rows per warp); before it
 *    q8_0_split took no fused op, so the 7B q8_0 decode ran every projection, RoPE, SwiGLU and add as its own launch.
 *    Expected: the v6 launch's time per byte (q8_0_split 1x11008x4096 ~57% of copy), a swiglu launch and a matmul's gap fewer per layer; with the
 *    other two fused ops, synthetic 7B q8_0 tg128 ~293 -> ~330-337 tok/s (+12-15%, what the same fusions gave q4_0).
 *    Measured (H200, results/nvidia-h200/2026-12-03-5efe2249a7a5), the three fused q8_0_split ops together: 292.8 ->
 *    317.6 tok/s (+8.5%, 1.173x llama.cpp); this op 68.4% of copy (1x11008x4096). The miss is mostly v6's 4-sum store (cuda_gemv_split.cuh). */
#include "../common/cuda_quant.cuh"
#include "../matmul/cuda_dot.cuh"
#include "../matmul/cuda_gemv_rows.cuh"
#include "../matmul/cuda_gemv_split.cuh"
#include "../matmul/cuda_gemv_tc.cuh"
#include "matmul_swiglu.h"

/* v1's groups: outputs 2 group, 2 group + 1, as WG's rows 0-1 and WU's the same as rows 2-3 */
struct ms_rows_pair {
    const uint8_t *wg, *wu; /* (n, k) of the GGUF type, row_bytes per row */
    size_t row_bytes;
    float *y; /* (n) */
    int n, n_groups;
    __device__ __forceinline__ void rows(int group, const uint8_t *wr[4]) const
    {
#pragma unroll
        for (int r = 0; r < 2; r++) {
            const size_t row = (size_t)min(2 * group + r, n - 1) * row_bytes;
            wr[r] = wg + row;
            wr[r + 2] = wu + row;
        }
    }
    __device__ __forceinline__ void store(int group, int lane, const float s[4]) const
    {
        const int o = 2 * group + lane;
        if (lane < 2 && o < n) {
            const float g = lane ? s[1] : s[0], u = lane ? s[3] : s[2];
            y[o] = g / (1.0f + expf(-g)) * u; /* swiglu's kernel, to the rounding */
        }
    }
};

template <typename Q>
static chord_status launch(const void *wg, const void *wu, const float *x, float *y, const chord_matmul_swiglu_args *a,
                           cudaStream_t stream, mm_norm norm)
{
    const ms_rows_pair pol = {(const uint8_t *)wg, (const uint8_t *)wu, chord_type_row_bytes(a->wtype, a->k), y, a->n,
                              (a->n + 1) / 2};
    return mm_rows_launch<Q>("matmul_swiglu_gemv", pol, x, a->k, stream, norm);
}

/* v2's tiles: outputs 8 tile .. 8 tile + 7, gate rows as A's rows g, up rows as g + 8 */
struct ms_tc_pair {
    const uint8_t *wg, *wu; /* (n, k) of the split type, row_bytes per row */
    size_t row_bytes;
    float *y; /* (n) */
    int n, n_tiles;
    __device__ __forceinline__ void rows(int tile, int g, const uint8_t **pa, const uint8_t **pb) const
    {
        const size_t row = (size_t)min(8 * tile + g, n - 1) * row_bytes;
        *pa = wg + row;
        *pb = wu + row;
    }
    __device__ __forceinline__ void store(int tile, int g, int t, float gate, float up) const
    {
        const int o = 8 * tile + g;
        if (t == 0 && o < n)
            y[o] = gate / (1.0f + expf(-gate)) * up; /* swiglu's kernel, to the rounding */
    }
};

template <typename Q>
static chord_status launch_tc(const void *wg, const void *wu, const float *x, float *y,
                              const chord_matmul_swiglu_args *a, int *ran, cudaStream_t stream, mm_norm norm)
{
    const ms_tc_pair pol = {(const uint8_t *)wg, (const uint8_t *)wu, chord_type_row_bytes(a->wtype, a->k), y, a->n,
                            (a->n + 7) / 8};
    return mm_tc_launch<Q>("matmul_swiglu_tc", pol, x, a->k, mm_tc_target_warps(), ran, stream, norm);
}

/* matmul_swiglu, and with norm.g set rmsnorm_swiglu (kernels/rmsnorm_swiglu: X normalized first) */
static chord_status swiglu(void *ctx, const chord_tensor *t, const chord_matmul_swiglu_args *a, mm_norm norm)
{
    mm_fused_kernel kernel = MM_FUSED_ROWS;
    const chord_status sup = mm_fused_supports("matmul_swiglu", a->m, a->wtype, a->k, &kernel);
    if (sup != CHORD_OK)
        return sup;
    if (!t) /* a support query */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const void *wg = chord_cuda_ptr(t[0]), *wu = chord_cuda_ptr(t[1]);
    const float *x = (const float *)chord_cuda_ptr(t[2]);
    float *y = (float *)chord_cuda_ptr(t[3]);
    const bool split = kernel != MM_FUSED_ROWS; /* the split layouts: 16-byte loads of W and X */
    if (!chord_cuda_aligned(wg, split ? 16 : 2) || !chord_cuda_aligned(wu, split ? 16 : 2) ||
        !chord_cuda_aligned(x, split || norm.g ? 16 : 4) || !chord_cuda_aligned(y, 4) ||
        (norm.g && !chord_cuda_aligned(norm.g, 16)))
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_swiglu: misaligned WG %p, WU %p, X %p or Y %p", wg, wu,
                          (const void *)x, (void *)y);
    if (a->n == 0 || a->k == 0)
        return a->n == 0 ? CHORD_OK
               : cudaMemsetAsync(y, 0, (size_t)a->n * sizeof(float), stream) == cudaSuccess
                   ? CHORD_OK
                   : chord_fail(CHORD_ERR_DEVICE, "cuda matmul_swiglu: cudaMemsetAsync failed");
    if (kernel == MM_FUSED_SPLIT) {
        const ms_rows_pair pol = {(const uint8_t *)wg, (const uint8_t *)wu, chord_type_row_bytes(a->wtype, a->k), y,
                                  a->n, (a->n + 1) / 2};
        return mm_split_launch<chord_cu_q8_0_split>("matmul_swiglu_split", pol, x, a->k, stream, norm);
    }
    if (kernel == MM_FUSED_TC) {
        int ran = 0;
        const chord_status s = a->wtype == CHORD_TYPE_Q4_0_SPLIT
                                   ? launch_tc<chord_cu_q4_0_split>(wg, wu, x, y, a, &ran, stream, norm)
                                   : launch_tc<chord_cu_q4_1_split>(wg, wu, x, y, a, &ran, stream, norm);
        if (s != CHORD_OK)
            return s;
        return ran ? CHORD_OK
                   : chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul_swiglu: X's fragments exceed shared memory (k = %d)",
                                a->k);
    }
    switch (a->wtype) {
    case CHORD_TYPE_Q4_0: return launch<chord_cu_q4_0>(wg, wu, x, y, a, stream, norm);
    case CHORD_TYPE_Q4_1: return launch<chord_cu_q4_1>(wg, wu, x, y, a, stream, norm);
    default: return launch<chord_cu_q8_0>(wg, wu, x, y, a, stream, norm);
    }
}

extern "C" chord_status chord_matmul_swiglu_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    return swiglu(ctx, t, (const chord_matmul_swiglu_args *)args, mm_norm{NULL, 0.0f});
}

/* rmsnorm_swiglu's launcher (kernels/rmsnorm_swiglu/cuda.cu) calls this: matmul_swiglu's tensors, the norm's weight */
extern "C" chord_status chord_matmul_swiglu_norm_cuda(void *ctx, const chord_tensor *t,
                                                      const chord_matmul_swiglu_args *a, const chord_tensor *g,
                                                      float eps)
{
    if (a->k % 4) /* X and g are read as float4 for the norm */
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda rmsnorm_swiglu: k = %d (a multiple of 4 only)", a->k);
    return swiglu(ctx, t, a, mm_norm{t ? (const float *)chord_cuda_ptr(*g) : NULL, eps});
}
