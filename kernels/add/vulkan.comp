#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// _v4: vec4 loads and stores, picked when every tensor is 16-byte aligned
// variant add_f32    VEC=1
// variant add_f32_v4 VEC=4
/* add, Vulkan: Y (n) = A (n) + B (n), one IEEE addition per element (bit-exact with the reference).
 *
 * v1: grid-stride loop over elements; VEC=4 reads and writes vec4 (16-byte transactions), picked by
 *     the host when n % 4 == 0 and every tensor is 16-byte aligned. Y may alias A or B: each element
 *     is read before the same invocation writes it, so no `restrict`. */
#extension GL_GOOGLE_include_directive : require
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

#if VEC == 4
#define VT vec4
#else
#define VT float
#endif

layout(binding = 0) readonly buffer BufA { VT A[]; };  /* (n) */
layout(binding = 1) readonly buffer BufB { VT B[]; };  /* (n) */
layout(binding = 2) writeonly buffer BufY { VT Y[]; }; /* (n), may alias A or B */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n; /* elements, a multiple of VEC */
} pc;

void main()
{
    const uint ao = pc.o0 / (4u * VEC), bo = pc.o1 / (4u * VEC), yo = pc.o2 / (4u * VEC);
    const uint nv = pc.n / VEC;
    const uint stride = gl_NumWorkGroups.x * WG;
    for (uint i = gl_GlobalInvocationID.x; i < nv; i += stride) {
        precise VT y = A[ao + i] + B[bo + i];
        Y[yo + i] = y;
    }
}
