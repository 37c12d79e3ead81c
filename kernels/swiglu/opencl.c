/* swiglu, OpenCL launcher: the shared elementwise launch (kernels/common/opencl_launch.c) of kernels/swiglu/opencl.cl. */
#include "../common/opencl_launch.h"
#include "swiglu.h"

chord_status chord_swiglu_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_cl_elementwise(ctx, CHORD_OP_SWIGLU, t, 2, ((const chord_swiglu_args *)args)->n);
}
