#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// The decode step's gate and up projections (m = 1) on the split layouts; _smem: no subgroup operations
// variant matmul_swiglu_q4_0_split_f32_mb1 WTYPE_Q4_0_SPLIT MB=1u SWIGLU SUBGROUP
// variant matmul_swiglu_q4_1_split_f32_mb1 WTYPE_Q4_1_SPLIT MB=1u SWIGLU SUBGROUP
// variant matmul_swiglu_q8_0_split_f32_mb1 WTYPE_Q8_0_SPLIT MB=1u SWIGLU SUBGROUP
// variant matmul_swiglu_q4_0_split_f32_mb1_smem WTYPE_Q4_0_SPLIT MB=1u SWIGLU
// variant matmul_swiglu_q4_1_split_f32_mb1_smem WTYPE_Q4_1_SPLIT MB=1u SWIGLU
// variant matmul_swiglu_q8_0_split_f32_mb1_smem WTYPE_Q8_0_SPLIT MB=1u SWIGLU
#extension GL_GOOGLE_include_directive : require
/* matmul_swiglu, Vulkan: Y = silu(X WG^T) * (X WU^T) (kernels/matmul_swiglu/matmul_swiglu.h) as matmul's split
 * GEMV over both matrices (SWIGLU in kernels/matmul/vulkan_split.glsl): the lanes of a row form its gate sum and
 * then its up sum, each as matmul's, and the storing lane applies swiglu's own arithmetic
 * (kernels/swiglu/vulkan_swiglu.glsl) to the two. One dispatch and one barrier where the model would record two
 * matmuls, a barrier and swiglu.
 * PREDICTION for the H200 (not measured): two dispatches and a barrier fewer per layer; the two sums one after the
 *   other keep U = 2 super-blocks in flight per lane as the matmul does: synthetic 7B q4_0 vulkan tg128 +2-5%. */
#include "../matmul/vulkan_split.glsl"
