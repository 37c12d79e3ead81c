#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// The decode step's projections (m = 1) on the split layouts; _smem: no subgroup operations
// variant matmul_add_q4_0_split_f32_mb1 WTYPE_Q4_0_SPLIT MB=1u ADD SUBGROUP
// variant matmul_add_q4_1_split_f32_mb1 WTYPE_Q4_1_SPLIT MB=1u ADD SUBGROUP
// variant matmul_add_q8_0_split_f32_mb1 WTYPE_Q8_0_SPLIT MB=1u ADD SUBGROUP
// variant matmul_add_q4_0_split_f32_mb1_smem WTYPE_Q4_0_SPLIT MB=1u ADD
// variant matmul_add_q4_1_split_f32_mb1_smem WTYPE_Q4_1_SPLIT MB=1u ADD
// variant matmul_add_q8_0_split_f32_mb1_smem WTYPE_Q8_0_SPLIT MB=1u ADD
#extension GL_GOOGLE_include_directive : require
/* matmul_add, Vulkan: Y = R + X W^T (kernels/matmul_add/matmul_add.h) as matmul's split GEMV with the residual
 * added in its store (ADD in kernels/matmul/vulkan_split.glsl): one dispatch and one barrier where the model would
 * record matmul, a barrier and add. Each output is rounded as the reference's add(R, matmul(W, X)) is: the GEMV's
 * sum in f32, then R added.
 * PREDICTION for the H200 (not measured): the add dispatches (2 per layer) and their barriers gone, a few us each:
 *   synthetic 7B q4_0 vulkan tg128 +2-4%. */
#include "../matmul/vulkan_split.glsl"
