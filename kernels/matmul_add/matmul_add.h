/* matmul_add: Y = R + X W^T, a projection and the residual add after it (the attention's output projection and the
 * FFN's down projection) in one launch.
 *   tensors: 0 R (m, n) f32, 1 W (n, k) of type wtype (as matmul's W), 2 X (m, k) f32, 3 Y (m, n) f32
 * The definition is the composition of the existing ones: add(R, matmul(W, X)). Y may alias R (the residual stream
 * updated in place), not W or X. Backends without it leave the model to launch matmul and add. */
#ifndef CHORD_MATMUL_ADD_H
#define CHORD_MATMUL_ADD_H

#include "../matmul/matmul.h"

typedef chord_matmul_args chord_matmul_add_args; /* m, n, k, wtype of W */

void chord_matmul_add_reference(const float *r, const void *w, const float *x, float *y, const chord_matmul_add_args *a);

#endif
