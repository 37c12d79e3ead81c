#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// Q's and K's projections of a decode step (m = 1) on the split layouts with RoPE in the store (V takes matmul's
// split GEMV); angles in double (shaderFloat64) or float-float as rope's; _smem: no subgroup operations
// variant matmul_qkv_f64_q4_0_split_f32_mb1 WTYPE_Q4_0_SPLIT MB=1u ROPE ANGLE_F64=1 SUBGROUP
// variant matmul_qkv_f64_q4_1_split_f32_mb1 WTYPE_Q4_1_SPLIT MB=1u ROPE ANGLE_F64=1 SUBGROUP
// variant matmul_qkv_f64_q8_0_split_f32_mb1 WTYPE_Q8_0_SPLIT MB=1u ROPE ANGLE_F64=1 SUBGROUP
// variant matmul_qkv_f32_q4_0_split_f32_mb1 WTYPE_Q4_0_SPLIT MB=1u ROPE ANGLE_F64=0 SUBGROUP
// variant matmul_qkv_f32_q4_1_split_f32_mb1 WTYPE_Q4_1_SPLIT MB=1u ROPE ANGLE_F64=0 SUBGROUP
// variant matmul_qkv_f32_q8_0_split_f32_mb1 WTYPE_Q8_0_SPLIT MB=1u ROPE ANGLE_F64=0 SUBGROUP
// variant matmul_qkv_f64_q4_0_split_f32_mb1_smem WTYPE_Q4_0_SPLIT MB=1u ROPE ANGLE_F64=1
// variant matmul_qkv_f64_q4_1_split_f32_mb1_smem WTYPE_Q4_1_SPLIT MB=1u ROPE ANGLE_F64=1
// variant matmul_qkv_f64_q8_0_split_f32_mb1_smem WTYPE_Q8_0_SPLIT MB=1u ROPE ANGLE_F64=1
// variant matmul_qkv_f32_q4_0_split_f32_mb1_smem WTYPE_Q4_0_SPLIT MB=1u ROPE ANGLE_F64=0
// variant matmul_qkv_f32_q4_1_split_f32_mb1_smem WTYPE_Q4_1_SPLIT MB=1u ROPE ANGLE_F64=0
// variant matmul_qkv_f32_q8_0_split_f32_mb1_smem WTYPE_Q8_0_SPLIT MB=1u ROPE ANGLE_F64=0
#extension GL_GOOGLE_include_directive : require
#if ANGLE_F64
#extension GL_ARB_gpu_shader_fp64 : require
#endif
/* matmul_qkv, Vulkan: Q = rope(X WQ^T), K = rope(X WK^T) (kernels/matmul_qkv/matmul_qkv.h) as matmul's split GEMV
 * with rope's NORMAL rotation in its store (ROPE in kernels/matmul/vulkan_split.glsl): a row's sum meets its pair
 * partner's (the neighbouring octet of the work-group) through shared memory, and the storing lane rotates the
 * pair with rope's own angle code (kernels/rope/vulkan_rope.glsl) and rope's expression. K is stored straight into
 * the model's cache row. V is matmul's split GEMV into its cache row. Three dispatches where the model would
 * record five (three matmuls and two ropes); one dispatch as CUDA's v1 would need 7 bindings, and a dispatch here
 * binds at most 4.
 * PREDICTION for the H200 (not measured): two dispatches and barriers fewer per layer: synthetic 7B q4_0 vulkan
 *   tg128 +2-4%. */
#include "../matmul/vulkan_split.glsl"
