/* matmul_add reference: matmul's reference, then add's, so it is the composition to the bit. */
#include <math.h>
#include <stdlib.h>

#include "matmul_add.h"
#include "../add/add.h"
#include "../common/ref_launch.h"
#include "../dequant/dequant.h"

void chord_matmul_add_reference(const float *r, const void *w, const float *x, float *y, const chord_matmul_add_args *a)
{
    /* r, y: (m, n); w: (n, k) of wtype; x: (m, k); p: (m, n) the projection */
    const size_t mn = (size_t)a->m * a->n;
    float *p = malloc((mn ? mn : 1) * sizeof *p);
    if (!p) { /* the reference cannot report: NaN fails any comparison loudly */
        for (size_t i = 0; i < mn; i++)
            y[i] = NAN;
        return;
    }
    chord_matmul_reference(w, x, p, a);
    const chord_add_args aa = {(int64_t)mn};
    chord_add_reference(r, p, y, &aa);
    free(p);
}

chord_status chord_matmul_add_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    const chord_matmul_add_args *a = args;
    if (!chord_dequant_supported(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref matmul_add: weight type %d", (int)a->wtype);
    if (!t)
        return CHORD_OK;
    const size_t mn = (size_t)a->m * a->n;
    float *p = malloc((mn ? mn : 1) * sizeof *p);
    if (!p)
        return chord_fail(CHORD_ERR_NOMEM, "ref matmul_add: no host memory for %zu values", mn);
    /* as the ref's matmul (threaded) and add */
    chord_matmul_threaded(chord_matmul_reference, chord_ref_ptr(t[1]), chord_ref_ptr(t[2]), p, a);
    const chord_add_args aa = {(int64_t)mn};
    chord_add_reference(chord_ref_ptr(t[0]), p, chord_ref_ptr(t[3]), &aa);
    free(p);
    return CHORD_OK;
}
