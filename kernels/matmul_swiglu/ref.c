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

/* y = silu(g) u carries each projection's rounding through silu's derivative, dy = silu(g) du + u silu'(g) dg, so
 * an element whose u cancels to near 0 under a large silu(g) keeps an error far above its own scale. A dot of k
 * terms rounded in any order sits within sqrt(k) unit roundoffs of sum |w x| (the scale of Higham and Mary's
 * probabilistic bound, 2019); each element's bound is that carried through, plus the op's tolerance for the rest. */
void chord_matmul_swiglu_bound(const void *wg, const void *wu, const float *x, const chord_matmul_swiglu_args *a,
                               chord_tolerance tol, float *bound)
{
    /* wg, wu: (n, k); x: (m, k); bound: (m, n); g, u, sg, su: (m, n) the projections and their sums of |w x| */
    const size_t mn = (size_t)a->m * a->n;
    float *g = malloc(4 * (mn ? mn : 1) * sizeof *g);
    if (!g) { /* no bound to give: 0 fails every element that differs, loudly */
        for (size_t i = 0; i < mn; i++)
            bound[i] = 0.0f;
        return;
    }
    float *u = g + mn, *sg = u + mn, *su = sg + mn;
    chord_matmul_magnitude(wg, x, g, sg, a);
    chord_matmul_magnitude(wu, x, u, su, a);
    const double dot_ulps = sqrt((double)a->k) * 0x1p-24;
    for (size_t i = 0; i < mn; i++) {
        const double s = 1.0 / (1.0 + exp(-(double)g[i]));  /* sigmoid(g) */
        const double dsilu = s * (1.0 + g[i] * (1.0 - s)); /* d silu(g) / d g */
        const double y = g[i] * s * u[i];
        bound[i] = (float)(tol.abs + tol.rel * fabs(y) +
                           dot_ulps * (fabs(g[i] * s) * su[i] + fabs(u[i] * dsilu) * sg[i]));
    }
    free(g);
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
