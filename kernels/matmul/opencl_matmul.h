/* What matmul's OpenCL launcher (kernels/matmul/opencl.c) shares with matmul_add's, which runs its split kernel
 * with the residual added in the store (ADD in kernels/matmul/opencl.cl). */
#ifndef CHORD_MATMUL_OPENCL_MATMUL_H
#define CHORD_MATMUL_OPENCL_MATMUL_H

#include "../common/opencl_launch.h"
#include "matmul.h"

/* Y = X W^T, or with add Y = R + X W^T (R and Y (m, n), Y may alias R; m = 1 on a split type only, else
 * CHORD_ERR_UNSUPPORTED). w == NULL only asks whether it runs; r is read with add only. */
chord_status chord_cl_matmul_launch(chord_cl_ctx *c, const chord_matmul_args *a, int add, const chord_tensor *w,
                                    const chord_tensor *x, const chord_tensor *y, const chord_tensor *r);

#endif
