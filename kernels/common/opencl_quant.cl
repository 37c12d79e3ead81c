/* GGUF block decoding in OpenCL C, the copy of kernels/dequant/ref.c that dequant and matmul share.
 * The unit is a chunk of 8 consecutive values of a row (every block size is a multiple of 8, and 8
 * values of one chunk always share their scales): chord_dq8_<type>(row, c) returns values
 * 8c .. 8c+7 of the row starting at byte pointer row. Arithmetic repeats the reference's float
 * operations in the same order, so results are bit-exact (contraction is off, opencl_common.cl).
 * Blocks are only 2-aligned (18-byte q4_0): reads are bytes, ushorts or chord_rd32.
 * A program selects one type with -DWTYPE_<TYPE>, which defines CHORD_DQ8 and, for types with
 * 1-value blocks (f32, f16, bf16, whose rows may end inside a chunk), CHORD_DQ1(row, i).
 * The split super-blocks (-DWTYPE_<TYPE>_SPLIT, end of this file) are read by lanes, not chunks: they define
 * CHORD_SPLIT and the layout's constants instead of CHORD_DQ8.
 *
 * Versions: v1 decoded a whole block per work-item (32 or 256 values): too many registers for
 * k-quants and uncoalesced; v2 decodes 8-value chunks so neighbouring items read neighbouring
 * bytes of a row; v3 (this) reads the 8 quant bytes of a chunk as 4 ushorts instead of 8 bytes. */

static inline float8 chord_dq8_f32(__global const uchar *row, uint c)
{
    return vload8(c, (__global const float *)row);
}

static inline float8 chord_dq8_f16(__global const uchar *row, uint c)
{
    const __global ushort *h = (const __global ushort *)row + 8 * c;
    return (float8)(chord_f16(h[0]), chord_f16(h[1]), chord_f16(h[2]), chord_f16(h[3]), chord_f16(h[4]),
                    chord_f16(h[5]), chord_f16(h[6]), chord_f16(h[7]));
}

static inline float8 chord_dq8_bf16(__global const uchar *row, uint c)
{
    const __global ushort *h = (const __global ushort *)row + 8 * c;
    return (float8)(chord_bf16(h[0]), chord_bf16(h[1]), chord_bf16(h[2]), chord_bf16(h[3]), chord_bf16(h[4]),
                    chord_bf16(h[5]), chord_bf16(h[6]), chord_bf16(h[7]));
}

/* 8 bytes at a 2-aligned address as 4 ushort loads (half the load instructions of byte loads; a
 * 4-byte load would need 4-byte alignment, which 18-, 22- and 34-byte blocks do not give). */
static inline uint8 chord_bytes8(__global const uchar *p)
{
    const __global ushort *s = (const __global ushort *)p;
    const uint a = s[0], b = s[1], c = s[2], d = s[3];
    return (uint8)(a & 0xffu, a >> 8, b & 0xffu, b >> 8, c & 0xffu, c >> 8, d & 0xffu, d >> 8);
}

/* The 8 nibbles of chunk p (0..3) of a 32-value block: chunks 0, 1 are the low nibbles of qs[0..15],
 * chunks 2, 3 the high nibbles. */
static inline uint8 chord_nib8(__global const uchar *qs, uint p)
{
    return (chord_bytes8(qs + (p & 1) * 8) >> ((p >> 1) * 4)) & (uint8)0xfu;
}

/* Bit j of qh for the 8 values of chunk p: the 5th bit of value 8p + l. */
static inline uint8 chord_qh8(uint qh, uint p)
{
    const uint b = qh >> (8 * p);
    return (uint8)(b, b >> 1, b >> 2, b >> 3, b >> 4, b >> 5, b >> 6, b >> 7) & (uint8)1u;
}

/* q4_0 (18 bytes): f16 d, qs[16]; y = (q - 8) * d */
static inline float8 chord_dq8_q4_0(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 4) * 18;
    const float d = chord_f16(chord_rd16(b));
    return convert_float8(convert_int8(chord_nib8(b + 2, c % 4)) - 8) * d;
}

/* q4_1 (20 bytes): f16 d, f16 m, qs[16]; y = q * d + m */
static inline float8 chord_dq8_q4_1(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 4) * 20;
    const float d = chord_f16(chord_rd16(b)), m = chord_f16(chord_rd16(b + 2));
    return convert_float8(chord_nib8(b + 4, c % 4)) * d + m;
}

/* q5_0 (22 bytes): f16 d, qh[4], qs[16]; y = (q - 16) * d, q = nibble | bit j of qh << 4 */
static inline float8 chord_dq8_q5_0(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 4) * 22;
    const uint p = c % 4;
    const float d = chord_f16(chord_rd16(b));
    const uint8 q = chord_nib8(b + 6, p) | (chord_qh8(chord_rd32(b + 2), p) << 4);
    return convert_float8(convert_int8(q) - 16) * d;
}

/* q5_1 (24 bytes): f16 d, f16 m, qh[4], qs[16]; y = q * d + m */
static inline float8 chord_dq8_q5_1(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 4) * 24;
    const uint p = c % 4;
    const float d = chord_f16(chord_rd16(b)), m = chord_f16(chord_rd16(b + 2));
    const uint8 q = chord_nib8(b + 8, p) | (chord_qh8(chord_rd32(b + 4), p) << 4);
    return convert_float8(q) * d + m;
}

/* q8_0 (34 bytes): f16 d, int8 qs[32]; y = q * d */
static inline float8 chord_dq8_q8_0(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 4) * 34;
    const float d = chord_f16(chord_rd16(b));
    const int8 q = (convert_int8(chord_bytes8(b + 2 + (c % 4) * 8)) ^ 0x80) - 0x80; /* sign-extend the bytes */
    return convert_float8(q) * d;
}

/* 6-bit (scale, min) pair j of the 12 scale bytes of q4_K/q5_K (ggml's get_scale_min_k4). */
static inline uint2 chord_scale_min_k4(uint j, __global const uchar *s)
{
    if (j < 4)
        return (uint2)(s[j] & 63u, s[j + 4] & 63u);
    return (uint2)((s[j + 4] & 0x0fu) | ((uint)(s[j - 4] >> 6) << 4), (uint)(s[j + 4] >> 4) | ((uint)(s[j] >> 6) << 4));
}

/* q4_K (144 bytes): f16 d, f16 dmin, scales[12], qs[128]. Value v of the block: i = v / 64 picks 32 qs
 * bytes, the first 32 values of those 64 are low nibbles (sub-block 2i), the next 32 high (2i+1).
 * y = (d * sc) * q - dmin * m */
static inline float8 chord_dq8_q4_K(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 32) * 144;
    const uint v = (c % 32) * 8, i = v / 64, hi = (v / 32) & 1, l0 = v % 32;
    const float d = chord_f16(chord_rd16(b)), dmin = chord_f16(chord_rd16(b + 2));
    const uint2 sm = chord_scale_min_k4(2 * i + hi, b + 4);
    const float d1 = d * (float)sm.x, m1 = dmin * (float)sm.y;
    const uint8 n = (chord_bytes8(b + 16 + i * 32 + l0) >> (hi * 4)) & (uint8)0xfu;
    return d1 * convert_float8(n) - m1;
}

/* q5_K (176 bytes): f16 d, f16 dmin, scales[12], qh[32], qs[128]. As q4_K plus a 5th bit: value l of
 * sub-block s takes bit s of qh[l]. */
static inline float8 chord_dq8_q5_K(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 32) * 176;
    const uint v = (c % 32) * 8, i = v / 64, hi = (v / 32) & 1, l0 = v % 32;
    const float d = chord_f16(chord_rd16(b)), dmin = chord_f16(chord_rd16(b + 2));
    const uint s = 2 * i + hi;
    const uint2 sm = chord_scale_min_k4(s, b + 4);
    const float d1 = d * (float)sm.x, m1 = dmin * (float)sm.y;
    const uint8 n = (chord_bytes8(b + 48 + i * 32 + l0) >> (hi * 4)) & (uint8)0xfu;
    const uint8 h = (chord_bytes8(b + 16 + l0) >> s) & (uint8)1u;
    return d1 * convert_float8(n | (h << 4)) - m1;
}

/* q6_K (210 bytes): ql[128], qh[64], int8 scales[16], f16 d. Value v: half h = v / 128, group
 * g = (v % 128) / 32, l = v % 32; low 4 bits from ql[64h + l + 32(g & 1)] (high nibble for g >= 2),
 * top 2 bits from qh[32h + l] >> 2g, scale sc[8h + l / 16 + 2g]. y = d * sc * (q - 32) */
static inline float8 chord_dq8_q6_K(__global const uchar *row, uint c)
{
    const __global uchar *b = row + (c / 32) * 210;
    const uint v = (c % 32) * 8, h = v / 128, g = (v % 128) / 32, l0 = v % 32;
    const float d = chord_f16(chord_rd16(b + 208));
    const float dsc = d * (float)((const __global char *)b)[192 + 8 * h + l0 / 16 + 2 * g];
    const uint8 lo = (chord_bytes8(b + 64 * h + l0 + 32 * (g & 1)) >> ((g >> 1) * 4)) & (uint8)0xfu;
    const uint8 hb = (chord_bytes8(b + 128 + 32 * h + l0) >> (2 * g)) & (uint8)3u;
    return dsc * convert_float8(convert_int8(lo | (hb << 4)) - 32);
}

#if defined(WTYPE_F32)
#define CHORD_DQ8 chord_dq8_f32
#define CHORD_DQ1(row, i) (((__global const float *)(row))[i])
#elif defined(WTYPE_F16)
#define CHORD_DQ8 chord_dq8_f16
#define CHORD_DQ1(row, i) chord_f16(((__global const ushort *)(row))[i])
#elif defined(WTYPE_BF16)
#define CHORD_DQ8 chord_dq8_bf16
#define CHORD_DQ1(row, i) chord_bf16(((__global const ushort *)(row))[i])
#elif defined(WTYPE_Q4_0)
#define CHORD_DQ8 chord_dq8_q4_0
#elif defined(WTYPE_Q4_1)
#define CHORD_DQ8 chord_dq8_q4_1
#elif defined(WTYPE_Q5_0)
#define CHORD_DQ8 chord_dq8_q5_0
#elif defined(WTYPE_Q5_1)
#define CHORD_DQ8 chord_dq8_q5_1
#elif defined(WTYPE_Q8_0)
#define CHORD_DQ8 chord_dq8_q8_0
#elif defined(WTYPE_Q4_K)
#define CHORD_DQ8 chord_dq8_q4_K
#elif defined(WTYPE_Q5_K)
#define CHORD_DQ8 chord_dq8_q5_K
#elif defined(WTYPE_Q6_K)
#define CHORD_DQ8 chord_dq8_q6_K
#endif

/* ---- the split super-blocks (kernels/common/types.h, decoded by kernels/dequant/ref.c) ----
 * 256 values, every quant first and the 8 f16 scales d[g] after them (q4_1: then the 8 f16 mins m[g]); 144, 160 or
 * 272 bytes, so each quant run and scale run of a 16-aligned row is 16-aligned. Value v = 32 g + 4 j + t lives in
 * "lane" j's 16 (q4) or 32 (q8) bytes as byte t of word g / 2 (q4: low nibble for even g, high for odd g) or of
 * word g (q8). A reader of lane j takes its quants as CHORD_SPLIT_QW 16-byte words and gets 4 consecutive values
 * of each of the 8 blocks; 8 readers side by side cover 32 consecutive values per block.
 * Each weight is an integer w = q - 8 (q4_0), q (q4_1) or the int8 q (q8_0) times d[g] (+ m[g]); the bytes become
 * floats without a conversion instruction: 0x4b000000 | byte is the float 2^23 + byte, exactly, and subtracting
 * CHORD_SPLIT_OFF = 2^23 + the format's zero point leaves w exactly (q8_0's bytes have their sign bit flipped
 * first, so byte = q + 128). */
#if defined(WTYPE_Q4_0_SPLIT) || defined(WTYPE_Q4_1_SPLIT) || defined(WTYPE_Q8_0_SPLIT)
#define CHORD_SPLIT 1
#endif
#if defined(WTYPE_Q4_0_SPLIT)
#define CHORD_SPLIT_BYTES 144   /* bytes per super-block */
#define CHORD_SPLIT_QW 1        /* 16-byte quant words per lane */
#define CHORD_SPLIT_SOFF 128    /* offset of the scale run d[8] */
#define CHORD_SPLIT_HAS_M 0     /* q4_1's mins m[8] follow d[8] */
#define CHORD_SPLIT_OFF 8388616.0f /* 2^23 + 8 */
#elif defined(WTYPE_Q4_1_SPLIT)
#define CHORD_SPLIT_BYTES 160
#define CHORD_SPLIT_QW 1
#define CHORD_SPLIT_SOFF 128
#define CHORD_SPLIT_HAS_M 1
#define CHORD_SPLIT_OFF 8388608.0f /* 2^23 */
#elif defined(WTYPE_Q8_0_SPLIT)
#define CHORD_SPLIT_BYTES 272
#define CHORD_SPLIT_QW 2
#define CHORD_SPLIT_SOFF 256
#define CHORD_SPLIT_HAS_M 0
#define CHORD_SPLIT_OFF 8388736.0f /* 2^23 + 128 */
#endif

#ifdef CHORD_SPLIT
#define CHORD_SPLIT_NS (1 + CHORD_SPLIT_HAS_M) /* 16-byte scale runs: d[8] (, m[8]) */

/* 16 bytes at a 2-aligned address as 8 ushort loads, for rows whose buffer offset is not 16-aligned. */
static inline uint4 chord_ld16_2(__global const uchar *p)
{
    return as_uint4(vload8(0, (__global const ushort *)p));
}

/* 16 bytes at a 16-aligned address: one vector load. */
static inline uint4 chord_ld16(__global const uchar *p)
{
    return *(__global const uint4 *)p;
}

static inline uint chord_word(uint4 v, int i)
{
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

/* The 4 bytes of block g (0..7) in lane j's quant words q[0 .. CHORD_SPLIT_QW): byte t holds value 32 g + 4 j + t,
 * in 0..15 (q4) or as q + 128 (q8). */
static inline uint chord_split_word(const uint4 *q, int g)
{
#if CHORD_SPLIT_QW == 1
    return (chord_word(q[0], g >> 1) >> ((g & 1) * 4)) & 0x0f0f0f0fu;
#else
    return chord_word(q[g >> 2], g & 3) ^ 0x80808080u;
#endif
}

/* Byte t of w as the float 2^23 + byte, exactly. */
static inline float chord_u8f(uint w, int t)
{
    return as_float(0x4b000000u | ((w >> (8 * t)) & 0xffu));
}

/* The 4 integer weights of a word of chord_split_word as floats, exactly (q - 8, q or the int8 q). */
static inline float4 chord_split_ints(uint w)
{
    return (float4)(chord_u8f(w, 0), chord_u8f(w, 1), chord_u8f(w, 2), chord_u8f(w, 3)) - CHORD_SPLIT_OFF;
}
#endif
