/* Per-type value access for the CUDA kernels, shared by dequant (kernels/dequant/cuda.cu) and the
 * GEMV (kernels/matmul/cuda.cu) so each GGUF format is decoded in exactly one place.
 *
 * Each type is a struct with get4(row, e, v): values e .. e+3 of a row (e a multiple of 4, all four
 * inside the row), and get1(row, e) for one value (only reached for the 1-value types f32/f16/bf16
 * where a row length need not be a multiple of 4). `row` points at the row's first block; blocks are
 * only 2-byte aligned (18-byte q4_0 rows), so reads are 16-bit halves, never wider: the four quant
 * bytes of four consecutive values always start at an even offset inside their block (asserted by the
 * layouts below), so they arrive as one 32-bit word from two half loads, not four byte loads.
 *
 * The arithmetic repeats kernels/dequant/ref.c operation for operation with explicit _rn intrinsics so
 * nvcc cannot contract `q * d + m` into an FMA: dequant is bit-exact with the reference. Four values
 * with e % 4 == 0 always share one block, one sub-block, one scale and one nibble half. */
#ifndef CHORD_CUDA_QUANT_CUH
#define CHORD_CUDA_QUANT_CUH

#include <stddef.h>

#include "cuda_common.cuh"

/* Single value from get4, for the formats whose rows are whole blocks (never on a hot path). */
#define CHORD_CU_GET1_FROM_GET4                                            \
    static __device__ __forceinline__ float get1(const uint8_t *row, int64_t e) \
    {                                                                      \
        float v[4];                                                        \
        get4(row, e & ~(int64_t)3, v);                                     \
        return v[e & 3];                                                   \
    }

struct chord_cu_f32 {
    static constexpr int QK = 1, BYTES = 4;
    static __device__ __forceinline__ float get1(const uint8_t *row, int64_t e)
    {
        return ((const float *)row)[e];
    }
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const float *p = (const float *)row + e;
        v[0] = p[0], v[1] = p[1], v[2] = p[2], v[3] = p[3];
    }
};

struct chord_cu_f16 {
    static constexpr int QK = 1, BYTES = 2;
    static __device__ __forceinline__ float get1(const uint8_t *row, int64_t e) { return chord_cu_ld_f16(row + 2 * e); }
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = chord_cu_ld_f16(row + 2 * (e + t));
    }
};

struct chord_cu_bf16 {
    static constexpr int QK = 1, BYTES = 2;
    static __device__ __forceinline__ float get1(const uint8_t *row, int64_t e) { return chord_cu_ld_bf16(row + 2 * e); }
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = chord_cu_ld_bf16(row + 2 * (e + t));
    }
};

/* Four little-endian bytes at a 2-aligned address as one word (two half loads). Also the q5 qh field:
 * the 5th bit of value j is bit j of that word. */
static __device__ __forceinline__ uint32_t chord_cu_ld_u32_a2(const uint8_t *p)
{
    const unsigned short *h = (const unsigned short *)p;
    return (uint32_t)h[0] | (uint32_t)h[1] << 16;
}

/* Byte t of a word from chord_cu_ld_u32_a2, shifted right by sh (0 or 4) and masked to a nibble. */
#define CHORD_CU_NIB(w, t, sh) ((int)(((w) >> (8 * (t) + (sh))) & 0x0fu))

/* q4_0: d, qs[16]; value j < 16 low nibble of qs[j], j >= 16 high nibble of qs[j-16]; y = (q - 8) * d */
struct chord_cu_q4_0 {
    static constexpr int QK = 32, BYTES = 18;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK), sh = j >= 16 ? 4 : 0;
        const float d = chord_cu_ld_f16(b);
        const uint32_t qs = chord_cu_ld_u32_a2(b + 2 + (j & 15));
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = __fmul_rn((float)(CHORD_CU_NIB(qs, t, sh) - 8), d);
    }
    CHORD_CU_GET1_FROM_GET4
};

/* q4_1: d, m, qs[16]; y = q * d + m */
struct chord_cu_q4_1 {
    static constexpr int QK = 32, BYTES = 20;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK), sh = j >= 16 ? 4 : 0;
        const float d = chord_cu_ld_f16(b), m = chord_cu_ld_f16(b + 2);
        const uint32_t qs = chord_cu_ld_u32_a2(b + 4 + (j & 15));
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = __fadd_rn(__fmul_rn((float)CHORD_CU_NIB(qs, t, sh), d), m);
    }
    CHORD_CU_GET1_FROM_GET4
};


/* q5_0: d, qh[4], qs[16]; y = (q - 16) * d */
struct chord_cu_q5_0 {
    static constexpr int QK = 32, BYTES = 22;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK), sh = j >= 16 ? 4 : 0;
        const float d = chord_cu_ld_f16(b);
        const uint32_t qh = chord_cu_ld_u32_a2(b + 2), qs = chord_cu_ld_u32_a2(b + 6 + (j & 15));
#pragma unroll
        for (int t = 0; t < 4; t++) {
            const int q = CHORD_CU_NIB(qs, t, sh) | (int)((qh >> (j + t)) & 1) << 4;
            v[t] = __fmul_rn((float)(q - 16), d);
        }
    }
    CHORD_CU_GET1_FROM_GET4
};

/* q5_1: d, m, qh[4], qs[16]; y = q * d + m */
struct chord_cu_q5_1 {
    static constexpr int QK = 32, BYTES = 24;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK), sh = j >= 16 ? 4 : 0;
        const float d = chord_cu_ld_f16(b), m = chord_cu_ld_f16(b + 2);
        const uint32_t qh = chord_cu_ld_u32_a2(b + 4), qs = chord_cu_ld_u32_a2(b + 8 + (j & 15));
#pragma unroll
        for (int t = 0; t < 4; t++) {
            const int q = CHORD_CU_NIB(qs, t, sh) | (int)((qh >> (j + t)) & 1) << 4;
            v[t] = __fadd_rn(__fmul_rn((float)q, d), m);
        }
    }
    CHORD_CU_GET1_FROM_GET4
};

/* q8_0: d, int8 qs[32]; y = q * d */
struct chord_cu_q8_0 {
    static constexpr int QK = 32, BYTES = 34;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK);
        const float d = chord_cu_ld_f16(b);
        const uint32_t qs = chord_cu_ld_u32_a2(b + 2 + j);
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = __fmul_rn((float)(int8_t)(uint8_t)(qs >> (8 * t)), d);
    }
    CHORD_CU_GET1_FROM_GET4
};

/* The split super-blocks (types.h): value v = 32 g + 4 j + t of a 256-value super-block is byte t of the word at
 * 16 j + 4 (g >> 1), nibble (g & 1) (q4), or at 32 j + 4 g (q8); scales d[g] (q4_1: then m[g]) follow the quants.
 * e % 4 == 0 keeps the 4 values in one word. The GEMV's m = 1 path reads these with 16-byte loads
 * (kernels/matmul/cuda.cu); this decoder serves dequant and the batched GEMV. */
#define CHORD_CU_SPLIT_AT(e, QB)                                         \
    const uint8_t *b = row + ((e) / 256) * BYTES;                        \
    const int vv = (int)((e) % 256), g = vv >> 5, j = (vv >> 2) & 7;     \
    const uint32_t qs = chord_cu_ld_u32_a2(b + (QB) * j + ((QB) == 16 ? 4 * (g >> 1) : 4 * g))
struct chord_cu_q4_0_split {
    static constexpr int QK = 256, BYTES = 144;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        CHORD_CU_SPLIT_AT(e, 16);
        const float d = chord_cu_ld_f16(b + 128 + 2 * g);
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = __fmul_rn((float)(CHORD_CU_NIB(qs, t, 4 * (g & 1)) - 8), d);
    }
    CHORD_CU_GET1_FROM_GET4
};
struct chord_cu_q4_1_split {
    static constexpr int QK = 256, BYTES = 160;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        CHORD_CU_SPLIT_AT(e, 16);
        const float d = chord_cu_ld_f16(b + 128 + 2 * g), m = chord_cu_ld_f16(b + 144 + 2 * g);
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = __fadd_rn(__fmul_rn((float)CHORD_CU_NIB(qs, t, 4 * (g & 1)), d), m);
    }
    CHORD_CU_GET1_FROM_GET4
};
struct chord_cu_q8_0_split {
    static constexpr int QK = 256, BYTES = 272;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        CHORD_CU_SPLIT_AT(e, 32);
        const float d = chord_cu_ld_f16(b + 256 + 2 * g);
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = __fmul_rn((float)(int8_t)(uint8_t)(qs >> (8 * t)), d);
    }
    CHORD_CU_GET1_FROM_GET4
};
#undef CHORD_CU_SPLIT_AT
static_assert(offsetof(chord_block_q4_0_split, d) == 128 && offsetof(chord_block_q4_1_split, m) == 144 &&
                  offsetof(chord_block_q8_0_split, d) == 256,
              "split layouts");
static_assert(chord_cu_q4_0_split::BYTES == sizeof(chord_block_q4_0_split) &&
                  chord_cu_q4_1_split::BYTES == sizeof(chord_block_q4_1_split) &&
                  chord_cu_q8_0_split::BYTES == sizeof(chord_block_q8_0_split),
              "split sizes agree with types.h");

/* ggml's get_scale_min_k4: 8 (scale, min) pairs of 6 bits packed in 12 bytes. */
static __device__ __forceinline__ void chord_cu_scale_min_k4(int j, const uint8_t *s, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* q4_K: d, dmin, scales[12], qs[128]. Value c*64 + w (w < 64): sub-block s = 2c + (w >= 32), nibble
 * (low for w < 32) of qs[32c + w % 32]; y = (d * sc) * q - (dmin * m) */
struct chord_cu_q4_K {
    static constexpr int QK = 256, BYTES = 144;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK), c = j >> 6, hi = (j >> 5) & 1, l = j & 31;
        int sc, m;
        chord_cu_scale_min_k4(2 * c + hi, b + 4, &sc, &m);
        const float d1 = __fmul_rn(chord_cu_ld_f16(b), (float)sc), m1 = __fmul_rn(chord_cu_ld_f16(b + 2), (float)m);
        const uint32_t q = chord_cu_ld_u32_a2(b + 16 + 32 * c + l);
#pragma unroll
        for (int t = 0; t < 4; t++)
            v[t] = __fsub_rn(__fmul_rn(d1, (float)CHORD_CU_NIB(q, t, 4 * hi)), m1);
    }
    CHORD_CU_GET1_FROM_GET4
};

/* q5_K: d, dmin, scales[12], qh[32], qs[128]. As q4_K plus bit s of qh[w % 32] as the 5th bit. */
struct chord_cu_q5_K {
    static constexpr int QK = 256, BYTES = 176;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK), c = j >> 6, hi = (j >> 5) & 1, l = j & 31, s = 2 * c + hi;
        int sc, m;
        chord_cu_scale_min_k4(s, b + 4, &sc, &m);
        const float d1 = __fmul_rn(chord_cu_ld_f16(b), (float)sc), m1 = __fmul_rn(chord_cu_ld_f16(b + 2), (float)m);
        const uint32_t qh = chord_cu_ld_u32_a2(b + 16 + l), q = chord_cu_ld_u32_a2(b + 48 + 32 * c + l);
#pragma unroll
        for (int t = 0; t < 4; t++) {
            const int qv = CHORD_CU_NIB(q, t, 4 * hi) | (int)((qh >> (8 * t + s)) & 1) << 4;
            v[t] = __fsub_rn(__fmul_rn(d1, (float)qv), m1);
        }
    }
    CHORD_CU_GET1_FROM_GET4
};

/* q6_K: ql[128], qh[64], int8 scales[16], d (at byte 208). Value h*128 + g*32 + l: low 4 bits from
 * ql[64h + l + 32(g & 1)] (high nibble for g >= 2), top 2 bits (qh[32h + l] >> 2g) & 3, scale
 * sc[8h + l/16 + 2g]; y = (d * sc) * (q - 32) */
struct chord_cu_q6_K {
    static constexpr int QK = 256, BYTES = 210;
    static __device__ __forceinline__ void get4(const uint8_t *row, int64_t e, float v[4])
    {
        const uint8_t *b = row + (e / QK) * BYTES;
        const int j = (int)(e % QK), h = j >> 7, g = (j >> 5) & 3, l = j & 31;
        const uint32_t ql = chord_cu_ld_u32_a2(b + 64 * h + l + 32 * (g & 1)), qh = chord_cu_ld_u32_a2(b + 128 + 32 * h + l);
        const int sc = (int8_t)b[192 + 8 * h + l / 16 + 2 * g];
        const float ds = __fmul_rn(chord_cu_ld_f16(b + 208), (float)sc);
        const int shl = g >= 2 ? 4 : 0;
#pragma unroll
        for (int t = 0; t < 4; t++) {
            const int q = (CHORD_CU_NIB(ql, t, shl) | (int)((qh >> (8 * t + 2 * g)) & 3) << 4) - 32;
            v[t] = __fmul_rn(ds, (float)q);
        }
    }
    CHORD_CU_GET1_FROM_GET4
};

/* The byte offsets above, tied to types.h's structs (the one truth for layouts). */
static_assert(offsetof(chord_block_q4_1, qs) == 4 && offsetof(chord_block_q5_0, qs) == 6, "q4_1/q5_0 layout");
static_assert(offsetof(chord_block_q5_1, qh) == 4 && offsetof(chord_block_q5_1, qs) == 8, "q5_1 layout");
static_assert(offsetof(chord_block_q4_K, scales) == 4 && offsetof(chord_block_q4_K, qs) == 16, "q4_K layout");
static_assert(offsetof(chord_block_q5_K, qh) == 16 && offsetof(chord_block_q5_K, qs) == 48, "q5_K layout");
static_assert(offsetof(chord_block_q6_K, qh) == 128 && offsetof(chord_block_q6_K, scales) == 192 &&
                  offsetof(chord_block_q6_K, d) == 208,
              "q6_K layout");
static_assert(chord_cu_q4_0::BYTES == sizeof(chord_block_q4_0) && chord_cu_q4_1::BYTES == sizeof(chord_block_q4_1) &&
                  chord_cu_q5_0::BYTES == sizeof(chord_block_q5_0) && chord_cu_q5_1::BYTES == sizeof(chord_block_q5_1) &&
                  chord_cu_q8_0::BYTES == sizeof(chord_block_q8_0) && chord_cu_q4_K::BYTES == sizeof(chord_block_q4_K) &&
                  chord_cu_q5_K::BYTES == sizeof(chord_block_q5_K) && chord_cu_q6_K::BYTES == sizeof(chord_block_q6_K),
              "block sizes agree with types.h");

/* `case` labels mapping every type with a CUDA decoder to CALL(its struct): the one type switch that
 * dequant and matmul share. Use inside a switch on a chord_type, followed by a default label. */
#define CHORD_CU_TYPE_CASES(CALL)                         \
    case CHORD_TYPE_F32: CALL(chord_cu_f32)               \
    case CHORD_TYPE_F16: CALL(chord_cu_f16)               \
    case CHORD_TYPE_BF16: CALL(chord_cu_bf16)             \
    case CHORD_TYPE_Q4_0: CALL(chord_cu_q4_0)             \
    case CHORD_TYPE_Q4_1: CALL(chord_cu_q4_1)             \
    case CHORD_TYPE_Q5_0: CALL(chord_cu_q5_0)             \
    case CHORD_TYPE_Q5_1: CALL(chord_cu_q5_1)             \
    case CHORD_TYPE_Q8_0: CALL(chord_cu_q8_0)             \
    case CHORD_TYPE_Q4_K: CALL(chord_cu_q4_K)             \
    case CHORD_TYPE_Q5_K: CALL(chord_cu_q5_K)             \
    case CHORD_TYPE_Q6_K: CALL(chord_cu_q6_K)             \
    case CHORD_TYPE_Q4_0_SPLIT: CALL(chord_cu_q4_0_split) \
    case CHORD_TYPE_Q4_1_SPLIT: CALL(chord_cu_q4_1_split) \
    case CHORD_TYPE_Q8_0_SPLIT: CALL(chord_cu_q8_0_split)

#endif
