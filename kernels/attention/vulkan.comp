#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// variant attention_f32
#extension GL_GOOGLE_include_directive : require
/* attention, Vulkan: causal grouped-query attention over a KV cache (kernels/attention/attention.h).
 *
 * v1: one work-group per (query head, token). Keys are taken WG at a time: invocation j scores key
 *     j of the chunk (q from shared memory, its K row read as vec4 when head_dim % 4 == 0 and K is
 *     16-byte aligned), the chunk's max and sum come from shared-memory tree reductions, and the
 *     running max / sum / output are rescaled online (flash-attention style), so any context
 *     length fits in WG floats of shared memory. The output accumulation is transposed: invocation
 *     d owns output values d, d + WG, ... (at most ACC of them) and sums p_j V[j][d] over the chunk,
 *     reading V rows coalesced. Keys past pos0 + t (NaN in the tests) are never read.
 * v2: work-groups of 512 (host's choice) for 4x the loads in flight: only n_head x n_tok work-groups
 *     exist (32 for a decode step, fewer than the H100's 132 SMs), so per-SM memory parallelism
 *     bounds the speed. The V sums are split over parts = WG / head_dim groups of invocations
 *     (each takes every parts-th key of the chunk) and added through shared memory at the end.
 *     Not yet timed on the H100; splitting the keys across work-groups (flash-decoding) would need
 *     scratch memory the op's contract does not provide. The K dot products and V sums are
 *     unrolled 4 ways into independent partial sums (loads issue back to back, not as a chain).
 * H100 (v2 before that unrolling, commit 3484799): decode 32/8 heads d128 pos4000 in 0.467 ms =
 *     70 GB/s: 32 work-groups cannot fill 132 SMs.
 * v3: d_split work-groups per (head, token), each computing all scores but only a slice of the
 *     output (so only its slice of V): K is read d_split times, mostly from L2 (a decode step's K
 *     is 16 MiB at pos 4000), and the host picks d_split to give the device a few hundred
 *     work-groups. Not yet timed on the H100; a split-KV pass would need scratch memory the op's
 *     contract does not provide. */
#include "vulkan_common.glsl"

#define ACC 4u      /* output values per invocation: head_dim <= ACC * WG */
#define HD_MAX 256u /* head_dim <= HD_MAX (q lives in shared memory) */

layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;

layout(binding = 0) readonly buffer BufQ { float Q[]; };  /* (n_tok, n_head, head_dim) */
layout(binding = 1) readonly buffer BufK { float K[]; };  /* (n_ctx, n_head_kv, head_dim) */
layout(binding = 1) readonly buffer BufK4 { vec4 K4[]; };
layout(binding = 2) readonly buffer BufV { float V[]; };  /* (n_ctx, n_head_kv, head_dim) */
layout(binding = 3) writeonly buffer BufO { float O[]; }; /* (n_tok, n_head, head_dim) */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n_tok, n_head, n_head_kv, head_dim;
    int pos0;
    float scale;
    uint k_vec4; /* head_dim % 4 == 0 and K's remainder a multiple of 16 bytes */
    uint d_split; /* work-groups per (head, token), each writing a slice of head_dim (<= head_dim) */
} pc;

shared float qs[HD_MAX];
shared float red[WG];
shared float pj[WG];

vec4 q4(uint d) /* q[d .. d + 3] */
{
    return vec4(qs[d], qs[d + 1u], qs[d + 2u], qs[d + 3u]);
}

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    const uint D = pc.head_dim;
    const uint qo = pc.o0 >> 2, ko = pc.o1 >> 2, vo = pc.o2 >> 2, oo = pc.o3 >> 2;
    const uint h = gl_WorkGroupID.x / pc.d_split, hk = h / (pc.n_head / pc.n_head_kv);
    /* this work-group's output slice: values d_lo .. d_lo + d_n - 1 (all scores are computed) */
    const uint DS = (D + pc.d_split - 1u) / pc.d_split;
    const uint d_lo = (gl_WorkGroupID.x % pc.d_split) * DS, d_n = min(DS, D - min(D, d_lo));
    const uint kv_stride = pc.n_head_kv * D; /* floats between consecutive cache rows */
    /* V accumulation: with D <= WG, `parts` groups of D invocations each sum every parts-th key of
     * a chunk for output value `lane`; with D > WG, one part and ACC values per invocation */
    const uint parts = max(1u, WG / DS);
    const uint part = tid / DS, lane = tid % DS;
    for (uint t = gl_WorkGroupID.y; t < pc.n_tok; t += gl_NumWorkGroups.y) {
        const uint qrow = (t * pc.n_head + h) * D;
        const uint n_keys = uint(pc.pos0 + int(t)) + 1u; /* keys 0 .. pos0 + t */
        for (uint d = tid; d < D; d += WG)
            qs[d] = Q[qo + qrow + d];
        float m_run = -1.0 / 0.0, l_run = 0.0;
        float acc[ACC];
        for (uint i = 0u; i < ACC; i++)
            acc[i] = 0.0;
        barrier();
        for (uint j0 = 0u; j0 < n_keys; j0 += WG) {
            const uint j = j0 + tid;
            float s = -1.0 / 0.0;
            if (j < n_keys) {
                const uint krow = j * kv_stride + hk * D;
                float dot_qk = 0.0;
                if (pc.k_vec4 != 0u) {
                    /* 4 independent loads per step: a K row is 16+ loads in flight, not a chain */
                    const uint k4 = (ko + krow) >> 2, n4 = D / 4u;
                    vec4 part4 = vec4(0.0);
                    uint d = 0u;
                    for (; d + 4u <= n4; d += 4u) {
                        const vec4 k0 = K4[k4 + d], k1 = K4[k4 + d + 1u], k2 = K4[k4 + d + 2u], k3 = K4[k4 + d + 3u];
                        part4 += vec4(dot(k0, q4(4u * d)), dot(k1, q4(4u * d + 4u)), dot(k2, q4(4u * d + 8u)),
                                      dot(k3, q4(4u * d + 12u)));
                    }
                    for (; d < n4; d++)
                        part4.x += dot(K4[k4 + d], q4(4u * d));
                    dot_qk = (part4.x + part4.y) + (part4.z + part4.w);
                } else {
                    for (uint d = 0u; d < D; d++)
                        dot_qk += K[ko + krow + d] * qs[d];
                }
                s = pc.scale * dot_qk;
            }
            red[tid] = s;
            CHORD_REDUCE_MAX(red, tid)
            const float m_new = max(m_run, red[0]);
            barrier(); /* everyone has read red[0] */
            const float p = j < n_keys ? exp(s - m_new) : 0.0;
            pj[tid] = p;
            red[tid] = p;
            CHORD_REDUCE_SUM(red, tid)
            const float alpha = exp(m_run - m_new); /* 0 on the first chunk */
            l_run = l_run * alpha + red[0];
            m_run = m_new;
            const uint cnt = min(WG, n_keys - j0);
            for (uint i = 0u; i < ACC; i++) {
                const uint d = d_lo + lane + i * WG;
                if (part < parts && lane + i * WG < d_n) {
                    const uint vrow = vo + j0 * kv_stride + hk * D + d;
                    vec4 a4 = vec4(acc[i] * alpha, 0.0, 0.0, 0.0);
                    uint jj = part;
                    for (; jj + 3u * parts < cnt; jj += 4u * parts) /* 4 independent V loads */
                        a4 += vec4(pj[jj], pj[jj + parts], pj[jj + 2u * parts], pj[jj + 3u * parts]) *
                              vec4(V[vrow + jj * kv_stride], V[vrow + (jj + parts) * kv_stride],
                                   V[vrow + (jj + 2u * parts) * kv_stride], V[vrow + (jj + 3u * parts) * kv_stride]);
                    for (; jj < cnt; jj += parts)
                        a4.x += pj[jj] * V[vrow + jj * kv_stride];
                    acc[i] = (a4.x + a4.y) + (a4.z + a4.w);
                }
            }
            barrier(); /* pj and red are rewritten by the next chunk */
        }
        if (parts > 1u) { /* add the parts' sums: parts * DS <= WG floats */
            if (part < parts)
                red[part * DS + lane] = acc[0];
            barrier();
            if (part == 0u) {
                float sum = 0.0;
                for (uint p = 0u; p < parts; p++)
                    sum += red[p * DS + lane];
                acc[0] = sum;
            }
        }
        if (part == 0u)
            for (uint i = 0u; i < ACC; i++) {
                if (lane + i * WG < d_n)
                    O[oo + qrow + d_lo + lane + i * WG] = acc[i] / l_run;
            }
        barrier(); /* qs is rewritten for the next token */
    }
}
