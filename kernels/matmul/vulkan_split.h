/* What matmul's Vulkan launcher (kernels/matmul/vulkan.c) shares with the fused ops that run its split GEMV
 * (kernels/matmul/vulkan_split.glsl): matmul_add's launcher. */
#ifndef CHORD_MATMUL_VULKAN_SPLIT_H
#define CHORD_MATMUL_VULKAN_SPLIT_H

#include "../common/vulkan_launch.h"
#include "../rope/vulkan_rope.h"
#include "matmul.h"

/* The ROPE variants' push constants (matmul_qkv's Q and K): rope's NORMAL pairs of head_dim-value heads at pos0,
 * r = theta_base^(-2/n_rot) as a double's words (low first) and as a float-float, as rope's own (kernels/rope). */
typedef struct {
    uint32_t head_dim, n_rot;
    int32_t pos0;
    chord_vk_rope_ratio r;
} chord_vk_split_rope;

/* W rows one dispatch may bind: the binding range less the alignment remainder's worst case. */
chord_status chord_vk_matmul_rows_fit(const chord_vk *vk, size_t row_bytes, uint64_t *rows_fit);

/* The split GEMV of op's variants ("matmul", "matmul_add", "matmul_swiglu", "matmul_qkv_f64" / "_f32") over W
 * rows [r0, r0 + rows): Y = X W^T; with r set Y = R + X W^T (R and Y (m, n), Y may alias R); with wu set
 * Y = silu(X W^T) * (X WU^T), W the gate rows and WU the up rows (n, k) as W; with rope set (m = 1) Y = rope(X W^T).
 * *ran = 0, nothing recorded, where it cannot run: W, WU or X not 16-byte aligned in their bindings, too small a
 * work-group limit (with rope: an odd number of rows per work-group, or r0 > 0), or the variant not built. */
chord_status chord_vk_split_gemv(chord_vk *vk, const char *op, const chord_tensor *w, const chord_tensor *x,
                                 const chord_tensor *y, const chord_tensor *r, const chord_tensor *wu,
                                 const chord_vk_split_rope *rope, const chord_matmul_args *a, size_t row_bytes,
                                 uint64_t r0, uint64_t rows, int *ran);

/* A fused decode op on the split GEMV (op and tensors as chord_vk_split_gemv's): m = 1 on a split type, else
 * CHORD_ERR_UNSUPPORTED saying why; w == NULL only asks. */
chord_status chord_vk_fused_split_gemv(chord_vk *vk, const char *op, const chord_matmul_args *a, const chord_tensor *w,
                                       const chord_tensor *x, const chord_tensor *y, const chord_tensor *r,
                                       const chord_tensor *wu, const chord_vk_split_rope *rope);

#endif
