/* matmul, OpenCL launcher: the weight type and X rows per work-group are -D defines of kernels/matmul/opencl.cl. */
#include <stdio.h>

#include "../common/opencl_launch.h"
#include "matmul.h"

chord_status chord_matmul_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: W (n, k) of wtype, X (m, k), Y (m, n) */
    chord_cl_ctx *c = ctx;
    const chord_matmul_args *a = args;
    const char *wdef;
    CHORD_TRY(chord_cl_wtype_define(a->wtype, "matmul", &wdef));
    if (!t) /* a support query */
        return CHORD_OK;
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    /* X rows per work-group: 1 for decode; a batch re-reads W once per group of rows, so larger
     * batches take the tunable's maximum (registers permitting) */
    int rows = c->tune.mm_rows;
    if (a->m == 1)
        rows = 1;
    else if (a->m <= 4 && rows > 4)
        rows = 4;
    char defs[96];
    snprintf(defs, sizeof defs, "%s -DROWS=%d", wdef, rows);
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_MATMUL, defs, t, 3, &k));
    CHORD_CL_ARG(k, 6, (cl_int)a->m);
    CHORD_CL_ARG(k, 7, (cl_int)a->n);
    CHORD_CL_ARG(k, 8, (cl_int)a->k);
    CHORD_CL_ARG(k, 9, (cl_ulong)chord_type_row_bytes(a->wtype, a->k));
    const size_t wg = (size_t)c->tune.mm_wg;
    const size_t global[2] = {(size_t)a->n * wg, (size_t)(a->m + rows - 1) / rows};
    const size_t local[2] = {wg, 1};
    return chord_cl_launch(c, k, 2, global, local);
}
