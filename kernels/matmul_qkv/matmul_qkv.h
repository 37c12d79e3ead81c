/* matmul_qkv: the attention's three projections of a decode step in one launch, RoPE applied to Q and K.
 *   tensors: 0 WQ (n_head * head_dim, k) of type wtype, 1 WK (n_head_kv * head_dim, k), 2 WV (n_head_kv * head_dim,
 *            k) (each as matmul's W), 3 X (m, k) f32,
 *            4 Q (m, n_head, head_dim) f32, 5 K (m, n_head_kv, head_dim) f32, 6 V (m, n_head_kv, head_dim) f32
 * The definition is the composition of the existing ones: Q = rope(matmul(WQ, X)), K = rope(matmul(WK, X)),
 * V = matmul(WV, X), rope with this n_rot, mode, theta_base and pos0 (row t of X at position pos0 + t). The outputs
 * must not alias each other or an input. K and V are where the model keeps the cache rows of these positions, so
 * the cache write is this op's store. Backends without it leave the model to launch the five ops. */
#ifndef CHORD_MATMUL_QKV_H
#define CHORD_MATMUL_QKV_H

#include "../matmul/matmul.h"
#include "../rope/rope.h"

typedef struct chord_matmul_qkv_args {
    int m, k;
    chord_type wtype; /* of all three weights */
    int n_head, n_head_kv, head_dim, n_rot;
    int mode; /* CHORD_ROPE_NORMAL or CHORD_ROPE_NEOX */
    float theta_base;
    int pos0;
} chord_matmul_qkv_args;

/* The matmul of projection p (0 Q, 1 K, 2 V) and the rope of Q (p = 0) or K (1) that a composes. */
chord_matmul_args chord_matmul_qkv_matmul(const chord_matmul_qkv_args *a, int p);
chord_rope_args chord_matmul_qkv_rope(const chord_matmul_qkv_args *a, int p);

void chord_matmul_qkv_reference(const void *wq, const void *wk, const void *wv, const float *x, float *q, float *k,
                                float *v, const chord_matmul_qkv_args *a);
/* The descriptor's hooks (kernels/matmul_qkv/op.c), which rmsnorm_qkv shares */
const char *chord_matmul_qkv_check(const void *args);
size_t chord_matmul_qkv_tensor_bytes(const void *args, int i);
double chord_matmul_qkv_flops(const void *args);
void chord_matmul_qkv_fill_weight(const chord_matmul_qkv_args *a, void *host, size_t bytes, uint64_t *rng);

/* The ref backend's matmul_qkv on host pointers: the threaded matmul for each projection, rope in place (the
 * reference's numbers, bit for bit); rmsnorm_qkv's ref runs it after its norm. */
void chord_matmul_qkv_threaded(const void *const w[3], const float *x, float *const y[3], const chord_matmul_qkv_args *a);

#endif
