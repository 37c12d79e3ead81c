/* Ceilings measured in the same run as chord's kernels, so a percentage never compares two machines. */
#ifndef CHORD_YARDSTICK_H
#define CHORD_YARDSTICK_H

#ifdef __cplusplus
extern "C" {
#endif

#include "common/status.h"

/* cuBLAS SGEMM on the current CUDA device with chord's matmul layout and shapes: Y (m, n) = X (m, k) W (n, k)^T,
 * all f32 and row-major, FP32 math (CUBLAS_DEFAULT_MATH: no TF32, no emulation). Times the median of 20
 * launches after a warm-up with CUDA events and stores TFLOP/s (2 m n k per launch) in *tflops. Results are
 * cached per shape, so a benchmark can ask once per iteration. A benchmark dependency only: chord_lib never
 * links cuBLAS. */
chord_status chord_cuda_sgemm_cublas(int m, int n, int k, double *tflops);
/* The same with bf16 X and W (cublasGemmEx, f32 output, CUBLAS_COMPUTE_32F: the tensor cores): the library a user
 * would call for a prompt GEMM, the yardstick of chord's tensor-core matmul on the split layouts. */
chord_status chord_cuda_gemm_bf16_cublas(int m, int n, int k, double *tflops);

#ifdef __cplusplus
}
#endif

#endif
