/* matmul: Y = X W^T, the product every projection of the model is.
 *   tensors: 0 W (n, k) of type wtype, rows of k values in GGUF blocks (k a multiple of the block size)
 *            1 X (m, k) f32
 *            2 Y (m, n) f32
 * m = 1 is y = W x, the decode step. Y must not alias W or X.
 * matmul_tiled has the same contract; its reference is a cache-blocked version of this one. */
#ifndef CHORD_MATMUL_H
#define CHORD_MATMUL_H

#include "../common/types.h"

typedef struct chord_matmul_args {
    int m, n, k;
    chord_type wtype; /* f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0 (, k-quants) */
} chord_matmul_args;

void chord_matmul_ref(const void *w, const float *x, float *y, const chord_matmul_args *a);
void chord_matmul_tiled_ref(const void *w, const float *x, float *y, const chord_matmul_args *a);

#endif
