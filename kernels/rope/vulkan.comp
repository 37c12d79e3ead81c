#version 450
#extension GL_GOOGLE_include_directive : require
/* rope, Vulkan: rotary position embedding, NORMAL (adjacent pairs) or NEOX (i, i + n_rot/2) pairs
 * by ROPE_NEOX; angles in double (ANGLE_F64=1, needs shaderFloat64) or float.
 *
 * v1: one invocation per work item of a head: items 0 .. n_rot/2 - 1 turn one pair, the rest copy
 *     one value past n_rot; grid-stride over n_tok * n_head heads' items. Each invocation reads what
 *     it writes before writing it, so Y may alias X.
 *     Angles: theta_i = p * r^i with r = theta_base^(-2/n_rot). The f64 variant forms r^i in double
 *     by squaring (r comes from the host in double) and reduces theta by pi/2 in double; the f32
 *     variant takes exp2(i * log2 r) and a 3-part Cody-Waite reduction, good to ~2e-8 * p rad.
 *     sin/cos are minimax polynomials on [-pi/4, pi/4] (cephes' sinf/cosf): Vulkan only bounds the
 *     built-ins' error on [-pi, pi] (to 2^-11), too loose for the references' double angles. */
#if ANGLE_F64
#extension GL_ARB_gpu_shader_fp64 : require
#endif
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

layout(binding = 0) readonly buffer BufX { float X[]; };  /* (n_tok, n_head, head_dim) */
layout(binding = 1) writeonly buffer BufY { float Y[]; }; /* (n_tok, n_head, head_dim), may alias X */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n_tok, n_head, head_dim, n_rot;
    int pos0;
    uint r_lo, r_hi; /* r = theta_base^(-2/n_rot) as a double's two words */
    float log2_r;    /* log2(r) */
} pc;

/* (sin x, cos x) for |x| <= pi/4 + a little */
vec2 sincos_reduced(float x)
{
    const float z = x * x;
    const float s = x + x * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
    const float c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
    return vec2(s, c);
}

/* (sin, cos) of p * r^i */
vec2 rope_sincos(uint i, int p)
{
    float x;
    uint quadrant;
#if ANGLE_F64
    const double r = packDouble2x32(uvec2(pc.r_lo, pc.r_hi));
    double f = 1.0LF, b = r;
    for (uint e = i; e != 0u; e >>= 1) {
        if ((e & 1u) != 0u)
            f *= b;
        b *= b;
    }
    const double theta = double(p) * f;
    const double q = floor(theta * 0.63661977236758134LF + 0.5LF);
    x = float(theta - q * 1.5707963267948966LF);
    quadrant = uint(int(q) & 3);
#else
    const float theta = float(p) * exp2(float(i) * pc.log2_r);
    const float q = floor(theta * 0.63661977 + 0.5);
    x = ((theta - q * 1.5703125) - q * 4.837512969970703125e-4) - q * 7.54978995489188216e-8;
    quadrant = uint(int(q) & 3);
#endif
    const vec2 sc = sincos_reduced(x);
    switch (quadrant) {
    case 0u: return sc;
    case 1u: return vec2(sc.y, -sc.x);
    case 2u: return vec2(-sc.x, -sc.y);
    default: return vec2(-sc.y, sc.x);
    }
}

void main()
{
    const uint xo = pc.o0 >> 2, yo = pc.o1 >> 2;
    const uint half_rot = pc.n_rot / 2u;
    const uint per_head = pc.head_dim - half_rot; /* pairs, then the values past n_rot */
    const uint heads = pc.n_tok * pc.n_head;
    const uint stride = gl_NumWorkGroups.x * WG;
    for (uint item = gl_GlobalInvocationID.x; item < heads * per_head; item += stride) {
        const uint hd = item / per_head, j = item - hd * per_head;
        const uint base = hd * pc.head_dim;
        if (j < half_rot) {
#if ROPE_NEOX
            const uint i0 = j, i1 = j + half_rot;
#else
            const uint i0 = 2u * j, i1 = 2u * j + 1u;
#endif
            const float x0 = X[xo + base + i0], x1 = X[xo + base + i1];
            const vec2 sc = rope_sincos(j, pc.pos0 + int(hd / pc.n_head));
            Y[yo + base + i0] = x0 * sc.y - x1 * sc.x;
            Y[yo + base + i1] = x0 * sc.x + x1 * sc.y;
        } else {
            const uint d = pc.n_rot + (j - half_rot);
            Y[yo + base + d] = X[xo + base + d];
        }
    }
}
