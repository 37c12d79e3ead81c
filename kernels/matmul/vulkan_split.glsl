/* matmul's split GEMV (kernels/matmul/vulkan_split.comp) as an include, for the fused ops that share it: with ADD
 * (matmul_add) binding 3 holds R and the store is Y = R + sum, Y allowed to alias R; with SWIGLU (matmul_swiglu)
 * binding 0 holds the gate rows, binding 3 the up rows, each row's two sums are formed one after the other by the
 * same lanes and the store is silu(gate) * up (kernels/swiglu/vulkan_swiglu.glsl, swiglu's own arithmetic); with
 * ROPE (matmul_qkv's Q and K) each row's sum meets its pair partner's through shared memory and the store is
 * rope's rotation with rope's angle (kernels/rope/vulkan_rope.glsl). */
#extension GL_EXT_control_flow_attributes : require
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
/* matmul on the split super-blocks, Vulkan: Y (m, n) = X (m, k) W (n, k)^T with W of q4_0_split, q4_1_split or
 * q8_0_split (kernels/common/types.h: 256 values per super-block, all quants first, then the 8 f16 scales, then
 * q4_1's 8 f16 mins; 144 / 160 / 272 bytes; lane j's quants are 16 (q4) or 32 (q8) bytes holding values
 * 32 g + 4 j + t of the super-block's blocks g = 0..7). kernels/matmul/vulkan.comp reads the same layout through
 * its generic unit walk; the launcher takes this shader when W and X are 16-byte aligned in their bindings.
 *
 * v1 (this), the decode GEMV first (MB = 1), after CUDA's matmul_gemv_split v6 (kernels/matmul/cuda.cu):
 *   - 8 invocations ("lanes" j = 0..7, an octet) per W row; per super-block lane j issues one 16-byte load of its
 *     quants (q8: two) and one of the 8 scales (q4_1: two, d and m), the octet's scale loads being one 16-byte
 *     broadcast. Every load is a uvec4 of a W view, so the weight stream is 16-byte loads of whole 128-byte runs
 *     (the GGUF blocks are 18 / 20 / 34 bytes: vulkan.comp can only read them a 32-bit word at a time).
 *   - A rolling prefetch of U = 2 super-blocks: slot u is reloaded with super-block i + U as soon as super-block i
 *     has been used, so each lane keeps U super-blocks of loads in flight through its whole stream, with no
 *     branch around the arithmetic (CUDA v6 measured U = 2 at or above U = 4 on the H200 for these layouts).
 *   - X as vec4: lane j reads values 32 g + 4 j .. + 3, so an octet's 8 loads per block are 128 contiguous
 *     bytes, and the rpw rows of a slice (>= 4, the octets of one subgroup) read the same X addresses: on a
 *     32-wide subgroup one X load serves 4 rows. X is not staged in shared memory: a whole row (k up to ~14k
 *     floats, 56 KiB) does not fit the 32-48 KiB devices offer, staging per chunk costs two barriers per chunk,
 *     and a shared-memory load costs the same issue slot and bandwidth as an L1 hit (X, 16-56 KiB, stays in L1
 *     and L2: every work-group reads it).
 *   - The 4-weight dots of vulkan.comp v3/v5: integer-valued q (the byte in the mantissa of 2^23, one
 *     subtraction: U2F), d * dot(q, x) per run of 4, q4_1's m * sum(x) beside it. About 3.5 arithmetic
 *     instructions per q4 weight (per run: a mask, 4 byte extractions, 4 subtractions, 4 multiply-adds, a scale
 *     FMA), ~4.5 issued with the loads and scale conversions, as in CUDA v6.
 *   - k split over ks slices when the rows alone give too few invocations to keep enough bytes in flight (n =
 *     4096 rows at k = 11008 is 32768 invocations; a big GPU holds ~270k): super-block i of a row goes to slice
 *     i % ks, so a row's slices read adjacent super-blocks. Octets are slice-major (octet = slice * rpw + row),
 *     so a subgroup holds rows of one slice and its X loads stay shared. The host picks ks (1, 2, 4, 8) so that
 *     the grid reaches ~192k invocations while every slice keeps >= 2 super-blocks; CHORD_VK_SPLIT_KS forces it.
 *   - The 8 lanes' sums meet through subgroupShuffleXor (1, 2, 4) where the device reports SUBGROUP_FEATURE_
 *     SHUFFLE for compute (lanes numbered by gl_SubgroupID and gl_SubgroupInvocationID, so an octet is always 8
 *     lanes of one subgroup whatever the subgroup size, which is never assumed: the host requires >= 8 and a
 *     power of two); then, with ks > 1, the slices' sums through shared memory, added in slice order after one
 *     barrier. The _smem variants (no subgroup operations) put every lane's sum in shared memory and one lane per
 *     row adds its 8 * ks of them after one barrier. Clustered adds are not used: lavapipe lacks CLUSTERED (so they
 *     would be untested here) and they lower to the same butterfly shuffles on NVIDIA.
 *   - MB = 4 for prompt batches (m > 1): each decoded run of 4 weights is applied to 4 rows of X, so W is read
 *     m / 4 times instead of m (the GEMMs in matmul_tiled are f32 only).
 *   - Each lane's super-block sums are added by a compensated sum (sb_dot has why): ~0.1 instruction per weight.
 * PREDICTION for the NVIDIA H200, not a measurement (% of the device's copy bandwidth as chord-bench reports it;
 *   to be measured there): q4_0_split 1x11008x4096 ~40% (35-45), 1x4096x11008 ~38% (ks = 4 and 8 there);
 *   q8_0_split ~55%. The reasoning: CUDA v6, with the same loads, prefetch depth and arithmetic, measured 35.8% /
 *   35.2% (q4_0_split) and 55-57% (q8_0_split) on the H200 and was found issue-bound at ~4.6 instructions per
 *   weight; this shader issues about as many per weight (4-5: the byte extractions are PRMTs or shift + LOP3 as
 *   the compiler finds them), little around them, so about the same, and short of the issue's 70%: that needs
 *   fewer instructions per weight (CUDA v7's tensor cores, which Vulkan reaches only through
 *   VK_KHR_cooperative_matrix) or integer dots on quantized X (not the f32 contract).
 * MEASURED on the H200 (results/nvidia-h200/2026-12-02-b9f66526d9c0, % of Vulkan's own 256 MiB copy, 4018 GB/s):
 *   q4_0_split 27.5 / 26.7 (1x11008x4096 / 1x4096x11008), q8_0_split 40.3 / 36.8, against vulkan.comp on the GGUF
 *   layouts 13.5 (q4_0) and 22.1 (q8_0) and CUDA v7 / v6 42.8 / 56.7 in the same run: 2x the old shader, ~70% of
 *   the prediction. Not yet profiled; next: a prefetch deeper than U = 2 and the k split the device picks.
 * lavapipe (llvmpipe on 2 shared CPU cores, 8-wide subgroups, ks = 1: CPU figures, nothing about any GPU; chord-bench
 *   medians of 3 repetitions at commit 0fb1b9e): q4_0 GGUF layout (vulkan.comp) 1x11008x4096 204 ms,
 *   1x4096x11008 212 ms; q4_0_split here 28.9 ms / 25.9 ms (7-8x); q4_1 222 / 202 ms -> q4_1_split 34.2 / 31.0 ms;
 *   q8_0 210 / 197 ms -> q8_0_split 52.3 / 30.8 ms. Batched (MB = 4; at a34fe56, before the compensated sum):
 *   q4_0_split 512x4096x4096 10.7 s, against 21.3 s through vulkan.comp's unit walk in the same session. */
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;

layout(binding = 0) restrict readonly buffer BufW { uvec4 W4[]; }; /* (n, k / 256) super-blocks, 16-aligned */
layout(binding = 1) restrict readonly buffer BufX { vec4 X4[]; };  /* (m, k), 16-aligned */
#ifdef SWIGLU
layout(binding = 2) restrict writeonly buffer BufY { float Y[]; }; /* (m, n) with rows y_ld apart */
layout(binding = 3) restrict readonly buffer BufWU { uvec4 WU4[]; }; /* (n, k / 256): the up rows, as W's */
#define STORE(i, v) Y[(pc.o2 >> 2) + i] = (v)
#include "../swiglu/vulkan_swiglu.glsl"
#elif defined(ADD)
layout(binding = 2) buffer BufY { float Y[]; };          /* (m, n) with rows y_ld apart; may alias R */
layout(binding = 3) readonly buffer BufR { float R[]; }; /* (m, n) as Y */
#define STORE(i, v) Y[(pc.o2 >> 2) + i] = R[(pc.o3 >> 2) + i] + (v)
#else
layout(binding = 2) restrict writeonly buffer BufY { float Y[]; }; /* (m, n) with rows y_ld apart */
#define STORE(i, v) Y[(pc.o2 >> 2) + i] = (v)
#endif

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS; /* o0, o1 multiples of 16 (the host checks) */
    uint m, n;        /* n: the W rows of this dispatch */
    uint n_sb;        /* super-blocks per row: k / 256 */
    uint row_vec4;    /* uvec4 per W row */
    uint y_ld;        /* floats between Y rows */
    uint ks;          /* slices per row: super-block i goes to slice i % ks */
    uint rpw;         /* rows per work-group: WG / (8 ks); even with ROPE */
    /* ROPE only (the host always sends them): NORMAL pairs of head_dim-value heads at position pos0 */
    uint head_dim, n_rot;
    int pos0;
    uint r_lo, r_hi;    /* r = theta_base^(-2/n_rot) as a double's two words (ANGLE_F64) */
    float rf_hi, rf_lo; /* r as a float-float (not ANGLE_F64) */
} pc;

#ifdef ROPE /* the decode step's: MB = 1u (its store reads acc[0] only) */
#include "../rope/vulkan_rope.glsl"
#endif

#if defined(WTYPE_Q4_0_SPLIT)
#define SB_VEC4 9u /* uvec4 per super-block */
#define QV 1u      /* quant uvec4 per lane */
#define SV 1u      /* scale runs: d (and q4_1's m), 8 f16 each */
#define Q_OFF 8.0  /* q4_0: nibble - 8 */
#elif defined(WTYPE_Q4_1_SPLIT)
#define SB_VEC4 10u
#define QV 1u
#define SV 2u
#define Q_OFF 0.0
#elif defined(WTYPE_Q8_0_SPLIT)
#define SB_VEC4 17u
#define QV 2u
#define SV 1u
#else
#error "define one WTYPE_<type>_SPLIT"
#endif
#define U 2u /* super-blocks in flight per lane */

shared float red[MB * WG];

/* The 4 bytes of w, each below 2^8, as floats less off: exact (U2F). */
vec4 bytes_f(uint w, float off)
{
    return vec4(U2F(w & 0xffu, off), U2F((w >> 8) & 0xffu, off), U2F((w >> 16) & 0xffu, off), U2F(w >> 24, off));
}

/* Block g's 4 values of lane j as integers before scaling (q4_0: nibble - 8, q8_0: the signed byte). */
vec4 block_q(const uvec4 q[QV], uint g)
{
#if defined(WTYPE_Q8_0_SPLIT)
    return bytes_f(q[g >> 2][g & 3u] ^ 0x80808080u, 128.0); /* two's complement + 128 */
#else
    const uint w = q[0][g >> 1];
    return bytes_f((g & 1u) == 0u ? w & 0x0f0f0f0fu : (w >> 4) & 0x0f0f0f0fu, Q_OFF);
#endif
}

/* acc + v, Kahan's compensated sum: comp keeps what the additions lost (the sum is acc - comp). */
void kahan_add(inout float acc, inout float comp, float v)
{
    precise float y = v - comp;
    precise float t = acc + y;
    precise float c = (t - acc) - y;
    comp = c;
    acc = t;
}

/* acc[i] += lane j's part of super-block (q, s) against X row m0 + i, for i < mb; xv indexes the vec4 of X
 * row m0 at the super-block's value 4 j. The super-block's 8 runs are summed apart and added to acc by a
 * compensated sum: a plain chain through a lane's whole stream (~350 terms at k = 11008) put 71 of the 2M outputs
 * of q8_0_split 512x4096x11008 outside matmul's bound on lavapipe (one slice per row), 1.14x at worst with a plain
 * chain of the super-blocks' sums; the ~150 outputs close to 0 with partial sums ~100 need the partials' roundings
 * gone. 3 more additions per 32 weights. */
void sb_dot(const uvec4 q[QV], const uvec4 s[SV], uint xv, uint k4, uint mb, inout float acc[MB], inout float comp[MB])
{
    float part[MB];
    [[unroll]] for (uint i = 0u; i < MB; i++)
        part[i] = 0.0;
    [[unroll]] for (uint g = 0u; g < 8u; g++) {
        const vec4 wq = block_q(q, g);
        const float d = unpackHalf2x16(s[0][g >> 1])[g & 1u];
#if defined(WTYPE_Q4_1_SPLIT)
        const float mn = unpackHalf2x16(s[1][g >> 1])[g & 1u];
#endif
        [[unroll]] for (uint i = 0u; i < MB; i++) {
            if (MB == 1u || i < mb) {
                const vec4 x = X4[xv + i * k4 + 8u * g];
#if defined(WTYPE_Q4_1_SPLIT)
                part[i] += d * dot(wq, x) + mn * ((x.x + x.y) + (x.z + x.w));
#else
                part[i] += d * dot(wq, x);
#endif
            }
        }
    }
    [[unroll]] for (uint i = 0u; i < MB; i++)
        kahan_add(acc[i], comp[i], part[i]);
}

/* Lane j's loads of the super-block at uvec4 index p of W (up: SWIGLU's second matrix): its quants and the scale
 * runs. `up` is uniform over the work-group. */
void sb_load(uint p, uint j, bool up, out uvec4 q[QV], out uvec4 s[SV])
{
#ifdef SWIGLU
    if (up) {
        [[unroll]] for (uint v = 0u; v < QV; v++)
            q[v] = WU4[p + QV * j + v];
        [[unroll]] for (uint v = 0u; v < SV; v++)
            s[v] = WU4[p + 8u * QV + v];
        return;
    }
#endif
    [[unroll]] for (uint v = 0u; v < QV; v++)
        q[v] = W4[p + QV * j + v];
    [[unroll]] for (uint v = 0u; v < SV; v++)
        s[v] = W4[p + 8u * QV + v];
}

/* Lane j's part of one row's sums against X rows m0 .. m0 + mb - 1: its slice's `count` super-blocks from uvec4
 * index p on (every step uvec4 apart), X from vec4 index xv on (xstep apart), U in flight. */
void lane_sums(uint p, uint xv, uint count, uint step, uint xstep, uint k4, uint j, uint mb, bool up,
               out float acc[MB])
{
    float comp[MB];
    [[unroll]] for (uint i = 0u; i < MB; i++) {
        acc[i] = 0.0;
        comp[i] = 0.0;
    }
    uvec4 q[U][QV], s[U][SV];
    [[unroll]] for (uint u = 0u; u < U; u++) {
        if (u < count)
            sb_load(p, j, up, q[u], s[u]);
        p += step;
    }
    for (uint i0 = 0u; i0 < count; i0 += U) {
        [[unroll]] for (uint u = 0u; u < U; u++) {
            if (i0 + u < count) {
                sb_dot(q[u], s[u], xv, k4, mb, acc, comp);
                xv += xstep;
                if (i0 + u + U < count) /* slot u takes the super-block U further */
                    sb_load(p, j, up, q[u], s[u]);
                p += step;
            }
        }
    }
    [[unroll]] for (uint i = 0u; i < MB; i++)
        acc[i] -= comp[i];
}

/* The rows' sums of every lane reduced per row: afterwards acc holds each row's complete sum in the lane that
 * stores it (j = 0 of slice 0). Every invocation of the work-group calls it (barriers). */
void reduce_rows(inout float acc[MB], uint lid, uint j, uint slice, uint rl, uint mb)
{
#ifdef SUBGROUP
    [[unroll]] for (uint i = 0u; i < MB; i++) {
        acc[i] += subgroupShuffleXor(acc[i], 1u);
        acc[i] += subgroupShuffleXor(acc[i], 2u);
        acc[i] += subgroupShuffleXor(acc[i], 4u);
    }
    if (pc.ks == 1u) /* the octet's sum is the row's: no barrier */
        return;
    const uint oct = lid >> 3;
    if (j == 0u)
        for (uint i = 0u; i < mb; i++)
            red[i * WG + oct] = acc[i];
    barrier();
    if (slice == 0u && j == 0u)
        for (uint i = 0u; i < mb; i++) {
            float sum = 0.0;
            for (uint t = 0u; t < pc.ks; t++)
                sum += red[i * WG + t * pc.rpw + rl];
            acc[i] = sum;
        }
#else
    for (uint i = 0u; i < mb; i++)
        red[i * WG + lid] = acc[i];
    barrier();
    if (slice == 0u && j == 0u)
        for (uint i = 0u; i < mb; i++) {
            float sum = 0.0;
            for (uint t = 0u; t < pc.ks; t++)
                for (uint l = 0u; l < 8u; l++)
                    sum += red[i * WG + (t * pc.rpw + rl) * 8u + l];
            acc[i] = sum;
        }
#endif
    barrier(); /* red is reused by the next rows */
}

void main()
{
#ifdef SUBGROUP
    /* an octet must be 8 lanes of one subgroup for the shuffles, whatever the device numbers them by */
    const uint lid = gl_SubgroupID * gl_SubgroupSize + gl_SubgroupInvocationID;
#else
    const uint lid = gl_LocalInvocationIndex;
#endif
    const uint j = lid & 7u, slice = (lid >> 3) / pc.rpw, rl = (lid >> 3) % pc.rpw;
    const uint count = slice < pc.n_sb ? (pc.n_sb - 1u - slice) / pc.ks + 1u : 0u; /* this slice's super-blocks */
    const uint k4 = pc.n_sb * 64u;                                                  /* vec4 per X row */
    const uint step = pc.ks * SB_VEC4, xstep = pc.ks * 64u;
    for (uint m0 = gl_WorkGroupID.y * MB; m0 < pc.m; m0 += gl_NumWorkGroups.y * MB) {
        const uint mb = min(MB, pc.m - m0);
        for (uint r0 = gl_WorkGroupID.x * pc.rpw; r0 < pc.n; r0 += gl_NumWorkGroups.x * pc.rpw) {
            const uint row = r0 + rl; /* rows past n repeat row n - 1: computed, never stored */
            const uint w_row = min(row, pc.n - 1u) * pc.row_vec4 + slice * SB_VEC4;
            const uint xv = (pc.o1 >> 4) + m0 * k4 + slice * 64u + j; /* X of the first use */
            float acc[MB];
            lane_sums((pc.o0 >> 4) + w_row, xv, count, step, xstep, k4, j, mb, false, acc);
            reduce_rows(acc, lid, j, slice, rl, mb);
#ifdef SWIGLU
            float up[MB];
            lane_sums((pc.o3 >> 4) + w_row, xv, count, step, xstep, k4, j, mb, true, up);
            reduce_rows(up, lid, j, slice, rl, mb);
#endif
#ifdef ROPE
            /* row 2i + 1's pair partner is row 2i: octets rl ^ 1 of this work-group (r0 and rpw are even) */
            if (slice == 0u && j == 0u)
                red[rl] = acc[0];
            barrier();
            const float partner = red[rl ^ 1u];
            barrier(); /* red is reused by the next rows */
            if (slice == 0u && j == 0u && row < pc.n) {
                const uint d = row % pc.head_dim;
                float y = acc[0];
                if (d < pc.n_rot) { /* rope's rotation: (x0, x1) -> (x0 c - x1 s, x0 s + x1 c) */
                    const vec2 sc = rope_sincos(d >> 1, pc.pos0);
                    y = (d & 1u) == 0u ? acc[0] * sc.y - partner * sc.x : partner * sc.x + acc[0] * sc.y;
                }
                STORE(row, y);
            }
            continue;
#endif
            if (slice == 0u && j == 0u && row < pc.n)
                for (uint i = 0u; i < mb; i++) {
#ifdef SWIGLU
                    STORE((m0 + i) * pc.y_ld + row, swiglu1(acc[i], up[i]));
#else
                    STORE((m0 + i) * pc.y_ld + row, acc[i]);
#endif
                }
        }
    }
}
