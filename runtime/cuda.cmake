# The CUDA backend: runtime/cuda.c (plain C over cuda_runtime_api.h) plus every kernels/<op>/cuda.cu.
# Included by CMakeLists.txt after check_language(CUDA) found nvcc.
#
# Code: sm_90 SASS for the H100 plus compute_90 PTX so a newer GPU can JIT it. Override with
# -DCMAKE_CUDA_ARCHITECTURES=... (e.g. 80 for an A100) when building for something else.
# -Xptxas -v prints registers, shared memory and spill bytes per kernel into the build log; the
# hot kernels must show "0 bytes spill stores, 0 bytes spill loads" (kernels/common/cuda_ptxas_report.sh
# prints one line per kernel and fails on a spill).
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90-real 90-virtual)
endif()
set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)

option(CHORD_CUDA_PTXAS_VERBOSE "Print ptxas register/spill reports for every CUDA kernel" ON)

file(GLOB CHORD_CUDA_KERNELS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernels/*/cuda.cu)
target_sources(chord_lib PRIVATE ${CMAKE_SOURCE_DIR}/runtime/cuda.c ${CMAKE_SOURCE_DIR}/runtime/cuda_hold.cu ${CMAKE_SOURCE_DIR}/runtime/cuda_argmax.cu
                                 ${CHORD_CUDA_KERNELS})
target_link_libraries(chord_lib PUBLIC CUDA::cudart)
# chord_lib was created before CUDA was enabled, so its CUDA properties are set here, not inherited.
set_target_properties(chord_lib PROPERTIES CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
                                           CUDA_RUNTIME_LIBRARY Shared)
target_compile_definitions(chord_lib PUBLIC CHORD_HAVE_CUDA)

# Release-level device code whatever CMAKE_BUILD_TYPE says (CMake's RelWithDebInfo default is -O2 -g;
# nvcc's -g is host debug info only, device debug would need -G, which no configuration uses).
# -lineinfo keeps source lines for compute-sanitizer and Nsight without changing the code.
foreach(cfg RELEASE RELWITHDEBINFO MINSIZEREL)
  set(CMAKE_CUDA_FLAGS_${cfg} "-O3 -DNDEBUG")
endforeach()
set(CMAKE_CUDA_FLAGS_DEBUG "-O3 -g")
target_compile_options(chord_lib PRIVATE
  $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo -Xcompiler=-Wall,-Wextra>
  $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${CHORD_CUDA_PTXAS_VERBOSE}>>:-Xptxas=-v>)

# The quant decoders checked bit for bit against the reference on the host: runs without a GPU.
if(CHORD_TESTS)
  add_executable(cuda_quant_hostcheck ${CMAKE_SOURCE_DIR}/kernels/common/cuda_quant_hostcheck.cu)
  target_link_libraries(cuda_quant_hostcheck PRIVATE chord_lib)
  set_target_properties(cuda_quant_hostcheck PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests
                        CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
  add_test(NAME cuda_quant_hostcheck COMMAND cuda_quant_hostcheck)
endif()
