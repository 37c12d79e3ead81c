#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// _v4: vec4 loads, picked when n_cols % 4 == 0 and the tensors are 16-byte aligned;
// f64acc sums in double where the device has shaderFloat64, f32acc in float
// variant rmsnorm_f32_f64acc    VEC=1 F64=1
// variant rmsnorm_f32_f64acc_v4 VEC=4 F64=1
// variant rmsnorm_f32_f32acc    VEC=1 F64=0
// variant rmsnorm_f32_f32acc_v4 VEC=4 F64=0
/* rmsnorm, Vulkan: Y (n_rows, n_cols) = X / sqrt(mean(X^2) + eps) * weight (n_cols), row by row.
 *
 * v1: one work-group per row (grid-stride over rows); invocations stride over the row, the sum of
 *     squares is a shared-memory tree reduction (CHORD_REDUCE_SUM), then the row is read again (from
 *     cache) and scaled. VEC=4: vec4 loads and stores, picked by the host when n_cols % 4 == 0 and the
 *     tensors are 16-byte aligned.
 *     F64=1 (devices with shaderFloat64): squares summed, and every output computed, in double like
 *     the reference, so results differ only by summation order. F64=0: float sums and a Newton step
 *     on inversesqrt (whose Vulkan precision is 2 ulps).
 * Y may alias X: a row is fully read (pass 1 and the reduction's barriers) before any of it is
 * written, and pass 2 reads each element before the same invocation writes it. */
#extension GL_GOOGLE_include_directive : require
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

#if VEC == 4
#define VT vec4
#define DVT dvec4
#else
#define VT float
#define DVT double
#endif

#if F64
#define ACC double
#else
#define ACC float
#endif

layout(binding = 0) readonly buffer BufX { VT X[]; };      /* (n_rows, n_cols) */
layout(binding = 1) readonly buffer BufWt { VT Wt[]; };    /* (n_cols) */
layout(binding = 2) writeonly buffer BufY { VT Y[]; };     /* (n_rows, n_cols), may alias X */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n_rows, n_cols; /* n_cols a multiple of VEC */
    float eps;
} pc;

shared ACC red[WG];

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    const uint xo = pc.o0 / (4u * VEC), wo = pc.o1 / (4u * VEC), yo = pc.o2 / (4u * VEC);
    const uint nq = pc.n_cols / VEC;
    for (uint row = gl_WorkGroupID.x; row < pc.n_rows; row += gl_NumWorkGroups.x) {
        const uint xr = xo + row * nq, yr = yo + row * nq;
        ACC acc = ACC(0);
        for (uint q = tid; q < nq; q += WG) {
#if F64
            const DVT d = DVT(X[xr + q]);
#else
            const VT d = X[xr + q];
#endif
            acc += dot(d, d);
        }
        red[tid] = acc;
        CHORD_REDUCE_SUM(red, tid)
        const ACC ss = red[0];
        barrier(); /* everyone has read red[0] before the next row overwrites it */
#if F64
        const double inv = 1.0lf / sqrt(ss / double(pc.n_cols) + double(pc.eps));
        for (uint q = tid; q < nq; q += WG)
            Y[yr + q] = VT(DVT(X[xr + q]) * inv * DVT(Wt[wo + q]));
#else
        const float ms = ss / float(pc.n_cols) + pc.eps;
        float inv = inversesqrt(ms);
        inv = inv * (1.5 - 0.5 * ms * inv * inv);
        for (uint q = tid; q < nq; q += WG) {
            precise VT y = X[xr + q] * inv * Wt[wo + q];
            Y[yr + q] = y;
        }
#endif
    }
}
