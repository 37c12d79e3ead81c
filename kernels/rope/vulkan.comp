#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// pair layout, and whether angles are reduced in double (shaderFloat64) or float
// variant rope_norm_f64 ROPE_NEOX=0 ANGLE_F64=1
// variant rope_neox_f64 ROPE_NEOX=1 ANGLE_F64=1
// variant rope_norm_f32 ROPE_NEOX=0 ANGLE_F64=0
// variant rope_neox_f32 ROPE_NEOX=1 ANGLE_F64=0
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
/* rope, Vulkan: rotary position embedding, NORMAL (adjacent pairs) or NEOX (i, i + n_rot/2) pairs
 * by ROPE_NEOX; angles in double (ANGLE_F64=1, needs shaderFloat64) or float.
 *
 * v1: one invocation per work item of a head: items 0 .. n_rot/2 - 1 turn one pair, the rest copy
 *     one value past n_rot; grid-stride over n_tok * n_head heads' items. Each invocation reads what
 *     it writes before writing it, so Y may alias X.
 * v2: an invocation applies its angle to HPI = 4 heads of its token (the angle depends on the
 *     token and pair only): 4x fewer angle evaluations (the f64 power and reduction, or the
 *     float-float one, cost more than the 16 bytes moved per pair), still 512 invocations for a
 *     32-head decode step; consecutive invocations still take consecutive pairs (coalesced). The
 *     HPI heads' values are all loaded before the angle is formed and anything is stored.
 * H100 (v2, f64 angles, commit 3484799): 2048x32x128 in 0.030 ms, 2248 GB/s = 75% of 3.0 TB/s.
 *     Angles: theta_i = p * r^i with r = theta_base^(-2/n_rot). The f64 variant forms r^i in double
 *     by squaring (r comes from the host in double) and reduces theta by pi/2 in double; the f32
 *     variant (devices without shaderFloat64) does the same in float-float arithmetic (Dekker's exact
 *     products, so no fma and no device double is needed) and a 3-part Cody-Waite reduction.
 *     v0 of the f32 variant took exp2(i * log2 r) in float: lavapipe's exp2 put 1e-3 rad of error
 *     into angles at p = 2048 (5e-4 at p = 1000), failing the rope bounds; float-float gives ~1e-7.
 *     sin/cos are minimax polynomials on [-pi/4, pi/4] (cephes' sinf/cosf): Vulkan only bounds the
 *     built-ins' error on [-pi, pi] (to 2^-11), too loose for the references' double angles. */
#if ANGLE_F64
#extension GL_ARB_gpu_shader_fp64 : require
#endif
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
#define HPI 4u /* heads per invocation: they share one angle's sin and cos */
layout(local_size_x_id = 0) in;

layout(binding = 0) readonly buffer BufX { float X[]; };  /* (n_tok, n_head, head_dim) */
layout(binding = 1) writeonly buffer BufY { float Y[]; }; /* (n_tok, n_head, head_dim), may alias X */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n_tok, n_head, head_dim, n_rot;
    int pos0;
    uint r_lo, r_hi; /* r = theta_base^(-2/n_rot) as a double's two words (f64 variant) */
    float rf_hi, rf_lo; /* r as a float-float: rf_hi + rf_lo (f32 variant) */
} pc;

#include "vulkan_rope.glsl"

void main()
{
    const uint xo = pc.o0 >> 2, yo = pc.o1 >> 2;
    const uint half_rot = pc.n_rot / 2u;
    const uint per_head = pc.head_dim - half_rot; /* pairs, then the values past n_rot */
    const uint n_hg = (pc.n_head + HPI - 1u) / HPI;  /* groups of HPI heads */
    const uint items = pc.n_tok * n_hg * per_head;
    const uint stride = gl_NumWorkGroups.x * WG;
    for (uint item = gl_GlobalInvocationID.x; item < items; item += stride) {
        const uint row = item / per_head, j = item - row * per_head; /* row = t * n_hg + group */
        const uint t = row / n_hg, h0 = (row - t * n_hg) * HPI, h1 = min(h0 + HPI, pc.n_head);
        if (j < half_rot) {
#if ROPE_NEOX
            const uint i0 = j, i1 = j + half_rot;
#else
            const uint i0 = 2u * j, i1 = 2u * j + 1u;
#endif
            /* all loads before any store: Y may alias X, so a load after a store could not be
             * moved ahead of it, and the HPI heads would pay HPI memory round trips */
            float x0[HPI], x1[HPI];
            [[unroll]] for (uint u = 0u; u < HPI; u++) {
                if (h0 + u < h1) {
                    const uint base = (t * pc.n_head + h0 + u) * pc.head_dim;
                    x0[u] = X[xo + base + i0];
                    x1[u] = X[xo + base + i1];
                }
            }
            const vec2 sc = rope_sincos(j, pc.pos0 + int(t)); /* one angle for HPI heads */
            [[unroll]] for (uint u = 0u; u < HPI; u++) {
                if (h0 + u < h1) {
                    const uint base = (t * pc.n_head + h0 + u) * pc.head_dim;
                    Y[yo + base + i0] = x0[u] * sc.y - x1[u] * sc.x;
                    Y[yo + base + i1] = x0[u] * sc.x + x1[u] * sc.y;
                }
            }
        } else {
            const uint d = pc.n_rot + (j - half_rot);
            float x[HPI];
            [[unroll]] for (uint u = 0u; u < HPI; u++)
                if (h0 + u < h1)
                    x[u] = X[xo + (t * pc.n_head + h0 + u) * pc.head_dim + d];
            [[unroll]] for (uint u = 0u; u < HPI; u++)
                if (h0 + u < h1)
                    Y[yo + (t * pc.n_head + h0 + u) * pc.head_dim + d] = x[u];
        }
    }
}
