/* matmul_qkv, CUDA: Q, K, V = X WQ^T, X WK^T, X WV^T for m = 1 on q4_0_split and q4_1_split (v1), on the GGUF
 * layouts of q4_0, q4_1 and q8_0 (v2) and on q8_0_split (v3), RoPE (NORMAL pairs)
 * applied to Q and K in the store, K and V stored straight into the model's cache rows. Other shapes, types and
 * modes are refused (the model then launches matmul three times and rope twice).
 *
 * v1 (this): matmul's v7 tensor-core GEMV (kernels/matmul/cuda_gemv_tc.cuh) over the three matrices as one run of
 *    rows (WQ's, then WK's, then WV's; a 16-row tile may straddle two of them, each lane finds its own row's matrix),
 *    so the grid is one launch of (n_q + 2 n_kv) / 16 tiles. The store rotates: the pair (2i, 2i + 1) of a head sits
 *    in lanes g and g ^ 1 of one tile (rows are even-aligned in every matrix since head_dim is even), one shuffle
 *    brings the partner, and the angle is rope's own (kernels/rope/cuda_rope.cuh: frequency and reduction in
 *    double, __sincosf of the reduced angle), the rotation rope's float expression.
 *    Expected on the synthetic 7B (3 x 4096x4096 q4_0, measured 24% of copy each as a v7 launch): one 12288-row
 *    launch near the 43% v7 reaches at 11008 rows, and two rope launches gone: ~12 us of a layer's ~88 us, ~+12%
 *    decode. Measured (H200, results/nvidia-h200/2026-12-02-6377b6b01ab8): chord-bench q4_0_split k4096 32/32x128
 *    43.4% of copy (the three launches were at 24% each), q4_1_split 32/8x128 (6144 rows) 26.6%; synthetic 7B
 *    q4_0 tg128 365 -> 404 tok/s (+11%), 1B q4_0 1067 -> 1240 (+16%).
 * v2 (the GGUF layouts, where k is not whole super-blocks: SmolLM2-135M's 576): matmul's v4 (cuda_gemv_rows.cuh)
 *    over the same run of rows, 4 per warp, so a pair is two of one warp's sums. Expected on SmolLM2-135M: five
 *    launches of a few microseconds each become one per layer, ~+10% decode.
 * v3 (m = 1 on q8_0_split, the layout the model keeps q8_0 matrices in when k is whole super-blocks): matmul's v6
 *    SIMT GEMV (kernels/matmul/cuda_gemv_split.cuh, 16-byte loads, rolling prefetch) over v2's run of rows and store (4 rows per warp, 8 lanes per row); before it
 *    q8_0_split took no fused op, so the 7B q8_0 decode ran every projection, RoPE, SwiGLU and add as its own launch.
 *    Expected: the v6 launch's time per byte (q8_0_split 1x11008x4096 ~57% of copy), two rope launches and the launch gaps of three matmuls fewer per layer; with the
 *    other two fused ops, synthetic 7B q8_0 tg128 ~293 -> ~330-337 tok/s (+12-15%, what the same fusions gave q4_0).
 *    Measured (H200, results/nvidia-h200/2026-12-03-5efe2249a7a5), the three fused q8_0_split ops together: 292.8 ->
 *    317.6 tok/s (+8.5%, 1.173x llama.cpp); this op 51.8% of copy (k4096). The miss is mostly v6's 4-sum store (cuda_gemv_split.cuh). */
#include <math.h>

#include "../common/cuda_quant.cuh"
#include "../matmul/cuda_dot.cuh"
#include "../matmul/cuda_gemv_rows.cuh"
#include "../matmul/cuda_gemv_split.cuh"
#include "../matmul/cuda_gemv_tc.cuh"
#include "../rope/cuda_rope.cuh"
#include "matmul_qkv.h"

/* The three matrices as one run of rows, and the store of one row with its RoPE */
struct qkv_rows {
    const uint8_t *wq, *wk, *wv; /* (n_q, k), (n_kv, k), (n_kv, k) of wtype, row_bytes per row */
    size_t row_bytes;
    float *q, *k, *v; /* (n_q), (n_kv), (n_kv) */
    int n_q, n_kv, head_dim, n_rot, pos;
    double theta_base;
    __device__ __forceinline__ const uint8_t *row_ptr(int r) const
    {
        r = min(r, n_q + 2 * n_kv - 1); /* past the end: a valid row, never stored */
        return r < n_q ? wq + (size_t)r * row_bytes
               : r < n_q + n_kv ? wk + (size_t)(r - n_q) * row_bytes
                                : wv + (size_t)(r - n_q - n_kv) * row_bytes;
    }
    /* row r's output from its sum and its pair partner's (row r ^ 1) */
    __device__ __forceinline__ void put(int r, float own, float partner) const
    {
        if (r >= n_q + 2 * n_kv)
            return;
        if (r >= n_q + n_kv) {
            v[r - n_q - n_kv] = own;
            return;
        }
        float *dst = r < n_q ? q + r : k + (r - n_q);
        const int d = (r < n_q ? r : r - n_q) % head_dim;
        if (d >= n_rot) {
            *dst = own;
            return;
        }
        float sn, cs;
        rope_sincos((double)pos, pow(theta_base, -2.0 * (d >> 1) / n_rot), &sn, &cs);
        *dst = d & 1 ? partner * sn + own * cs : own * cs - partner * sn; /* rope's (x0, x1) -> (x0 c - x1 s, x0 s + x1 c) */
    }
};

/* v1's tiles (split layouts): rows 16 tile + g and + 8 of the run; a pair's partner is in lane ^ 4 */
struct qkv_tc : qkv_rows {
    int n_tiles;
    __device__ __forceinline__ void rows(int tile, int g, const uint8_t **pa, const uint8_t **pb) const
    {
        *pa = row_ptr(16 * tile + g);
        *pb = row_ptr(16 * tile + g + 8);
    }
    __device__ __forceinline__ void store(int tile, int g, int t, float sum_a, float sum_b) const
    {
        const float pa = __shfl_xor_sync(0xffffffffu, sum_a, 4), pb = __shfl_xor_sync(0xffffffffu, sum_b, 4);
        if (t == 0) {
            put(16 * tile + g, sum_a, pa);
            put(16 * tile + g + 8, sum_b, pb);
        }
    }
};

/* v2's groups (GGUF layouts): rows 4 group .. + 3 of the run, every lane holding the 4 sums */
struct qkv_groups : qkv_rows {
    int n_groups;
    __device__ __forceinline__ void rows(int group, const uint8_t *wr[4]) const
    {
#pragma unroll
        for (int r = 0; r < 4; r++)
            wr[r] = row_ptr(4 * group + r);
    }
    __device__ __forceinline__ void store(int group, int lane, const float s[4]) const
    {
        if (lane < 4)
            put(4 * group + lane, mm_pick4(s, lane), mm_pick4(s, lane ^ 1));
    }
};

template <typename Q>
static chord_status launch(const qkv_tc &pol, const float *x, int k, cudaStream_t stream, mm_norm norm)
{
    int ran = 0;
    const chord_status s = mm_tc_launch<Q>("matmul_qkv_tc", pol, x, k, mm_tc_target_warps(), &ran, stream, norm);
    if (s != CHORD_OK)
        return s;
    return ran ? CHORD_OK
               : chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul_qkv: X's fragments exceed shared memory (k = %d)", k);
}

/* matmul_qkv, and with norm.g set rmsnorm_qkv (kernels/rmsnorm_qkv: X normalized first); t: matmul_qkv's tensors */
static chord_status qkv(void *ctx, const chord_tensor *t, const chord_matmul_qkv_args *a, mm_norm norm)
{
    mm_fused_kernel kernel = MM_FUSED_ROWS;
    const chord_status sup = mm_fused_supports("matmul_qkv", a->m, a->wtype, a->k, &kernel);
    if (sup != CHORD_OK)
        return sup;
    if (a->mode != CHORD_ROPE_NORMAL || a->head_dim % 2)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul_qkv: rope mode %d, head_dim %d (NORMAL, even only)",
                          a->mode, a->head_dim);
    if (!t) /* a support query */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const void *w[3] = {chord_cuda_ptr(t[0]), chord_cuda_ptr(t[1]), chord_cuda_ptr(t[2])};
    const float *x = (const float *)chord_cuda_ptr(t[3]);
    const bool split = kernel != MM_FUSED_ROWS; /* the split layouts: 16-byte loads of W and X */
    float *y[3] = {(float *)chord_cuda_ptr(t[4]), (float *)chord_cuda_ptr(t[5]), (float *)chord_cuda_ptr(t[6])};
    for (int p = 0; p < 3; p++)
        if (!chord_cuda_aligned(w[p], split ? 16 : 2) || !chord_cuda_aligned(y[p], 4))
            return chord_fail(CHORD_ERR_INVALID, "cuda matmul_qkv: misaligned weight %d (%p) or output %d (%p)", p,
                              w[p], p, (void *)y[p]);
    if (!chord_cuda_aligned(x, split || norm.g ? 16 : 4) || (norm.g && !chord_cuda_aligned(norm.g, 16)))
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_qkv: X %p or the norm's weight %p is misaligned",
                          (const void *)x, (const void *)norm.g);
    const int n_q = a->n_head * a->head_dim, n_kv = a->n_head_kv * a->head_dim;
    if (n_q + 2 * n_kv == 0)
        return CHORD_OK;
    if (a->k == 0) { /* empty sums: zeros, rotated zeros */
        for (int p = 0; p < 3; p++)
            if (cudaMemsetAsync(y[p], 0, (size_t)(p ? n_kv : n_q) * sizeof(float), stream) != cudaSuccess)
                return chord_fail(CHORD_ERR_DEVICE, "cuda matmul_qkv: cudaMemsetAsync failed");
        return CHORD_OK;
    }
    const qkv_rows rows = {(const uint8_t *)w[0], (const uint8_t *)w[1], (const uint8_t *)w[2],
                           chord_type_row_bytes(a->wtype, a->k), y[0], y[1], y[2], n_q, n_kv, a->head_dim, a->n_rot,
                           a->pos0, (double)a->theta_base};
    const int n_rows = n_q + 2 * n_kv;
    if (kernel == MM_FUSED_TC) {
        const qkv_tc pol = {rows, (n_rows + 15) / 16};
        return a->wtype == CHORD_TYPE_Q4_0_SPLIT ? launch<chord_cu_q4_0_split>(pol, x, a->k, stream, norm)
                                                 : launch<chord_cu_q4_1_split>(pol, x, a->k, stream, norm);
    }
    const qkv_groups pol = {rows, (n_rows + 3) / 4};
    if (kernel == MM_FUSED_SPLIT)
        return mm_split_launch<chord_cu_q8_0_split>("matmul_qkv_split", pol, x, a->k, stream, norm);
    switch (a->wtype) {
    case CHORD_TYPE_Q4_0: return mm_rows_launch<chord_cu_q4_0>("matmul_qkv_gemv", pol, x, a->k, stream, norm);
    case CHORD_TYPE_Q4_1: return mm_rows_launch<chord_cu_q4_1>("matmul_qkv_gemv", pol, x, a->k, stream, norm);
    default: return mm_rows_launch<chord_cu_q8_0>("matmul_qkv_gemv", pol, x, a->k, stream, norm);
    }
}

extern "C" chord_status chord_matmul_qkv_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    return qkv(ctx, t, (const chord_matmul_qkv_args *)args, mm_norm{NULL, 0.0f});
}

/* rmsnorm_qkv's launcher (kernels/rmsnorm_qkv/cuda.cu) calls this: matmul_qkv's tensors, the norm's weight g */
extern "C" chord_status chord_matmul_qkv_norm_cuda(void *ctx, const chord_tensor *t, const chord_matmul_qkv_args *a,
                                                   const chord_tensor *g, float eps)
{
    if (a->k % 4) /* X and g are read as float4 for the norm */
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda rmsnorm_qkv: k = %d (a multiple of 4 only)", a->k);
    return qkv(ctx, t, a, mm_norm{t ? (const float *)chord_cuda_ptr(*g) : NULL, eps});
}
