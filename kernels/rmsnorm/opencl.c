/* rmsnorm, OpenCL launcher: one work-group per row (kernels/rmsnorm/opencl.cl). */
#include "../common/opencl_launch.h"
#include "rmsnorm.h"

chord_status chord_rmsnorm_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: X (n_rows, n_cols), weight (n_cols), Y (n_rows, n_cols) */
    chord_cl_ctx *c = ctx;
    const chord_rmsnorm_args *a = args;
    if (!t || a->n_rows == 0 || a->n_cols == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_RMSNORM, "", t, 3, &k));
    CHORD_CL_ARG(k, 6, (cl_int)a->n_cols);
    CHORD_CL_ARG(k, 7, (cl_float)a->eps);
    const size_t local = (size_t)c->tune.red_wg, global = (size_t)a->n_rows * local;
    return chord_cl_launch(c, k, 1, &global, &local);
}
