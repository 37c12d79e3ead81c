/* What matmul's OpenCL launcher (kernels/matmul/opencl.c) shares with matmul_add's and matmul_swiglu's, which run
 * its split kernel with another store (ADD and SWIGLU in kernels/matmul/opencl.cl). */
#ifndef CHORD_MATMUL_OPENCL_MATMUL_H
#define CHORD_MATMUL_OPENCL_MATMUL_H

#include "../common/opencl_launch.h"
#include "matmul.h"

/* What the split kernel stores */
typedef enum chord_cl_mm_store {
    CHORD_CL_MM_PLAIN,  /* Y = X W^T */
    CHORD_CL_MM_ADD,    /* Y = R + X W^T: R and Y (m, n), Y may alias R */
    CHORD_CL_MM_SWIGLU, /* Y = silu(X W^T) * (X R^T): W the gate, R the up (n, k) of W's type, Y (m, n) */
} chord_cl_mm_store;

/* Y = X W^T, or the fused store (m = 1 on a split type only, else CHORD_ERR_UNSUPPORTED). w == NULL only asks
 * whether it runs; r is read by the fused stores only. */
chord_status chord_cl_matmul_launch(chord_cl_ctx *c, const chord_matmul_args *a, chord_cl_mm_store store,
                                    const chord_tensor *w, const chord_tensor *x, const chord_tensor *y,
                                    const chord_tensor *r);

#endif
