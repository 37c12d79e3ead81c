/* What the CUDA backend (runtime/cuda.c, plain C over cuda_runtime_api.h) and its launchers
 * (kernels/<op>/cuda.cu) share: the check macro, the buffer and context layouts, and the launcher entry points.
 * A launcher takes the backend's context and the tensors, launches on the context's stream (asynchronous; the
 * backend has made its device current) and returns a chord_status with a message on failure. */
#ifndef CHORD_CUDA_LAUNCH_H
#define CHORD_CUDA_LAUNCH_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
/* types.h is C11: its _Static_assert layout checks are static_assert in C++. */
#ifndef _Static_assert
#define _Static_assert static_assert
#define CHORD_UNDEF_STATIC_ASSERT
#endif
extern "C" {
#endif

#include "../ops.h"

#ifdef __cplusplus
}
#ifdef CHORD_UNDEF_STATIC_ASSERT
#undef _Static_assert
#undef CHORD_UNDEF_STATIC_ASSERT
#endif
#endif

/* Checks one CUDA runtime call; on failure returns CHORD_ERR_DEVICE from the enclosing function with
 * the call text, file, line and CUDA's error name and string. */
#define CHORD_CUDA_CHECK(call)                                                                                  \
    do {                                                                                                        \
        cudaError_t chord_cu_e_ = (call);                                                                       \
        if (chord_cu_e_ != cudaSuccess)                                                                         \
            return chord_fail(CHORD_ERR_DEVICE, "cuda: %s failed at %s:%d: %s (%s)", #call, __FILE__, __LINE__, \
                              cudaGetErrorName(chord_cu_e_), cudaGetErrorString(chord_cu_e_));                  \
    } while (0)

struct chord_buf {
    size_t bytes;
    unsigned char *data; /* device memory */
};

/* The device address of a tensor: chord_launch has checked that its span lies inside its buffer. */
static inline void *chord_cuda_ptr(chord_tensor t) { return t.buf->data + t.offset; }

#ifdef __cplusplus
extern "C" {
#endif

/* The context's stream, that every copy and launch goes to. */
cudaStream_t chord_cuda_stream(void *ctx);
/* Keeps the stream busy for `us` microseconds (runtime/cuda_hold.cu): the timer's guard. */
chord_status chord_cuda_hold(cudaStream_t stream, unsigned us);
/* The context's scratch buffer of at least bytes in *out, valid until the next call (runtime/cuda.c): launchers'
 * temporaries, used in stream order. Fails while a graph is being captured and it would have to grow. */
chord_status chord_cuda_scratch(void *ctx, size_t bytes, void **out);
/* A buffer of at least bytes that is zero at every launch that asks for it (runtime/cuda.c): allocated zeroed, and
 * each user's kernels leave it zero again. Grows only outside a capture, as the scratch. */
chord_status chord_cuda_zeroed(void *ctx, size_t bytes, void **out);
/* out[0] = argmax of x (n), ties to the lowest index; out[1] = the first NaN's index or -1 (runtime/cuda_argmax.cu).
 * out: CHORD_CUDA_ARGMAX_WORDS ints, zero before the first call (the blocks' partials and their counter, which
 * each call leaves zero again). */
#define CHORD_CUDA_ARGMAX_BLOCKS 64
#define CHORD_CUDA_ARGMAX_WORDS (3 + 3 * CHORD_CUDA_ARGMAX_BLOCKS)
chord_status chord_cuda_argmax_launch(cudaStream_t stream, const float *x, int n, int *out);
/* Whether launches captured into a decode-step graph take programmatic dependent launch (runtime/cuda.c:
 * CHORD_CUDA_PDL, default on for devices of compute capability 9.0 and up): see chord_cu_launch. */
int chord_cuda_pdl_allowed(void);
/* Whether the CUDA decoders handle this weight type (kernels/dequant/cuda.cu; matmul shares them). */
int chord_dequant_cuda_supported(chord_type type);
/* head_dim <= CHORD_CUDA_ATTN_MAX_HEAD_DIM */
#define CHORD_CUDA_ATTN_MAX_HEAD_DIM 256

CHORD_OPS(CHORD_DECLARE_CUDA)

#ifdef __cplusplus
}
#endif

#endif
