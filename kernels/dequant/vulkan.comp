#version 450
// Variants: each `variant NAME DEFINE...` line is one SPIR-V module runtime/vulkan.cmake builds from this file.
// every format
// variant dequant_f32_f32 WTYPE_F32
// variant dequant_f16_f32 WTYPE_F16
// variant dequant_bf16_f32 WTYPE_BF16
// variant dequant_q4_0_f32 WTYPE_Q4_0
// variant dequant_q4_1_f32 WTYPE_Q4_1
// variant dequant_q5_0_f32 WTYPE_Q5_0
// variant dequant_q5_1_f32 WTYPE_Q5_1
// variant dequant_q8_0_f32 WTYPE_Q8_0
// variant dequant_q4_K_f32 WTYPE_Q4_K
// variant dequant_q5_K_f32 WTYPE_Q5_K
// variant dequant_q6_K_f32 WTYPE_Q6_K
// variant dequant_q4_0_split_f32 WTYPE_Q4_0_SPLIT
// variant dequant_q4_1_split_f32 WTYPE_Q4_1_SPLIT
// variant dequant_q8_0_split_f32 WTYPE_Q8_0_SPLIT
#extension GL_GOOGLE_include_directive : require
/* dequant, Vulkan: GGUF blocks of one type (WTYPE_<type>) to f32, bit-exact with
 * kernels/dequant/ref.c.
 *
 * v1: float types one value per invocation, converted in integer arithmetic (f32 copied as bits,
 *     bf16 shifted, f16 through chord_f16_bits_to_f32_bits) so no denormal flush can change a bit;
 *     block types one 8-value unit per invocation through vulkan_quant.glsl's dq_unit (adjacent
 *     invocations read adjacent quant bytes and write adjacent 16-byte runs). Grid-stride loops:
 *     the host dispatches at most a few waves' worth of work-groups.
 * v2: block types store each run of 4 values as one uvec4 when DST is 16-byte aligned (2 stores
 *     per unit instead of 8; the stores are 8 of every 9-10 bytes moved).
 * H100 (v2, commit 3484799): q4_0 2322 GB/s, q4_1 2303, q8_0 2206, q6_K 2250 (>= 70% of 3.0 TB/s), but
 *     f16 1579 GB/s (53%): one 2-byte load and one 4-byte store per invocation.
 * v3: float types 4 values per invocation when SRC is 4-aligned (16 for f32) and DST 16-aligned:
 *     two word loads (one uvec4 for f32), one 16-byte store; the rest value by value.
 * H100 (v3, commit 09fc7d8b4cbd): f16 1456 GB/s (50.5% of the Vulkan copy's 2883): 8 bytes in flight per
 *     invocation is too little to cover HBM latency with a grid of a few waves.
 * v4: f16/bf16 take 4 chunks per pass with all 8 loads before the 4 stores (32 bytes in flight), and the
 *     host launches one invocation per 16 values (it launched one per value: 3/4 of them idle).
 * v5: the split super-blocks (q4_0_split, q4_1_split, q8_0_split) through the same dq_unit: a unit is one lane's
 *     word(s), two runs of 4 values 32 apart, so token_embd rows stay split on Vulkan. */
#include "vulkan_common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

layout(binding = 0) readonly buffer BufW { uint W[]; }; /* SRC: (n) values of the type, in blocks */
layout(binding = 0) readonly buffer BufW4 { uvec4 W4[]; }; /* the same, for aligned f32 */
layout(binding = 1) writeonly buffer BufY { uint Y[]; }; /* DST: (n) f32, written as bits */
layout(binding = 1) writeonly buffer BufY4 { uvec4 Y4[]; }; /* the same, when y_vec4 */

layout(push_constant) uniform PC {
    CHORD_PC_OFFSETS;
    uint n;      /* values */
    uint nunits; /* block types: n / 8 units of 8 values */
    uint y_vec4; /* DST's remainder is a multiple of 16 bytes */
} pc;

#define CHORD_F16_EXACT
#include "vulkan_quant.glsl"

void main()
{
    const uint yo = pc.o1 >> 2;
    const uint stride = gl_NumWorkGroups.x * WG;
#ifdef W_IS_FLOAT
    uint i0 = 0u; /* values before i0 went 4 at a time */
#if defined(WTYPE_F32)
    const bool vec = pc.y_vec4 != 0u && (pc.o0 & 15u) == 0u;
#else
    const bool vec = pc.y_vec4 != 0u && (pc.o0 & 3u) == 0u;
#endif
    if (vec) { /* 4 values per invocation: wide loads, one 16-byte store */
        const uint n4 = pc.n / 4u;
        uint i4 = gl_GlobalInvocationID.x;
#if !defined(WTYPE_F32)
        /* 4 chunks per pass, all loads issued before any store: 32 bytes in flight per invocation */
        for (; i4 + 3u * stride < n4; i4 += 4u * stride) {
            uint w[8];
            for (uint u = 0u; u < 4u; u++) {
                w[2u * u] = W[(pc.o0 >> 2) + 2u * (i4 + u * stride)];
                w[2u * u + 1u] = W[(pc.o0 >> 2) + 2u * (i4 + u * stride) + 1u];
            }
            for (uint u = 0u; u < 4u; u++) {
                const uint w0 = w[2u * u], w1 = w[2u * u + 1u];
#if defined(WTYPE_F16)
                Y4[(yo >> 2) + i4 + u * stride] =
                    uvec4(chord_f16_bits_to_f32_bits(w0 & 0xffffu), chord_f16_bits_to_f32_bits(w0 >> 16),
                          chord_f16_bits_to_f32_bits(w1 & 0xffffu), chord_f16_bits_to_f32_bits(w1 >> 16));
#else
                Y4[(yo >> 2) + i4 + u * stride] = uvec4(w0 << 16, w0 & 0xffff0000u, w1 << 16, w1 & 0xffff0000u);
#endif
            }
        }
#endif
        for (; i4 < n4; i4 += stride) {
#if defined(WTYPE_F32)
            Y4[(yo >> 2) + i4] = W4[(pc.o0 >> 4) + i4];
#else
            const uint w0 = W[(pc.o0 >> 2) + 2u * i4], w1 = W[(pc.o0 >> 2) + 2u * i4 + 1u];
#if defined(WTYPE_F16)
            Y4[(yo >> 2) + i4] = uvec4(chord_f16_bits_to_f32_bits(w0 & 0xffffu), chord_f16_bits_to_f32_bits(w0 >> 16),
                                       chord_f16_bits_to_f32_bits(w1 & 0xffffu), chord_f16_bits_to_f32_bits(w1 >> 16));
#else
            Y4[(yo >> 2) + i4] = uvec4(w0 << 16, w0 & 0xffff0000u, w1 << 16, w1 & 0xffff0000u);
#endif
#endif
        }
        i0 = n4 * 4u;
    }
    for (uint i = i0 + gl_GlobalInvocationID.x; i < pc.n; i += stride) {
#if defined(WTYPE_F32)
        Y[yo + i] = W[(pc.o0 >> 2) + i];
#elif defined(WTYPE_F16)
        Y[yo + i] = chord_f16_bits_to_f32_bits(w_u16(pc.o0 + 2u * i));
#else
        Y[yo + i] = w_u16(pc.o0 + 2u * i) << 16;
#endif
    }
#else
    for (uint q = gl_GlobalInvocationID.x; q < pc.nunits; q += stride) {
        const uint b = q / UNITS;
        vec4 lo, hi;
        uint ilo, ihi;
        dq_unit(pc.o0 + b * BLOCK_BYTES, q % UNITS, lo, hi, ilo, ihi);
        const uint y = yo + b * QK;
        if (pc.y_vec4 != 0u) {
            Y4[(y + ilo) >> 2] = floatBitsToUint(lo);
            Y4[(y + ihi) >> 2] = floatBitsToUint(hi);
        } else {
            for (uint j = 0u; j < 4u; j++) {
                Y[y + ilo + j] = floatBitsToUint(lo[j]);
                Y[y + ihi + j] = floatBitsToUint(hi[j]);
            }
        }
    }
#endif
}
