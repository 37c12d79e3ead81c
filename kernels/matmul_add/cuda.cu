/* matmul_add, CUDA: Y = R + X W^T for m = 1 on q4_0_split and q4_1_split (v1), on the GGUF layouts of q4_0, q4_1
 * and q8_0 (v2) and on q8_0_split (v3), the residual add in the store of the projection before it. Other shapes and types are refused (the model then launches matmul and add).
 *
 * v1 (this): matmul's v7 tensor-core GEMV (kernels/matmul/cuda_gemv_tc.cuh) with a store that adds the residual:
 *    the lane that writes y[r] reads r[r] first (Y may alias R: each element is read and written by that one lane).
 *    Expected: the projection's own time (4 more bytes per row), one add launch and its gap fewer per projection:
 *    two per layer, ~+3-5% decode on the synthetic 7B. Measured (H200, results/nvidia-h200/2026-12-02-6377b6b01ab8):
 *    q4_0_split 1x4096x11008 in place 35.5% of copy (matmul alone 36.0), 1x4096x4096 23.5 (24.0); decode tg128
 *    with the other fused ops on: 7B 426 -> 428-436 tok/s (0 to +3%), 1B 1279-1315 -> 1319-1353 (+3%),
 *    SmolLM2-shape q4_1 829-849 -> 862-867 (+2-4%): less than predicted, the adds were short launches under PDL.
 * v2 (GGUF layouts, where k is not whole super-blocks: SmolLM2-135M's Wo) matmul's v4 (cuda_gemv_rows.cuh), 4 rows
 *    per warp, lane i < 4 storing row i of the group with its residual.
 * v3 (m = 1 on q8_0_split, the layout the model keeps q8_0 matrices in when k is whole super-blocks): matmul's v6
 *    SIMT GEMV (kernels/matmul/cuda_gemv_split.cuh, 16-byte loads, rolling prefetch) over v2's groups and store; before it
 *    q8_0_split took no fused op, so the 7B q8_0 decode ran every projection, RoPE, SwiGLU and add as its own launch.
 *    Expected: the v6 launch's time per byte (q8_0_split 1x11008x4096 ~57% of copy), two add launches fewer per layer; with the
 *    other two fused ops, synthetic 7B q8_0 tg128 ~293 -> ~330-337 tok/s (+12-15%, what the same fusions gave q4_0).
 *    Measured (H200, results/nvidia-h200/2026-12-03-5efe2249a7a5), the three fused q8_0_split ops together: 292.8 ->
 *    317.6 tok/s (+8.5%, 1.173x llama.cpp); this op 56.8% of copy (1x4096x11008). The miss is mostly v6's 4-sum store (cuda_gemv_split.cuh). */
#include "../common/cuda_quant.cuh"
#include "../matmul/cuda_dot.cuh"
#include "../matmul/cuda_gemv_rows.cuh"
#include "../matmul/cuda_gemv_split.cuh"
#include "../matmul/cuda_gemv_tc.cuh"
#include "matmul_add.h"

/* v1's tiles: matmul's (mm_tc_plain), the store adding the residual */
struct madd_tc : mm_tc_plain {
    const float *r; /* (n) */
    __device__ __forceinline__ void store(int tile, int g, int t, float sum_a, float sum_b) const
    {
        const int ra = 16 * tile + g, rb = ra + 8;
        if (t == 0 && ra < n)
            y[ra] = r[ra] + sum_a; /* add's order: R + P */
        if (t == 0 && rb < n)
            y[rb] = r[rb] + sum_b;
    }
};

/* v2's groups: rows 4 group .. + 3 */
struct madd_groups {
    const uint8_t *w; /* (n, k) of the GGUF type, row_bytes per row */
    size_t row_bytes;
    const float *r; /* (n) */
    float *y;       /* (n), may be r */
    int n, n_groups;
    __device__ __forceinline__ void rows(int group, const uint8_t *wr[4]) const
    {
#pragma unroll
        for (int i = 0; i < 4; i++)
            wr[i] = w + (size_t)min(4 * group + i, n - 1) * row_bytes;
    }
    __device__ __forceinline__ void store(int group, int lane, const float s[4]) const
    {
        const int o = 4 * group + lane;
        if (lane < 4 && o < n)
            y[o] = r[o] + mm_pick4(s, lane);
    }
};

template <typename Q>
static chord_status launch(const madd_tc &pol, const float *x, int k, cudaStream_t stream)
{
    int ran = 0;
    const chord_status s =
        mm_tc_launch_n<Q, false>("matmul_add_tc", pol, x, k, mm_tc_target_warps(), &ran, stream, mm_norm{NULL, 0.0f});
    if (s != CHORD_OK)
        return s;
    return ran ? CHORD_OK
               : chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul_add: X's fragments exceed shared memory (k = %d)", k);
}

extern "C" chord_status chord_matmul_add_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_add_args *a = (const chord_matmul_add_args *)args;
    mm_fused_kernel kernel = MM_FUSED_ROWS;
    const chord_status sup = mm_fused_supports("matmul_add", a->m, a->wtype, a->k, &kernel);
    if (sup != CHORD_OK)
        return sup;
    if (!t) /* a support query */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const float *r = (const float *)chord_cuda_ptr(t[0]);
    const void *w = chord_cuda_ptr(t[1]);
    const float *x = (const float *)chord_cuda_ptr(t[2]);
    float *y = (float *)chord_cuda_ptr(t[3]);
    const bool split = kernel != MM_FUSED_ROWS; /* the split layouts: 16-byte loads of W and X */
    if (!chord_cuda_aligned(w, split ? 16 : 2) || !chord_cuda_aligned(x, split ? 16 : 4) || !chord_cuda_aligned(r, 4) ||
        !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_add: misaligned R %p, W %p, X %p or Y %p", (const void *)r,
                          w, (const void *)x, (void *)y);
    if (a->n == 0)
        return CHORD_OK;
    if (a->k == 0) /* an empty projection: Y = R */
        return cudaMemcpyAsync(y, r, (size_t)a->n * sizeof(float), cudaMemcpyDeviceToDevice, stream) == cudaSuccess
                   ? CHORD_OK
                   : chord_fail(CHORD_ERR_DEVICE, "cuda matmul_add: cudaMemcpyAsync failed");
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (kernel == MM_FUSED_TC) {
        const madd_tc pol = {{(const uint8_t *)w, row_bytes, y, a->n, (a->n + 15) / 16}, r};
        return a->wtype == CHORD_TYPE_Q4_0_SPLIT ? launch<chord_cu_q4_0_split>(pol, x, a->k, stream)
                                                 : launch<chord_cu_q4_1_split>(pol, x, a->k, stream);
    }
    const madd_groups pol = {(const uint8_t *)w, row_bytes, r, y, a->n, (a->n + 3) / 4};
    if (kernel == MM_FUSED_SPLIT)
        return mm_split_launch<chord_cu_q8_0_split, madd_groups, false>("matmul_add_split", pol, x, a->k, stream);
    switch (a->wtype) {
    case CHORD_TYPE_Q4_0: return mm_rows_launch<chord_cu_q4_0>("matmul_add_gemv", pol, x, a->k, stream);
    case CHORD_TYPE_Q4_1: return mm_rows_launch<chord_cu_q4_1>("matmul_add_gemv", pol, x, a->k, stream);
    default: return mm_rows_launch<chord_cu_q8_0>("matmul_add_gemv", pol, x, a->k, stream);
    }
}
