/* The CUDA entry points, one per op, and the CUDA check macro: the only CUDA surface runtime/cuda.c
 * (plain C) sees. Pointers are device pointers already offset to the tensor's first byte; every
 * entry validates its arguments, launches on `stream` (asynchronous) and returns a chord_status with
 * a message on failure. Kernels live in kernels/<op>/cuda.cu. */
#ifndef CHORD_CUDA_OPS_H
#define CHORD_CUDA_OPS_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
/* types.h is C11: its _Static_assert layout checks are static_assert in C++. */
#ifndef _Static_assert
#define _Static_assert static_assert
#define CHORD_UNDEF_STATIC_ASSERT
#endif
extern "C" {
#endif

#include "../../runtime/status.h"
#include "ops.h"

#ifdef __cplusplus
}
#ifdef CHORD_UNDEF_STATIC_ASSERT
#undef _Static_assert
#undef CHORD_UNDEF_STATIC_ASSERT
#endif
#endif

/* Checks one CUDA runtime call; on failure returns CHORD_ERR_DEVICE from the enclosing function with
 * the call text, file, line and CUDA's error name and string. */
#define CHORD_CUDA_CHECK(call)                                                                          \
    do {                                                                                                \
        cudaError_t chord_cu_e_ = (call);                                                               \
        if (chord_cu_e_ != cudaSuccess)                                                                 \
            return chord_fail(CHORD_ERR_DEVICE, "cuda: %s failed at %s:%d: %s (%s)", #call, __FILE__,    \
                              __LINE__, cudaGetErrorName(chord_cu_e_), cudaGetErrorString(chord_cu_e_)); \
    } while (0)

#ifdef __cplusplus
extern "C" {
#endif

/* Keeps the stream busy for `us` microseconds (runtime/cuda_hold.cu): the timer's guard. */
chord_status chord_cuda_hold(cudaStream_t stream, unsigned us);
/* W (n, k) of a->wtype, X (m, k), Y (m, n): warp-per-row GEMV with dequantization in registers. */
chord_status chord_matmul_cuda(const void *w, const float *x, float *y, const chord_matmul_args *a,
                               cudaStream_t stream);
/* Same contract, f32 weights only: register-blocked double-buffered SGEMM. */
chord_status chord_matmul_tiled_cuda(const void *w, const float *x, float *y, const chord_matmul_args *a,
                                     cudaStream_t stream);
int chord_matmul_cuda_supported(const chord_matmul_args *a);
int chord_matmul_tiled_cuda_supported(const chord_matmul_args *a);
chord_status chord_rmsnorm_cuda(const float *x, const float *weight, float *y, const chord_rmsnorm_args *a,
                                cudaStream_t stream);
chord_status chord_softmax_cuda(const float *x, float *y, const chord_softmax_args *a, cudaStream_t stream);
chord_status chord_rope_cuda(const float *x, float *y, const chord_rope_args *a, cudaStream_t stream);
chord_status chord_dequant_cuda(const void *src, float *dst, const chord_dequant_args *a, cudaStream_t stream);
int chord_dequant_cuda_supported(chord_type type);
chord_status chord_add_cuda(const float *a, const float *b, float *y, const chord_add_args *args,
                            cudaStream_t stream);
chord_status chord_swiglu_cuda(const float *gate, const float *up, float *y, const chord_swiglu_args *args,
                               cudaStream_t stream);
/* head_dim <= CHORD_CUDA_ATTN_MAX_HEAD_DIM */
#define CHORD_CUDA_ATTN_MAX_HEAD_DIM 256
chord_status chord_attention_cuda(const float *q, const float *k, const float *v, float *out,
                                  const chord_attention_args *a, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif
