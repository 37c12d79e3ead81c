/* gelu, OpenCL launcher: the shared elementwise launch (kernels/common/opencl_launch.c) of kernels/gelu/opencl.cl. */
#include "../common/opencl_launch.h"
#include "gelu.h"

chord_status chord_gelu_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_cl_elementwise(ctx, CHORD_OP_GELU, t, 1, ((const chord_gelu_args *)args)->n);
}
