#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// every weight type
// variant matmul_f32_f32 WTYPE_F32
// variant matmul_f16_f32 WTYPE_F16
// variant matmul_bf16_f32 WTYPE_BF16
// variant matmul_q4_0_f32 WTYPE_Q4_0
// variant matmul_q4_1_f32 WTYPE_Q4_1
// variant matmul_q5_0_f32 WTYPE_Q5_0
// variant matmul_q5_1_f32 WTYPE_Q5_1
// variant matmul_q8_0_f32 WTYPE_Q8_0
// variant matmul_q4_K_f32 WTYPE_Q4_K
// variant matmul_q5_K_f32 WTYPE_Q5_K
// variant matmul_q6_K_f32 WTYPE_Q6_K
// variant matmul_q4_0_split_f32 WTYPE_Q4_0_SPLIT
// variant matmul_q4_1_split_f32 WTYPE_Q4_1_SPLIT
// variant matmul_q8_0_split_f32 WTYPE_Q8_0_SPLIT
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
/* matmul, Vulkan: Y (m, n) = X (m, k) W (n, k)^T for every weight type (WTYPE_<type>, see
 * kernels/common/vulkan_quant.glsl).
 *
 * v1: one work-group per W row; invocations stride over the row's 8-value units (adjacent
 *     invocations read adjacent bytes, so the weight stream is coalesced: decode is bound by it),
 *     each unit decoded once and applied to MB rows of X, partial sums reduced in shared memory.
 *     Work-groups loop over rows and X-row blocks, so any n and m fit the dispatch limits.
 * v2 (reasoned for the H100, not yet timed there): the unit loop is unrolled UNROLL = 4 deep, so an
 *     invocation issues the weight loads of 4 units before it waits on any (v1 paid one DRAM
 *     latency per unit: at k = 4096 q4_0, 4 round trips per row); X is read as vec4 when its rows
 *     are 16-byte aligned (2 loads per unit instead of 8), and so are f32 weight rows.
 * v3: block types decode to integer-valued q (dq_unit_raw) and scale per run of 4: d * dot(q, x)
 *     (+ m * sum(x) for formats with a min) instead of scaling each value before the dot, about 2
 *     instructions fewer per weight (the estimate for v2 was ~70 instructions per 8 q4_0 values,
 *     enough to make the H100 ALU-bound below its memory bandwidth).
 * v4: tpr invocations per row (a power of two the host picks, WG / tpr rows per work-group): the
 *     reduction takes log2(tpr) barrier steps for all rows at once. lavapipe runs a barrier per
 *     invocation (coroutines): at 128 invocations per row, 1x11008x4096 q4_0 took 8 s there
 *     (WG 32: 3.7 s), making the model test skip; GPUs take tpr = 2 subgroups, lavapipe tpr = 1
 *     (its SIMD lanes then take 8 rows; no barrier at all).
 * H100 (v2, commit 3484799): 1x11008x4096 q4_0 0.044 ms = 577 GB/s, q4_1 663, q8_0 962, f32 1721 GB/s
 *     (copy: 2.9 TB/s): quantized rows bounded by instructions, not memory. v3 and v4 followed;
 *     v5: quant values converted by the 2^23 mantissa trick (U2F in vulkan_quant.glsl) instead of
 *     quarter-rate int-to-float conversions. v3-v5 not yet timed on the H100.
 * v6: the split super-blocks (q4_0_split, q4_1_split, q8_0_split) as one more unit walk, for W or X that is not
 *     16-byte aligned in its binding; vulkan_split.comp takes the aligned ones with 16-byte loads. */
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;

layout(binding = 0) readonly buffer BufW { uint W[]; };   /* (n, k) of wtype */
layout(binding = 0) readonly buffer BufW4 { vec4 W4[]; }; /* the same, f32 rows when w_vec4 */
layout(binding = 1) readonly buffer BufX { float X[]; };  /* (m, k) */
layout(binding = 1) readonly buffer BufX4 { vec4 X4[]; }; /* the same, when x_vec4 */
layout(binding = 2) writeonly buffer BufY { float Y[]; }; /* (m, n) */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint m, n, k;   /* n: the W rows of this dispatch */
    uint row_bytes; /* bytes of one W row */
    uint x_vec4;    /* X's remainder is a multiple of 16 bytes and k % 4 == 0 (or m == 1) */
    uint y_ld;      /* floats between Y rows: n, or more when the host splits W into row ranges */
    uint w_vec4;    /* f32 W: its remainder and row_bytes are multiples of 16 bytes */
    uint tpr;       /* invocations per W row: a power of two <= WG */
} pc;

#include "vulkan_quant.glsl"

#define MB 4u     /* rows of X per work-group: each decoded weight is used MB times */
#define UNROLL 4u /* units in flight per invocation */

shared float red[MB * WG];

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    const uint xo = pc.o1 >> 2, yo = pc.o2 >> 2;
    const uint nunits = (pc.k / QK) * UNITS;
    const uint lane = tid % pc.tpr, rpw = WG / pc.tpr; /* rows per work-group */
    for (uint m0 = gl_WorkGroupID.y * MB; m0 < pc.m; m0 += gl_NumWorkGroups.y * MB) {
        const uint mb = min(MB, pc.m - m0);
        for (uint row0 = gl_WorkGroupID.x * rpw; row0 < pc.n; row0 += gl_NumWorkGroups.x * rpw) {
            /* invocations [lane0, lane0 + tpr) share row; a row past n computes nothing but
             * still takes part in the barriers */
            const uint row = row0 + tid / pc.tpr;
            const uint ra = pc.o0 + min(row, pc.n - 1u) * pc.row_bytes;
            const uint nu = row < pc.n ? nunits : 0u;
            float acc[MB];
            for (uint i = 0u; i < MB; i++)
                acc[i] = 0.0;
            for (uint q0 = lane; q0 < nu; q0 += UNROLL * pc.tpr) {
                [[unroll]] for (uint u = 0u; u < UNROLL; u++) {
                    const uint q = q0 + u * pc.tpr;
                    if (q < nu) {
                        const uint b = q / UNITS;
                        vec4 lo, hi;
                        uint ilo, ihi;
#ifdef W_IS_FLOAT
#if defined(WTYPE_F32)
                        if (pc.w_vec4 != 0u) { /* 2 vec4 loads instead of 8 scalar ones */
                            const uint a4 = (ra + b * BLOCK_BYTES) >> 4;
                            lo = W4[a4];
                            hi = W4[a4 + 1u];
                            ilo = 0u;
                            ihi = 4u;
                        } else
#endif
                            dq_unit(ra + b * BLOCK_BYTES, q % UNITS, lo, hi, ilo, ihi);
#else
                        /* integer-valued q: the scale (and min) apply once per run of 4 */
                        vec2 d, mn;
                        dq_unit_raw(ra + b * BLOCK_BYTES, q % UNITS, lo, hi, d, mn, ilo, ihi);
#endif
                        const uint kb = b * QK;
                        [[unroll]] for (uint i = 0u; i < MB; i++) {
                            if (i < mb) {
                                const uint xl = xo + (m0 + i) * pc.k + kb + ilo;
                                const uint xh = xo + (m0 + i) * pc.k + kb + ihi;
                                vec4 vl, vh;
                                if (pc.x_vec4 != 0u) {
                                    vl = X4[xl >> 2];
                                    vh = X4[xh >> 2];
                                } else {
                                    vl = vec4(X[xl], X[xl + 1u], X[xl + 2u], X[xl + 3u]);
                                    vh = vec4(X[xh], X[xh + 1u], X[xh + 2u], X[xh + 3u]);
                                }
#if defined(W_IS_FLOAT)
                                acc[i] += dot(lo, vl) + dot(hi, vh);
#elif defined(DQ_HAS_MIN)
                                acc[i] += d.x * dot(lo, vl) + d.y * dot(hi, vh) +
                                          (mn.x * dot(vl, vec4(1.0)) + mn.y * dot(vh, vec4(1.0)));
#else
                                acc[i] += d.x * dot(lo, vl) + d.y * dot(hi, vh);
#endif
                            }
                        }
                    }
                }
            }
#ifdef W_IS_FLOAT
            /* float rows need not be a multiple of 8 long */
            for (uint e = nunits * 8u + lane; row < pc.n && e < pc.k; e += pc.tpr) {
                const float w = w_elem(ra, e);
                for (uint i = 0u; i < MB; i++)
                    if (i < mb)
                        acc[i] += w * X[xo + (m0 + i) * pc.k + e];
            }
#endif
            if (pc.tpr == 1u) { /* one invocation per row: nothing to reduce, no barrier */
                if (row < pc.n)
                    for (uint i = 0u; i < mb; i++)
                        Y[yo + (m0 + i) * pc.y_ld + row] = acc[i];
                continue;
            }
            /* only the mb live sums are reduced (decode: 1 of MB) */
            for (uint i = 0u; i < mb; i++)
                red[i * WG + tid] = acc[i];
            barrier();
            for (uint s = pc.tpr / 2u; s > 0u; s >>= 1u) { /* a tree per row segment */
                if (lane < s)
                    for (uint i = 0u; i < mb; i++)
                        red[i * WG + tid] += red[i * WG + tid + s];
                barrier();
            }
            if (lane == 0u && row < pc.n)
                for (uint i = 0u; i < mb; i++)
                    Y[yo + (m0 + i) * pc.y_ld + row] = red[i * WG + tid];
            barrier(); /* red is reused by the next row */
        }
    }
}
