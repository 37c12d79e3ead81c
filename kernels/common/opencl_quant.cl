/* GGUF block decoding in OpenCL C, the copy of kernels/dequant/ref.c that dequant and matmul share.
 * The unit is a chunk of 8 consecutive values of a row (every block size is a multiple of 8, and 8
 * values of one chunk always share their scales): chord_dq8_<type>(row, c) returns values
 * 8c .. 8c+7 of the row starting at byte pointer row. Arithmetic repeats the reference's float
 * operations in the same order, so results are bit-exact (contraction is off, opencl_common.cl).
 * Blocks are only 2-aligned (18-byte q4_0): reads are bytes, ushorts or chord_rd32.
 * A program selects one type with -DWTYPE_<TYPE>, which defines CHORD_DQ8 and, for types with
 * 1-value blocks (f32, f16, bf16, whose rows may end inside a chunk), CHORD_DQ1(row, i).
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
