/* matmul_swiglu reference: matmul's reference for each projection, then swiglu's, so it is the composition to the
 * bit. */
#include <math.h>
#include <stdlib.h>

#include "matmul_swiglu.h"
#include "../common/ref_launch.h"
#include "../dequant/dequant.h"
#include "../swiglu/swiglu.h"

void chord_matmul_swiglu_reference(const void *wg, const void *wu, const float *x, float *y,
                                   const chord_matmul_swiglu_args *a)
{
    /* wg, wu: (n, k) of wtype; x: (m, k); y: (m, n); u: (m, n) the up projection */
    const size_t mn = (size_t)a->m * a->n;
    float *u = malloc((mn ? mn : 1) * sizeof *u);
    if (!u) { /* the reference cannot report: NaN fails any comparison loudly */
        for (size_t i = 0; i < mn; i++)
            y[i] = NAN;
        return;
    }
    chord_matmul_reference(wg, x, y, a);
    chord_matmul_reference(wu, x, u, a);
    const chord_swiglu_args sa = {(int64_t)mn};
    chord_swiglu_reference(y, u, y, &sa);
    free(u);
}

chord_status chord_matmul_swiglu_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    const chord_matmul_swiglu_args *a = args;
    if (!chord_dequant_supported(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref matmul_swiglu: weight type %d", (int)a->wtype);
    if (!t)
        return CHORD_OK;
    /* WG (n, k), WU (n, k), X (m, k), Y (m, n): the threaded matmul for each projection, as the ref's matmul */
    const size_t mn = (size_t)a->m * a->n;
    float *u = malloc((mn ? mn : 1) * sizeof *u);
    if (!u)
        return chord_fail(CHORD_ERR_NOMEM, "ref matmul_swiglu: no host memory for %zu values", mn);
    float *y = chord_ref_ptr(t[3]);
    chord_matmul_threaded(chord_matmul_reference, chord_ref_ptr(t[0]), chord_ref_ptr(t[2]), y, a);
    chord_matmul_threaded(chord_matmul_reference, chord_ref_ptr(t[1]), chord_ref_ptr(t[2]), u, a);
    const chord_swiglu_args sa = {(int64_t)mn};
    chord_swiglu_reference(y, u, y, &sa);
    free(u);
    return CHORD_OK;
}
