/* The cpu backend's rmsnorm into a new host buffer (kernels/rmsnorm/cpu.c), for the fused ops that compose it with
 * the projections after it (rmsnorm_qkv, rmsnorm_swiglu): out gets the (n_rows, n_cols) rows, which the caller frees
 * (free(out->data)) after its launches, the cpu backend's launches being complete when they return. */
#ifndef CHORD_CPU_NORM_H
#define CHORD_CPU_NORM_H

#include "../common/ref_launch.h"
#include "rmsnorm.h"

chord_status chord_rmsnorm_cpu_new(void *ctx, chord_tensor x, chord_tensor weight, const chord_rmsnorm_args *a,
                                   struct chord_buf *out);

#endif
