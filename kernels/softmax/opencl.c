/* softmax, OpenCL launcher: one work-group per row (kernels/softmax/opencl.cl). */
#include "../common/opencl_launch.h"
#include "softmax.h"

chord_status chord_softmax_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: X (n_rows, n_cols), Y (n_rows, n_cols) */
    chord_cl_ctx *c = ctx;
    const chord_softmax_args *a = args;
    if (!t || a->n_rows == 0 || a->n_cols == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_SOFTMAX, "", t, 2, &k));
    CHORD_CL_ARG(k, 4, (cl_int)a->n_cols);
    CHORD_CL_ARG(k, 5, (cl_float)a->scale);
    CHORD_CL_ARG(k, 6, (cl_int)(a->causal != 0));
    CHORD_CL_ARG(k, 7, (cl_int)a->pos0);
    CHORD_CL_ARG(k, 8, (cl_int)(a->rows_per_pos > 0 ? a->rows_per_pos : 1));
    const size_t local = (size_t)c->tune.red_wg, global = (size_t)a->n_rows * local;
    return chord_cl_launch(c, k, 1, &global, &local);
}
