/* rmsnorm_qkv: the attention sublayer's RMSNorm folded into matmul_qkv's input, one launch for the norm, the three
 * projections and the RoPE of Q and K.
 *   tensors: 0 X (m, k) f32 (the residual stream), 1 G (k) f32 (the norm's weight), 2 WQ, 3 WK, 4 WV (as
 *            matmul_qkv's), 5 Q, 6 K, 7 V (as matmul_qkv's)
 * The definition is the composition of the existing ones: matmul_qkv(WQ, WK, WV, rmsnorm(X, G, eps)). No output may
 * alias an input. Backends without it leave the model to launch rmsnorm and matmul_qkv. */
#ifndef CHORD_RMSNORM_QKV_H
#define CHORD_RMSNORM_QKV_H

#include "../matmul_qkv/matmul_qkv.h"
#include "../rmsnorm/rmsnorm.h"

typedef struct chord_rmsnorm_qkv_args {
    chord_matmul_qkv_args qkv; /* m, k, the weights' type, heads and rope */
    float eps;                 /* rmsnorm's */
} chord_rmsnorm_qkv_args;

void chord_rmsnorm_qkv_reference(const float *x, const float *g, const void *wq, const void *wk, const void *wv,
                                 float *q, float *k, float *v, const chord_rmsnorm_qkv_args *a);

#endif
