#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// _v4: vec4 loads and stores, picked when every tensor is 16-byte aligned
// variant swiglu_f32    VEC=1
// variant swiglu_f32_v4 VEC=4
/* swiglu, Vulkan: Y (n) = silu(GATE) * UP, silu(g) = g / (1 + exp(-g)).
 *
 * v1: grid-stride loop; VEC=4 moves vec4s (host picks it when n % 4 == 0 and every tensor is 16-byte
 *     aligned). The reference rounds once from double, and the tolerance is ~8 float ulps, more than
 *     Vulkan's exp() (3 + 2|x| ulps) and division (2.5 ulps) promise. So exp is computed here with
 *     Cody-Waite reduction and a degree-6 polynomial (~1 ulp), always of -|g| (no overflow), and the
 *     quotient gets one residual correction: the result stays within ~4 ulps on any conformant
 *     device. Y may alias GATE or UP (each element is read before the same invocation writes it). */
#extension GL_GOOGLE_include_directive : require
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

#if VEC == 4
#define VT vec4
#else
#define VT float
#endif

layout(binding = 0) readonly buffer BufG { VT G[]; };  /* (n) */
layout(binding = 1) readonly buffer BufU { VT U[]; };  /* (n) */
layout(binding = 2) writeonly buffer BufY { VT Y[]; }; /* (n), may alias G or U */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n; /* elements, a multiple of VEC */
} pc;

#include "vulkan_swiglu.glsl"

void main()
{
    const uint go = pc.o0 / (4u * VEC), uo = pc.o1 / (4u * VEC), yo = pc.o2 / (4u * VEC);
    const uint nv = pc.n / VEC;
    const uint stride = gl_NumWorkGroups.x * WG;
    for (uint i = gl_GlobalInvocationID.x; i < nv; i += stride) {
        const VT g = G[go + i], u = U[uo + i];
#if VEC == 4
        Y[yo + i] = vec4(swiglu1(g.x, u.x), swiglu1(g.y, u.y), swiglu1(g.z, u.z), swiglu1(g.w, u.w));
#else
        Y[yo + i] = swiglu1(g, u);
#endif
    }
}
