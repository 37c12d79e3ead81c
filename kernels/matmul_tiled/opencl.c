/* matmul_tiled, OpenCL launcher: f32 GEMM in the tunables' tile shape (kernels/matmul_tiled/opencl.cl). */
#include "../common/opencl_launch.h"
#include "matmul_tiled.h"

chord_status chord_matmul_tiled_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: W (n, k) f32, X (m, k), Y (m, n) */
    chord_cl_ctx *c = ctx;
    const chord_matmul_args *a = args;
    if (a->wtype != CHORD_TYPE_F32)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl matmul_tiled: f32 weights only (got %s)",
                          chord_type_info(a->wtype)->name);
    if (!t) /* a support query */
        return CHORD_OK;
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    const chord_cl_tune *tu = &c->tune;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_MATMUL_TILED, "", t, 3, &k));
    CHORD_CL_ARG(k, 6, (cl_int)a->m);
    CHORD_CL_ARG(k, 7, (cl_int)a->n);
    CHORD_CL_ARG(k, 8, (cl_int)a->k);
    const size_t wg = (size_t)(tu->gemm_bm / tu->gemm_tm) * (size_t)(tu->gemm_bn / tu->gemm_tn);
    const size_t global[2] = {(size_t)(a->n + tu->gemm_bn - 1) / tu->gemm_bn * wg,
                              (size_t)(a->m + tu->gemm_bm - 1) / tu->gemm_bm};
    const size_t local[2] = {wg, 1};
    return chord_cl_launch(c, k, 2, global, local);
}
