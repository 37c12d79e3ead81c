/* dequant, OpenCL launcher: the type is a -D define of kernels/dequant/opencl.cl, 8 values per work-item (the split
 * types: 32, one lane of a super-block). */
#include <stdio.h>

#include "../common/opencl_launch.h"
#include "dequant.h"

chord_status chord_dequant_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: SRC (n values of type), DST (n) f32 */
    chord_cl_ctx *c = ctx;
    const chord_dequant_args *a = args;
    const char *wdef;
    CHORD_TRY(chord_cl_wtype_define(a->type, "dequant", &wdef));
    if (!t || a->n == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    if (a->n / 8 >= (1ll << 32))
        return chord_fail(CHORD_ERR_INVALID, "opencl dequant: n=%lld too large", (long long)a->n);
    char defs[64];
    snprintf(defs, sizeof defs, "%s -DDST16=%d", wdef, t[1].offset % 16 == 0);
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_DEQUANT, defs, t, 2, &k));
    CHORD_CL_ARG(k, 4, (cl_ulong)a->n);
    const int per_item = chord_type_info(a->type)->internal ? 32 : 8; /* the chord-only types are the split ones */
    const size_t local = (size_t)c->tune.ew_wg;
    const size_t global = chord_cl_round_up((size_t)(a->n + per_item - 1) / per_item, local);
    return chord_cl_launch(c, k, 1, &global, &local);
}
