/* matmul_qkv reference: matmul's reference for each projection, then rope's on Q and K, so it is the composition to
 * the bit. */
#include "matmul_qkv.h"
#include "../common/ref_launch.h"
#include "../dequant/dequant.h"

chord_matmul_args chord_matmul_qkv_matmul(const chord_matmul_qkv_args *a, int p)
{
    const chord_matmul_args r = {a->m, (p ? a->n_head_kv : a->n_head) * a->head_dim, a->k, a->wtype};
    return r;
}

chord_rope_args chord_matmul_qkv_rope(const chord_matmul_qkv_args *a, int p)
{
    const chord_rope_args r = {a->m,     p ? a->n_head_kv : a->n_head, a->head_dim, a->n_rot, a->mode,
                               a->theta_base, a->pos0};
    return r;
}

void chord_matmul_qkv_reference(const void *wq, const void *wk, const void *wv, const float *x, float *q, float *k,
                                float *v, const chord_matmul_qkv_args *a)
{
    const void *w[3] = {wq, wk, wv};
    float *y[3] = {q, k, v};
    for (int p = 0; p < 3; p++) {
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        chord_matmul_reference(w[p], x, y[p], &ma);
        if (p < 2) {
            const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
            chord_rope_reference(y[p], y[p], &ra);
        }
    }
}

void chord_matmul_qkv_threaded(const void *const w[3], const float *x, float *const y[3], const chord_matmul_qkv_args *a)
{
    for (int p = 0; p < 3; p++) {
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        chord_matmul_threaded(chord_matmul_reference, w[p], x, y[p], &ma);
        if (p < 2) {
            const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
            chord_rope_reference(y[p], y[p], &ra);
        }
    }
}

chord_status chord_matmul_qkv_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    const chord_matmul_qkv_args *a = args;
    if (!chord_dequant_supported(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref matmul_qkv: weight type %d", (int)a->wtype);
    if (!t)
        return CHORD_OK;
    const void *const w[3] = {chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), chord_ref_ptr(t[2])};
    float *const y[3] = {chord_ref_ptr(t[4]), chord_ref_ptr(t[5]), chord_ref_ptr(t[6])};
    chord_matmul_qkv_threaded(w, chord_ref_ptr(t[3]), y, a);
    return CHORD_OK;
}
