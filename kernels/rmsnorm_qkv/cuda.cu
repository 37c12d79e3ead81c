/* rmsnorm_qkv, CUDA: matmul_qkv's kernels (kernels/matmul_qkv/cuda.cu, both versions) with X normalized as each
 * block reads it (mm_norm, kernels/matmul/cuda_gemv_tc.cuh): every block sums X's squares itself (k values from L2,
 * against the ~k x 3 x 0.56 bytes x rows of weights a block streams) instead of a separate rmsnorm launch writing
 * the normalized row for it to read.
 * Expected: the rmsnorm launch and its gap gone, one per layer: ~+3% decode on the synthetic 7B, more on SmolLM2.
 * Measured (H200, results/nvidia-h200/2026-12-02-794093a1989f, both folds on, tg128): SmolLM2-135M-shape q4_1 (v4)
 * 808 -> 850 tok/s (+5%); 1B q4_0 (v7) 1235 -> 1248; 7B q4_0 (v7) 440 -> 406 (-8%): on v7 the pass over X before
 * the first product adds to each block's latency (one super-block of weights in flight per warp). v7 now sums X's
 * squares in the pass that splits X and scales its sums by the norm instead (kernels/matmul/cuda_gemv_tc.cuh), and
 * the model folds the norm on the file's layouts and on the 4-bit split ones at k <= 2048, not on q8_0_split
 * (model/llama.c). Measured (H200, results/nvidia-h200/2026-12-03-544652e7264b, tg128, folded / not): 1B q4_0
 * 1520 / 1553 against 1464 / 1461 tok/s (+5%), 7B q4_0 444 / 449 against 464 / 467 (-4%). */
#include "../common/cuda_common.cuh"
#include "rmsnorm_qkv.h"

extern "C" chord_status chord_matmul_qkv_norm_cuda(void *ctx, const chord_tensor *t, const chord_matmul_qkv_args *a,
                                                   const chord_tensor *g, float eps);

extern "C" chord_status chord_rmsnorm_qkv_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rmsnorm_qkv_args *a = (const chord_rmsnorm_qkv_args *)args;
    if (!t)
        return chord_matmul_qkv_norm_cuda(ctx, NULL, &a->qkv, NULL, a->eps);
    const chord_tensor qt[7] = {t[2], t[3], t[4], t[0], t[5], t[6], t[7]}; /* matmul_qkv's order */
    return chord_matmul_qkv_norm_cuda(ctx, qt, &a->qkv, &t[1], a->eps);
}
