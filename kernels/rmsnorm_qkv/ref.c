/* rmsnorm_qkv reference: rmsnorm's reference into a buffer, then matmul_qkv's, so it is the composition to the bit. */
#include <math.h>
#include <stdlib.h>

#include "rmsnorm_qkv.h"
#include "../common/ref_launch.h"
#include "../dequant/dequant.h"

void chord_rmsnorm_qkv_reference(const float *x, const float *g, const void *wq, const void *wk, const void *wv,
                                 float *q, float *k, float *v, const chord_rmsnorm_qkv_args *a)
{
    const chord_rmsnorm_args ra = {a->qkv.m, a->qkv.k, a->eps};
    float *xn = chord_rmsnorm_reference_new(x, g, &ra);
    if (!xn) { /* the reference cannot report: NaN fails any comparison loudly */
        float *y[3] = {q, k, v};
        for (int p = 0; p < 3; p++) {
            const chord_matmul_args ma = chord_matmul_qkv_matmul(&a->qkv, p);
            for (size_t i = 0; i < (size_t)ma.m * ma.n; i++)
                y[p][i] = NAN;
        }
        return;
    }
    chord_matmul_qkv_reference(wq, wk, wv, xn, q, k, v, &a->qkv);
    free(xn);
}

chord_status chord_rmsnorm_qkv_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    const chord_rmsnorm_qkv_args *a = args;
    if (!chord_dequant_supported(a->qkv.wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref rmsnorm_qkv: weight type %d", (int)a->qkv.wtype);
    if (!t)
        return CHORD_OK;
    const chord_rmsnorm_args ra = {a->qkv.m, a->qkv.k, a->eps};
    float *xn = chord_rmsnorm_reference_new(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), &ra);
    if (!xn)
        return chord_fail(CHORD_ERR_NOMEM, "ref rmsnorm_qkv: no host memory for %d x %d values", a->qkv.m, a->qkv.k);
    const void *const w[3] = {chord_ref_ptr(t[2]), chord_ref_ptr(t[3]), chord_ref_ptr(t[4])};
    float *const y[3] = {chord_ref_ptr(t[5]), chord_ref_ptr(t[6]), chord_ref_ptr(t[7])};
    chord_matmul_qkv_threaded(w, xn, y, &a->qkv);
    free(xn);
    return CHORD_OK;
}
