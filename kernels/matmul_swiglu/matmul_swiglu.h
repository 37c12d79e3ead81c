/* matmul_swiglu: Y = silu(X WG^T) * (X WU^T), the FFN's gate and up projections and their SwiGLU in one launch.
 *   tensors: 0 WG (n, k) of type wtype, 1 WU (n, k) of type wtype (both as matmul's W), 2 X (m, k) f32,
 *            3 Y (m, n) f32
 * The definition is the composition of the existing ones: swiglu(matmul(WG, X), matmul(WU, X)). Y must not alias
 * WG, WU or X. Backends without it leave the model to launch the three ops. */
#ifndef CHORD_MATMUL_SWIGLU_H
#define CHORD_MATMUL_SWIGLU_H

#include "../matmul/matmul.h"

typedef chord_matmul_args chord_matmul_swiglu_args; /* m, n, k, wtype of each of WG and WU */

void chord_matmul_swiglu_reference(const void *wg, const void *wu, const float *x, float *y,
                                   const chord_matmul_swiglu_args *a);
/* bound (m, n): each element's bound against the reference, tol's plus the projections' rounding carried through
 * silu (ref.c says why) */
void chord_matmul_swiglu_bound(const void *wg, const void *wu, const float *x, const chord_matmul_swiglu_args *a,
                               chord_tolerance tol, float *bound);

#endif
