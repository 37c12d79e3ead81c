#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// _v4: vec4 loads, picked when n_cols % 4 == 0 and the tensors are 16-byte aligned
// variant softmax_f32    VEC=1
// variant softmax_f32_v4 VEC=4
/* softmax, Vulkan: Y (n_rows, n_cols) = softmax(scale * X) per row, over the row's valid columns
 * (causal: j <= pos0 + row / rows_per_pos; the rest are written 0; no valid column: all zeros).
 *
 * v1: one work-group per row (grid-stride over rows). Pass 1 keeps a running (max, sum of exps) per
 *     invocation (the sum rescaled when the max grows), so the row is read twice in all, not three
 *     times; the pairs are merged by a shared-memory tree; pass 2 writes exp(v - max) / sum.
 *     exp2 of prescaled values (the tolerance is 1e-4 relative). VEC=4: vec4 loads and stores, picked
 *     when n_cols % 4 == 0 and the tensors are 16-byte aligned; lanes past the valid columns are
 *     masked to -inf.
 * Y may alias X: the whole row is read in pass 1, which the reduction's barriers complete before
 * pass 2 writes; pass 2 reads each element before the same invocation writes it. */
#extension GL_GOOGLE_include_directive : require
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

#if VEC == 4
#define VT vec4
#else
#define VT float
#endif

layout(binding = 0) readonly buffer BufX { VT X[]; };  /* (n_rows, n_cols) */
layout(binding = 1) writeonly buffer BufY { VT Y[]; }; /* (n_rows, n_cols), may alias X */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n_rows, n_cols; /* n_cols a multiple of VEC */
    float scale;
    int causal, pos0;
    uint rows_per_pos; /* >= 1 */
    uint row0;         /* index of this dispatch's first row in the op (the host may split rows) */
} pc;

shared float red_m[WG];
shared float red_s[WG];

/* v with lanes at columns >= nv set to -inf (they then add exp2(-inf) = 0). */
VT masked(VT v, uint c0, uint nv, float neg_inf)
{
#if VEC == 4
    return mix(vec4(neg_inf), v, lessThan(uvec4(c0) + uvec4(0u, 1u, 2u, 3u), uvec4(nv)));
#else
    return c0 < nv ? v : neg_inf;
#endif
}

float vmax(VT v)
{
#if VEC == 4
    return max(max(v.x, v.y), max(v.z, v.w));
#else
    return v;
#endif
}

float vsum(VT v)
{
#if VEC == 4
    return (v.x + v.y) + (v.z + v.w);
#else
    return v;
#endif
}

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    const uint xo = pc.o0 / (4u * VEC), yo = pc.o1 / (4u * VEC);
    const uint nq = pc.n_cols / VEC;
    const float neg_inf = uintBitsToFloat(0xff800000u);
    const float k = pc.scale * 1.44269504088896341; /* exp(s x - m) = exp2(k x - m') */
    for (uint row = gl_WorkGroupID.x; row < pc.n_rows; row += gl_NumWorkGroups.x) {
        const uint xr = xo + row * nq, yr = yo + row * nq;
        uint nv = pc.n_cols;
        if (pc.causal != 0) {
            const int lim = pc.pos0 + int((pc.row0 + row) / pc.rows_per_pos);
            nv = uint(clamp(lim + 1, 0, int(pc.n_cols)));
        }
        const uint nqv = (nv + VEC - 1u) / VEC;

        float m = neg_inf, s = 0.0;
        for (uint q = tid; q < nqv; q += WG) {
            const VT v = masked(k * X[xr + q], q * VEC, nv, neg_inf);
            const float vm = vmax(v); /* finite: a vector below nqv has a valid lane */
            if (vm > m) {
                s *= exp2(m - vm);
                m = vm;
            }
            s += vsum(exp2(v - m));
        }
        red_m[tid] = m;
        red_s[tid] = s;
        barrier();
        for (uint h = WG / 2u; h > 0u; h >>= 1u) {
            if (tid < h) {
                const float m1 = red_m[tid], m2 = red_m[tid + h], mm = max(m1, m2);
                const float s1 = red_s[tid], s2 = red_s[tid + h];
                /* the side holding the max keeps its sum as is (also avoids -inf - -inf) */
                red_s[tid] = (m1 == mm ? s1 : s1 * exp2(m1 - mm)) + (m2 == mm ? s2 : s2 * exp2(m2 - mm));
                red_m[tid] = mm;
            }
            barrier();
        }
        const float mx = red_m[0], inv = 1.0 / red_s[0];
        barrier(); /* everyone has read red_*[0] before the next row overwrites them */

        for (uint q = tid; q < nq; q += WG) {
            const VT v = masked(k * X[xr + q], q * VEC, nv, neg_inf);
#if VEC == 4
            Y[yr + q] = mix(vec4(0.0), exp2(v - mx) * inv,
                            lessThan(uvec4(q * VEC) + uvec4(0u, 1u, 2u, 3u), uvec4(nv)));
#else
            Y[yr + q] = q < nv ? exp2(v - mx) * inv : 0.0;
#endif
        }
    }
}
