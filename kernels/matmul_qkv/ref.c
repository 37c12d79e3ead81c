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

chord_status chord_matmul_qkv_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    const chord_matmul_qkv_args *a = args;
    if (!chord_dequant_supported(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref matmul_qkv: weight type %d", (int)a->wtype);
    if (!t)
        return CHORD_OK;
    /* as the ref's matmul and rope: the threaded matmul for each projection, rope in place */
    for (int p = 0; p < 3; p++) {
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        float *y = chord_ref_ptr(t[4 + p]);
        chord_matmul_threaded(chord_matmul_reference, chord_ref_ptr(t[p]), chord_ref_ptr(t[3]), y, &ma);
        if (p < 2) {
            const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
            chord_rope_reference(y, y, &ra);
        }
    }
    return CHORD_OK;
}
