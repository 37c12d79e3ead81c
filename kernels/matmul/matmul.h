/* matmul: Y = X W^T, the product every projection of the model is.
 *   tensors: 0 W (n, k) of type wtype, rows of k values in GGUF blocks (k a multiple of the block size)
 *            1 X (m, k) f32
 *            2 Y (m, n) f32
 * m = 1 is y = W x, the decode step. Y must not alias W or X.
 * matmul_tiled has the same contract; its reference is a cache-blocked version of this one. */
#ifndef CHORD_MATMUL_H
#define CHORD_MATMUL_H

#include "../common/op.h"

typedef struct chord_matmul_args {
    int m, n, k;
    chord_type wtype; /* f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0 (, k-quants) */
} chord_matmul_args;

void chord_matmul_reference(const void *w, const float *x, float *y, const chord_matmul_args *a);
/* chord_matmul_reference's y and, in the same pass, s (m, n) = |X| |W|^T: the sums of |w x| each of Y's dots runs
 * over (the scale of its rounding; in double) */
void chord_matmul_magnitude(const void *w, const float *x, float *y, float *s, const chord_matmul_args *a);
void chord_matmul_tiled_reference(const void *w, const float *x, float *y, const chord_matmul_args *a);
/* The references' guard: 0 when they cannot run a (a wtype that does not dequantize, a k of no whole rows), y (m, n)
 * then poisoned with NaN so that a misuse cannot pass (the backends' supports() refuse these); else 1. */
int chord_matmul_reference_runs(const chord_matmul_args *a, float *y);

/* The descriptor hooks matmul_tiled shares with matmul (kernels/matmul/op.c). */
const char *chord_matmul_check(const void *args);
size_t chord_matmul_tensor_bytes(const void *args, int i);
double chord_matmul_flops(const void *args);
void chord_matmul_reference_t(void *const t[], const void *args);
void chord_matmul_fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng);
/* Device sums run in another order than the reference's double sums: the bound allows that rounding (~sqrt(k)
 * ulps), nothing more. */
#define CHORD_MATMUL_TOLERANCE \
    {                          \
        1e-9, 1e-4, 1e-3       \
    }

/* The ref backend's matmul (kernels/matmul/ref.c): fn over slices of the output on several threads. Each output
 * is still computed by fn in the same order, so results are bit-identical for any count. */
void chord_matmul_threaded(void (*fn)(const void *, const float *, float *, const chord_matmul_args *), const void *w,
                           const float *x, float *y, const chord_matmul_args *a);

#endif
