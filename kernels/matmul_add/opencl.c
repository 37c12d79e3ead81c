/* matmul_add, OpenCL launcher: the decode step's projections (m = 1) on the split layouts, as matmul's split
 * kernel with the residual added in its store (ADD in kernels/matmul/opencl.cl): one launch where the model would
 * run matmul and add. Each output is rounded as the reference's add(R, matmul(W, X)) is: the sum in f32, then R
 * added. Other shapes and types are refused, and the model then runs matmul and add.
 * PREDICTION for the H200 (not measured): the add launches (2 per layer) gone: synthetic 7B q4_0 opencl tg128
 *   +2-4%. */
#include "../matmul/opencl_matmul.h"
#include "matmul_add.h"

chord_status chord_matmul_add_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: 0 R (n), 1 W (n, k), 2 X (k), 3 Y (n), Y may alias R */
    if (!t)
        return chord_cl_matmul_launch(ctx, args, CHORD_CL_MM_ADD, NULL, NULL, NULL, NULL, NULL);
    return chord_cl_matmul_launch(ctx, args, CHORD_CL_MM_ADD, &t[1], &t[2], &t[3], &t[0], NULL);
}
