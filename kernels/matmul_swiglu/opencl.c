/* matmul_swiglu, OpenCL launcher: the decode step's gate and up projections (m = 1) on the split layouts, as
 * matmul's split kernel over the gate's rows, then the same work-group over the up's, with swiglu's expression on
 * the two sums in its store (SWIGLU in kernels/matmul/opencl.cl): one launch where the model would run matmul
 * twice and swiglu. Each sum is reduced as matmul's is, so the outputs are swiglu's of matmul's. Other shapes and
 * types are refused, and the model then runs the three ops.
 * nvptx (runtime/opencl_nvptx_check.sh, sm_90, q4_0_split KS = 2): 93 registers, no spills, no stack.
 * PREDICTION for the H200 (not measured): two launches fewer per layer: synthetic 7B q4_0 opencl tg128 +3-6%. */
#include "../matmul/opencl_matmul.h"
#include "matmul_swiglu.h"

chord_status chord_matmul_swiglu_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: 0 WG (n, k), 1 WU (n, k), 2 X (k), 3 Y (n) */
    if (!t)
        return chord_cl_matmul_launch(ctx, args, CHORD_CL_MM_SWIGLU, NULL, NULL, NULL, NULL, NULL);
    return chord_cl_matmul_launch(ctx, args, CHORD_CL_MM_SWIGLU, &t[0], &t[2], &t[3], &t[1], NULL);
}
