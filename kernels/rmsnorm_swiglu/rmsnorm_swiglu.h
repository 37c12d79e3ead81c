/* rmsnorm_swiglu: the FFN sublayer's RMSNorm folded into matmul_swiglu's input, one launch for the norm, the gate
 * and up projections and their SwiGLU.
 *   tensors: 0 X (m, k) f32 (the residual stream), 1 G (k) f32 (the norm's weight), 2 WG (n, k), 3 WU (n, k) of
 *            type wtype (as matmul_swiglu's), 4 Y (m, n) f32
 * The definition is the composition of the existing ones: matmul_swiglu(WG, WU, rmsnorm(X, G, eps)). Y must not
 * alias an input. Backends without it leave the model to launch rmsnorm and matmul_swiglu. */
#ifndef CHORD_RMSNORM_SWIGLU_H
#define CHORD_RMSNORM_SWIGLU_H

#include "../matmul_swiglu/matmul_swiglu.h"
#include "../rmsnorm/rmsnorm.h"

typedef struct chord_rmsnorm_swiglu_args {
    chord_matmul_swiglu_args mm; /* m, n, k, the weights' type */
    float eps;                   /* rmsnorm's */
} chord_rmsnorm_swiglu_args;

void chord_rmsnorm_swiglu_reference(const float *x, const float *g, const void *wg, const void *wu, float *y,
                                    const chord_rmsnorm_swiglu_args *a);
/* bound (m, n): matmul_swiglu's per-element bounds on the normalized X (its one rounding per value is inside them) */
void chord_rmsnorm_swiglu_bound(const float *x, const float *g, const void *wg, const void *wu,
                                const chord_rmsnorm_swiglu_args *a, chord_tolerance tol, float *bound);

#endif
