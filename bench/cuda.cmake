# chord-bench's cuBLAS SGEMM yardstick (bench/yardstick.h). Included by bench/bench.cmake when the CUDA
# backend is built, after runtime/cuda.cmake enabled CUDA and found the toolkit. cuBLAS is a benchmark
# dependency only: chord_lib never links it.
#
# libcublas.so.13 + libcublasLt.so.13 are ~600 MB, too big to stage: chord-bench finds them on the GPU machine
# through its build RUNPATH (the toolkit's lib64, /usr/local/cuda/lib64 here and there) or LD_LIBRARY_PATH
# (ci/gpu-stage.sh drops them from .gpu/lib and points env.sh at the machine's CUDA).
add_library(chord_cuda_yardstick STATIC ${CMAKE_SOURCE_DIR}/bench/cuda_yardstick.cu)
target_link_libraries(chord_cuda_yardstick PRIVATE chord_lib CUDA::cublas CUDA::cudart)
target_compile_options(chord_cuda_yardstick PRIVATE -O3 -Xcompiler=-Wall,-Wextra)
# Where a CUDA 13 toolkit keeps cuBLAS on the usual installs, searched after LD_LIBRARY_PATH (RUNPATH).
set_property(TARGET chord-bench APPEND PROPERTY BUILD_RPATH
             /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib)
