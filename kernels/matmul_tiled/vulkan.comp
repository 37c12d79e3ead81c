#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// BM x BN outputs per work-group of (BM/TM)*(BN/TN) invocations, BK deep
// variant matmul_tiled_f32_128 BM=128 BN=128 BK=16 TM=8 TN=8
// variant matmul_tiled_f32_64  BM=64 BN=64 BK=16 TM=8 TN=8
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
/* matmul_tiled, Vulkan: f32 GEMM Y (m, n) = X (m, k) W (n, k)^T, one BM x BN tile of Y per
 * work-group of (BM/TM) * (BN/TN) invocations, BK deep per step (defines from the variant lines above).
 *
 * v1: register blocking: each invocation accumulates TM x TN = 8 x 8 outputs in registers, so a
 *     k-step costs 4 shared vec4 loads for 64 FMAs. Both operands are k-contiguous in memory; a step
 *     loads a BM x BK slice of X and a BN x BK slice of W (vec4 along k when k % 4 == 0 and both
 *     tensors are 16-byte aligned, else scalar) and stores them k-major in shared memory
 *     (As[kk][row]), so the inner loop reads rows as vec4. An invocation's 8 rows are two runs of 4,
 *     BM/2 apart (and likewise its columns), so the 8 invocations of a 128-bit shared-load phase read
 *     adjacent 16-byte words: no bank conflicts. Consecutive invocations load consecutive rows, so
 *     the transposing shared stores are conflict-free too. The next slice is fetched into registers
 *     before the current one is multiplied (global latency overlaps the FMAs). Tiles that cross m, n
 *     or k take the bounds-checked scalar path (zero fill); the rest never test a bound.
 * v2 (reasoned for the H100, where v1 was never timed): invocations arranged 8 x 4 per run of 32,
 *     so per k a warp's shared loads touch 4 + 8 distinct vec4s (one wavefront each; v1's 16 x 2
 *     needed 2 for Bs, making shared bandwidth the limit at ~2/3 of FMA peak); slices loaded
 *     row-contiguously (a warp's vec4 loads cover 8 rows x 64 bytes: 16 full sectors instead of
 *     32 half-used ones) with a one-vec4 row pad against store bank conflicts.
 * H100 (v2, commit 3484799): 4096^3 in 3.568 ms = 38.5 TFLOP/s, 76% of cuBLAS SGEMM (target 40%);
 *     1664x1664x264 19.3 TFLOP/s (67%), 512x576x576 4.5 TFLOP/s (27%: 64-tiles, 72 work-groups). */
#include "vulkan_common.glsl"

#if TM != 8 || TN != 8
#error "the shared-memory layout is written for 8 x 8 register blocks"
#endif
#define TX (BN / TN) /* invocations along n */
#define NT ((BM / TM) * (BN / TN))
#define LX (BM * BK / 4 / NT) /* vec4 loads of X per invocation per step */
#define LW (BN * BK / 4 / NT)
#if LX * NT * 4 != BM * BK || LW * NT * 4 != BN * BK
#error "tile loads must divide evenly among the invocations"
#endif

layout(constant_id = 0) const uint WG = NT; /* the host passes NT */
layout(local_size_x_id = 0) in;

/* Each tensor is declared as floats and, aliased on the same binding, as vec4s. */
layout(binding = 0) readonly buffer BufW { float W[]; };   /* (n, k) */
layout(binding = 0) readonly buffer BufW4 { vec4 W4[]; };
layout(binding = 1) readonly buffer BufX { float X[]; };   /* (m, k) */
layout(binding = 1) readonly buffer BufX4 { vec4 X4[]; };
layout(binding = 2) writeonly buffer BufY { float Y[]; }; /* (m, n) */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint m, n, k; /* n: the W rows of this dispatch */
    uint vec4_ok; /* k % 4 == 0 and the W and X remainders are multiples of 16 bytes */
    uint y_ld;    /* floats between Y rows: n, or more when the host splits W into row ranges */
} pc;

/* Slices are loaded QR k-quads per row by consecutive invocations (each run of 4 reads a row's 64
 * contiguous bytes) and stored k-major with rows padded by one vec4, which keeps the transposing
 * stores at 2-way bank conflicts (4-way unpadded). */
#define QR (BK / 4u)
#define AS (BM / 4u + 1u) /* vec4s per k of As */
#define BS (BN / 4u + 1u)
shared vec4 As[BK * AS]; /* [kk][row / 4]: X slice, k-major */
shared vec4 Bs[BK * BS]; /* [kk][col / 4]: W slice, k-major */

/* Slice element (row r, k-quad q) of a tensor with `rows` rows, as vec4 over k0 + 4q .. + 3. */
vec4 load_x(uint xo, uint r, uint q, uint k0, bool fast)
{
    if (fast)
        return X4[(xo >> 2) + r * (pc.k >> 2) + (k0 >> 2) + q];
    vec4 v = vec4(0.0);
    if (r < pc.m)
        [[unroll]] for (uint c = 0u; c < 4u; c++)
            if (k0 + 4u * q + c < pc.k)
                v[c] = X[xo + r * pc.k + k0 + 4u * q + c];
    return v;
}

vec4 load_w(uint wo, uint r, uint q, uint k0, bool fast)
{
    if (fast)
        return W4[(wo >> 2) + r * (pc.k >> 2) + (k0 >> 2) + q];
    vec4 v = vec4(0.0);
    if (r < pc.n)
        [[unroll]] for (uint c = 0u; c < 4u; c++)
            if (k0 + 4u * q + c < pc.k)
                v[c] = W[wo + r * pc.k + k0 + 4u * q + c];
    return v;
}

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    /* 8 x 4 invocations per run of 32 (a warp on NVIDIA, correct for any subgroup width): per k,
     * a run's loads of As hit 4 vec4s and of Bs 8 vec4s, one shared wavefront each */
#if TX % 8 != 0
#error "BN / TN must be a multiple of 8"
#endif
    const uint tx = (tid & 7u) | (((tid >> 5) % (TX / 8u)) << 3);
    const uint ty = ((tid >> 3) & 3u) | (((tid >> 5) / (TX / 8u)) << 2);
    const uint wo = pc.o0 >> 2, xo = pc.o1 >> 2, yo = pc.o2 >> 2;
    const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
    const bool rows_in = m0 + BM <= pc.m && n0 + BN <= pc.n && pc.vec4_ok != 0u;

    vec4 acc[TM][2]; /* acc[i][h]: row (i < 4 ? 4ty + i : BM/2 + 4ty + i - 4), columns 4tx + BN/2 h .. + 3 */
    [[unroll]] for (uint i = 0u; i < TM; i++) {
        acc[i][0] = vec4(0.0);
        acc[i][1] = vec4(0.0);
    }

    vec4 rx[LX], rw[LW];
    for (uint k0 = 0u; k0 < pc.k; k0 += BK) {
        const bool fast = rows_in && k0 + BK <= pc.k;
        if (k0 == 0u) {
            [[unroll]] for (uint l = 0u; l < LX; l++)
                rx[l] = load_x(xo, m0 + (tid + l * NT) / QR, (tid + l * NT) % QR, k0, fast);
            [[unroll]] for (uint l = 0u; l < LW; l++)
                rw[l] = load_w(wo, n0 + (tid + l * NT) / QR, (tid + l * NT) % QR, k0, fast);
        }
        barrier(); /* the previous step's readers are done with As, Bs */
        [[unroll]] for (uint l = 0u; l < LX; l++) {
            const uint i = tid + l * NT, r = i / QR, q = i % QR;
            [[unroll]] for (uint c = 0u; c < 4u; c++)
                As[(4u * q + c) * AS + r / 4u][r % 4u] = rx[l][c];
        }
        [[unroll]] for (uint l = 0u; l < LW; l++) {
            const uint i = tid + l * NT, r = i / QR, q = i % QR;
            [[unroll]] for (uint c = 0u; c < 4u; c++)
                Bs[(4u * q + c) * BS + r / 4u][r % 4u] = rw[l][c];
        }
        barrier();
        const uint k1 = k0 + BK;
        if (k1 < pc.k) { /* prefetch the next slice while this one is multiplied */
            const bool fast1 = rows_in && k1 + BK <= pc.k;
            [[unroll]] for (uint l = 0u; l < LX; l++)
                rx[l] = load_x(xo, m0 + (tid + l * NT) / QR, (tid + l * NT) % QR, k1, fast1);
            [[unroll]] for (uint l = 0u; l < LW; l++)
                rw[l] = load_w(wo, n0 + (tid + l * NT) / QR, (tid + l * NT) % QR, k1, fast1);
        }
        [[unroll]] for (uint kk = 0u; kk < BK; kk++) {
            const vec4 a0 = As[kk * AS + ty], a1 = As[kk * AS + BM / 8u + ty];
            const vec4 b0 = Bs[kk * BS + tx], b1 = Bs[kk * BS + BN / 8u + tx];
            [[unroll]] for (uint i = 0u; i < 4u; i++) {
                acc[i][0] += a0[i] * b0;
                acc[i][1] += a0[i] * b1;
                acc[i + 4u][0] += a1[i] * b0;
                acc[i + 4u][1] += a1[i] * b1;
            }
        }
    }

    [[unroll]] for (uint i = 0u; i < TM; i++) {
        const uint r = m0 + (i < 4u ? 4u * ty + i : BM / 2u + 4u * ty + i - 4u);
        if (r >= pc.m)
            continue;
        [[unroll]] for (uint h = 0u; h < 2u; h++)
            [[unroll]] for (uint c = 0u; c < 4u; c++) {
                const uint col = n0 + 4u * tx + h * (BN / 2u) + c;
                if (col < pc.n)
                    Y[yo + r * pc.y_ld + col] = acc[i][h][c];
            }
    }
}
