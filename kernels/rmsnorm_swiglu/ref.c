/* rmsnorm_swiglu reference: rmsnorm's reference into a buffer, then matmul_swiglu's, so it is the composition to the
 * bit. */
#include <math.h>
#include <stdlib.h>

#include "rmsnorm_swiglu.h"
#include "../common/ref_launch.h"
#include "../dequant/dequant.h"

void chord_rmsnorm_swiglu_reference(const float *x, const float *g, const void *wg, const void *wu, float *y,
                                    const chord_rmsnorm_swiglu_args *a)
{
    /* x: (m, k); xn: (m, k) normalized; y: (m, n) */
    const chord_rmsnorm_args ra = {a->mm.m, a->mm.k, a->eps};
    float *xn = chord_rmsnorm_reference_new(x, g, &ra);
    if (!xn) { /* the reference cannot report: NaN fails any comparison loudly */
        for (size_t i = 0; i < (size_t)a->mm.m * a->mm.n; i++)
            y[i] = NAN;
        return;
    }
    chord_matmul_swiglu_reference(wg, wu, xn, y, &a->mm);
    free(xn);
}

void chord_rmsnorm_swiglu_bound(const float *x, const float *g, const void *wg, const void *wu,
                                const chord_rmsnorm_swiglu_args *a, chord_tolerance tol, float *bound)
{
    /* x: (m, k); xn: (m, k) normalized; bound: (m, n) */
    const chord_rmsnorm_args ra = {a->mm.m, a->mm.k, a->eps};
    float *xn = chord_rmsnorm_reference_new(x, g, &ra);
    if (!xn) { /* no bound to give: 0 fails every element that differs, loudly */
        for (size_t i = 0; i < (size_t)a->mm.m * a->mm.n; i++)
            bound[i] = 0.0f;
        return;
    }
    chord_matmul_swiglu_bound(wg, wu, xn, &a->mm, tol, bound);
    free(xn);
}

chord_status chord_rmsnorm_swiglu_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    const chord_rmsnorm_swiglu_args *a = args;
    if (!chord_dequant_supported(a->mm.wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref rmsnorm_swiglu: weight type %d", (int)a->mm.wtype);
    if (t) /* the reference itself: the scalar matmul is fast enough for the decode shapes the model gives it */
        chord_rmsnorm_swiglu_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), chord_ref_ptr(t[2]),
                                       chord_ref_ptr(t[3]), chord_ref_ptr(t[4]), a);
    return CHORD_OK;
}
