#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// _v4: vec4 loads and stores, picked when every tensor is 16-byte aligned
// variant gelu_f32    VEC=1
// variant gelu_f32_v4 VEC=4
/* gelu, Vulkan: Y (n) = 0.5 X (1 + tanh(u)), u = sqrt(2/pi) (X + 0.044715 X^3).
 *
 * v1: grid-stride loop; VEC=4 moves vec4s (host picks it when n % 4 == 0 and every tensor is 16-byte aligned).
 *     Computed as X / (1 + exp(-2u)), the same function without the cancellation of 1 + tanh u as u -> -inf;
 *     GLSL's tanh carries no precision of its own (it inherits sinh's and cosh's), exp and division do
 *     (3 + 2|x| and 2.5 ulps), well inside the 1e-5 relative bound for |x| <= 4. Y may alias X (each element is
 *     read before the same invocation writes it, so no `restrict`). */
#extension GL_GOOGLE_include_directive : require
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

#if VEC == 4
#define VT vec4
#else
#define VT float
#endif

layout(binding = 0) readonly buffer BufX { VT X[]; };  /* (n) */
layout(binding = 1) writeonly buffer BufY { VT Y[]; }; /* (n), may alias X */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n; /* elements, a multiple of VEC */
} pc;

VT gelu(VT x)
{
    const VT u = 0.7978845608028654 * (x + 0.044715 * x * x * x); /* sqrt(2/pi) */
    return x / (1.0 + exp(-2.0 * u));
}

void main()
{
    const uint xo = pc.o0 / (4u * VEC), yo = pc.o1 / (4u * VEC);
    const uint nv = pc.n / VEC;
    const uint stride = gl_NumWorkGroups.x * WG;
    for (uint i = gl_GlobalInvocationID.x; i < nv; i += stride)
        Y[yo + i] = gelu(X[xo + i]);
}
