#version 450
/* copy_u32, Vulkan: the device-to-device copy behind chord_copy (runtime/vulkan_cmd.c vk_copy), not an op.
 *
 * Why a shader: on the H100, vkCmdCopyBuffer of 256 MiB measured 845 GB/s in chord-bench, while
 * cudaMemcpyAsync D2D and clEnqueueCopyBuffer reached 2.9 TB/s on the same GPU and Vulkan's own add
 * shader moved 2.8 TB/s. A copy through the SMs gives Vulkan a real copy ceiling.
 *
 * v1: D (n) = S (n), S and D non-overlapping (so `restrict`); VEC=4 moves uvec4 (16-byte transactions),
 *     picked by the host when both ranges start 16-byte aligned in their bindings, else VEC=1 moves uint.
 *     Grid-stride; each invocation moves UNROLL items per pass, WG * grid apart (coalesced), with all
 *     loads issued before the stores. The host keeps vkCmdCopyBuffer for unaligned offsets, the last
 *     size % 16 (VEC=4) or size % 4 (VEC=1) bytes, and overlapping ranges. */
#extension GL_GOOGLE_include_directive : require
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

#if VEC == 4
#define VT uvec4
#else
#define VT uint
#endif
#define UNROLL 4u

layout(binding = 0) restrict readonly buffer BufS { VT S[]; };  /* (n) */
layout(binding = 1) restrict writeonly buffer BufD { VT D[]; }; /* (n), never overlapping S */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n; /* items of VT */
} pc;

void main()
{
    const uint so = pc.o0 / (4u * VEC), dof = pc.o1 / (4u * VEC);
    const uint stride = gl_NumWorkGroups.x * WG;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += UNROLL * stride) {
        VT v[UNROLL];
        for (uint k = 0u; k < UNROLL; k++)
            if (i + k * stride < pc.n)
                v[k] = S[so + i + k * stride];
        for (uint k = 0u; k < UNROLL; k++)
            if (i + k * stride < pc.n)
                D[dof + i + k * stride] = v[k];
    }
}
