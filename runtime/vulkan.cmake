# The Vulkan backend: runtime/vulkan*.c plus every kernels/<op>/vulkan.comp compiled to SPIR-V at build time.
# Included by CMakeLists.txt after find_package(Vulkan COMPONENTS glslangValidator) succeeded.
#
# CHORD_VK_VARIANTS is the one table of shader variants: "name source DEFINE[=value] ...", where source
# is an op (kernels/<op>/vulkan.comp) or, for the runtime's own shaders, a path from the source root.
# Each row is compiled with glslangValidator (-D for each define), checked with spirv-val, embedded
# with chord_embed(... BINARY), and listed in the generated table chord_vk_shaders[] that
# runtime/vulkan*.c look names up in (chord_vk_has_shader, chord_vk_dispatch). A new dtype or tile shape is one row here.
set(CHORD_VK_VARIANTS
  # op matmul (row-parallel, one work-group per W row): every weight type
  "matmul_f32_f32        matmul  WTYPE_F32"
  "matmul_f16_f32        matmul  WTYPE_F16"
  "matmul_bf16_f32       matmul  WTYPE_BF16"
  "matmul_q4_0_f32       matmul  WTYPE_Q4_0"
  "matmul_q4_1_f32       matmul  WTYPE_Q4_1"
  "matmul_q5_0_f32       matmul  WTYPE_Q5_0"
  "matmul_q5_1_f32       matmul  WTYPE_Q5_1"
  "matmul_q8_0_f32       matmul  WTYPE_Q8_0"
  "matmul_q4_K_f32       matmul  WTYPE_Q4_K"
  "matmul_q5_K_f32       matmul  WTYPE_Q5_K"
  "matmul_q6_K_f32       matmul  WTYPE_Q6_K"
  # op matmul_tiled (f32 GEMM): BM x BN outputs per work-group of (BM/TM)*(BN/TN) invocations, BK deep
  "matmul_tiled_f32_128  matmul_tiled  BM=128 BN=128 BK=16 TM=8 TN=8"
  "matmul_tiled_f32_64   matmul_tiled  BM=64 BN=64 BK=16 TM=8 TN=8"
  # row reductions; _v4: vec4 loads, picked when n_cols % 4 == 0 and the tensors are 16-byte aligned;
  # rmsnorm sums in double where the device has shaderFloat64 (f64acc), else in float (f32acc)
  "rmsnorm_f32_f64acc    rmsnorm VEC=1 F64=1"
  "rmsnorm_f32_f64acc_v4 rmsnorm VEC=4 F64=1"
  "rmsnorm_f32_f32acc    rmsnorm VEC=1 F64=0"
  "rmsnorm_f32_f32acc_v4 rmsnorm VEC=4 F64=0"
  "softmax_f32           softmax VEC=1"
  "softmax_f32_v4        softmax VEC=4"
  # rope: pair layout, and whether angles are reduced in double (shaderFloat64) or float
  "rope_norm_f64         rope    ROPE_NEOX=0 ANGLE_F64=1"
  "rope_neox_f64         rope    ROPE_NEOX=1 ANGLE_F64=1"
  "rope_norm_f32         rope    ROPE_NEOX=0 ANGLE_F64=0"
  "rope_neox_f32         rope    ROPE_NEOX=1 ANGLE_F64=0"
  # dequant: every format
  "dequant_f32_f32       dequant WTYPE_F32"
  "dequant_f16_f32       dequant WTYPE_F16"
  "dequant_bf16_f32      dequant WTYPE_BF16"
  "dequant_q4_0_f32      dequant WTYPE_Q4_0"
  "dequant_q4_1_f32      dequant WTYPE_Q4_1"
  "dequant_q5_0_f32      dequant WTYPE_Q5_0"
  "dequant_q5_1_f32      dequant WTYPE_Q5_1"
  "dequant_q8_0_f32      dequant WTYPE_Q8_0"
  "dequant_q4_K_f32      dequant WTYPE_Q4_K"
  "dequant_q5_K_f32      dequant WTYPE_Q5_K"
  "dequant_q6_K_f32      dequant WTYPE_Q6_K"
  # elementwise; _v4: vec4 loads and stores, picked when every tensor is 16-byte aligned
  "add_f32               add     VEC=1"
  "add_f32_v4            add     VEC=4"
  "swiglu_f32            swiglu  VEC=1"
  "swiglu_f32_v4         swiglu  VEC=4"
  "attention_f32         attention"
  # not an op: chord_copy's device-to-device copy (vk_copy); _v4: uvec4, when both ranges are 16-byte aligned
  "copy_u32              kernels/common/vulkan_copy.comp VEC=1"
  "copy_u32_v4           kernels/common/vulkan_copy.comp VEC=4"
)

if(NOT EXISTS ${CMAKE_SOURCE_DIR}/runtime/vulkan.c)
  message(WARNING "runtime/vulkan.c is not in this tree yet: the Vulkan backend is not built")
  return()
endif()

find_program(CHORD_SPIRV_VAL spirv-val)
if(NOT CHORD_SPIRV_VAL)
  message(WARNING "spirv-val not found (install spirv-tools): SPIR-V is built without validation")
endif()

set(vk_gen ${CMAKE_BINARY_DIR}/generated/vulkan)
file(MAKE_DIRECTORY ${vk_gen})
file(GLOB vk_includes CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernels/common/vulkan_*.glsl)
set(vk_embedded)
set(vk_decls "")
set(vk_rows "")
foreach(row ${CHORD_VK_VARIANTS})
  string(STRIP "${row}" row)
  string(REGEX REPLACE "[ \t]+" ";" fields "${row}")
  list(POP_FRONT fields name op)
  if(op MATCHES "/")
    set(src ${CMAKE_SOURCE_DIR}/${op})
  else()
    set(src ${CMAKE_SOURCE_DIR}/kernels/${op}/vulkan.comp)
  endif()
  if(NOT EXISTS ${src})
    # Shaders arrive op by op: a row whose source is missing is left out (its op reports unsupported).
    message(STATUS "vulkan: ${name} skipped, ${src} does not exist yet")
    continue()
  endif()
  set(spv ${vk_gen}/${name}.spv)
  set(defs)
  foreach(d ${fields})
    list(APPEND defs "-D${d}")
  endforeach()
  set(validate)
  if(CHORD_SPIRV_VAL)
    set(validate COMMAND ${CHORD_SPIRV_VAL} --target-env vulkan1.1 ${spv})
  endif()
  add_custom_command(OUTPUT ${spv}
    COMMAND Vulkan::glslangValidator --target-env vulkan1.1 -V -S comp
            -I${CMAKE_SOURCE_DIR}/kernels/common ${defs} -o ${spv} ${src}
    ${validate}
    DEPENDS ${src} ${vk_includes}
    COMMENT "SPIR-V ${name} (${op}: ${fields})" VERBATIM)
  chord_embed(vk_embedded chord_vk_spv_${name} ${spv} BINARY)
  string(APPEND vk_decls "extern const unsigned char chord_vk_spv_${name}[];\nextern const size_t chord_vk_spv_${name}_len;\n")
  string(APPEND vk_rows "    {\"${name}\", chord_vk_spv_${name}, &chord_vk_spv_${name}_len},\n")
endforeach()

# The generated name -> SPIR-V table (its type is declared in runtime/vulkan_internal.h).
file(CONFIGURE OUTPUT ${vk_gen}/chord_vk_shaders.c CONTENT
"/* Generated by runtime/vulkan.cmake from CHORD_VK_VARIANTS: do not edit. */
#include \"vulkan_internal.h\"

${vk_decls}
const chord_vk_shader chord_vk_shaders[] = {
${vk_rows}    {0, 0, 0} /* end (keeps the array non-empty while shaders are missing) */
};
const int chord_vk_n_shaders = (int)(sizeof chord_vk_shaders / sizeof chord_vk_shaders[0]) - 1;
")

file(GLOB vk_runtime CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/vulkan*.c)
target_sources(chord_lib PRIVATE ${vk_runtime} ${vk_embedded} ${vk_gen}/chord_vk_shaders.c)
target_link_libraries(chord_lib PUBLIC Vulkan::Vulkan)
target_compile_definitions(chord_lib PUBLIC CHORD_HAVE_VULKAN)
