/* add, OpenCL launcher: the shared elementwise launch (kernels/common/opencl_launch.c) of kernels/add/opencl.cl. */
#include "../common/opencl_launch.h"
#include "add.h"

chord_status chord_add_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_cl_elementwise(ctx, CHORD_OP_ADD, t, 2, ((const chord_add_args *)args)->n);
}
