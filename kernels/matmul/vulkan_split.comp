#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// MB: rows of X per invocation (1: the decode GEMV; 4: prompt batches); _smem: no subgroup operations
// variant matmul_q4_0_split_f32_mb1 WTYPE_Q4_0_SPLIT MB=1u SUBGROUP
// variant matmul_q4_1_split_f32_mb1 WTYPE_Q4_1_SPLIT MB=1u SUBGROUP
// variant matmul_q8_0_split_f32_mb1 WTYPE_Q8_0_SPLIT MB=1u SUBGROUP
// variant matmul_q4_0_split_f32_mb4 WTYPE_Q4_0_SPLIT MB=4u SUBGROUP
// variant matmul_q4_1_split_f32_mb4 WTYPE_Q4_1_SPLIT MB=4u SUBGROUP
// variant matmul_q8_0_split_f32_mb4 WTYPE_Q8_0_SPLIT MB=4u SUBGROUP
// variant matmul_q4_0_split_f32_mb1_smem WTYPE_Q4_0_SPLIT MB=1u
// variant matmul_q4_1_split_f32_mb1_smem WTYPE_Q4_1_SPLIT MB=1u
// variant matmul_q8_0_split_f32_mb1_smem WTYPE_Q8_0_SPLIT MB=1u
// variant matmul_q4_0_split_f32_mb4_smem WTYPE_Q4_0_SPLIT MB=4u
// variant matmul_q4_1_split_f32_mb4_smem WTYPE_Q4_1_SPLIT MB=4u
// variant matmul_q8_0_split_f32_mb4_smem WTYPE_Q8_0_SPLIT MB=4u
#extension GL_GOOGLE_include_directive : require
/* the shader is vulkan_split.glsl, which matmul_add (kernels/matmul_add/vulkan.comp) shares */
#include "vulkan_split.glsl"
