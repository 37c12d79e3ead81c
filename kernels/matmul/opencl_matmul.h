/* What matmul's OpenCL launcher (kernels/matmul/opencl.c) shares with those of matmul_add, matmul_swiglu and
 * matmul_qkv, which run its split kernel with another store (ADD, SWIGLU and ROPE in kernels/matmul/opencl.cl). */
#ifndef CHORD_MATMUL_OPENCL_MATMUL_H
#define CHORD_MATMUL_OPENCL_MATMUL_H

#include "../common/opencl_launch.h"
#include "matmul.h"

/* What the split kernel stores */
typedef enum chord_cl_mm_store {
    CHORD_CL_MM_PLAIN,  /* Y = X W^T */
    CHORD_CL_MM_ADD,    /* Y = R + X W^T: R and Y (m, n), Y may alias R */
    CHORD_CL_MM_SWIGLU, /* Y = silu(X W^T) * (X R^T): W the gate, R the up (n, k) of W's type, Y (m, n) */
    CHORD_CL_MM_ROPE,   /* Y = rope(X W^T), NORMAL pairs: Y (m, n / head_dim, head_dim), needs fp64 */
} chord_cl_mm_store;

/* ROPE's rotation: rope's arguments but the head count (n / head_dim) and the token count (m = 1) */
typedef struct chord_cl_mm_rope {
    int head_dim, n_rot, pos0;
    float theta_base;
} chord_cl_mm_rope;

/* Y = X W^T, or the fused store (m = 1 on a split type only, else CHORD_ERR_UNSUPPORTED). w == NULL only asks
 * whether it runs; r is read by ADD and SWIGLU, rope by ROPE. */
chord_status chord_cl_matmul_launch(chord_cl_ctx *c, const chord_matmul_args *a, chord_cl_mm_store store,
                                    const chord_tensor *w, const chord_tensor *x, const chord_tensor *y,
                                    const chord_tensor *r, const chord_cl_mm_rope *rope);

#endif
