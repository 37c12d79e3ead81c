/* dequant reference: GGUF blocks to f32, the definition every API's dequant is checked against.
 * Each format follows ggml's dequantize_row_* arithmetic in float (same operations, same order),
 * so results are bit-exact with it. Bytes are read explicitly little-endian through a byte
 * pointer because rows of 18-byte q4_0 blocks may start at addresses that are only 2-aligned. */
#include <string.h>

#include "dequant.h"
#include "../common/ref_launch.h"

static float rd_f16(const uint8_t *p) { return chord_f16_to_f32((chord_f16)(p[0] | p[1] << 8)); }

/* q4_0 (18 bytes): f16 d, qs[16]; value j < 16 is the low nibble of qs[j], j >= 16 the high nibble of qs[j-16] */
static void q4_0(const uint8_t *b, float *y)
{
    const float d = rd_f16(b);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < 16; j++) {
        y[j] = (float)((qs[j] & 0x0f) - 8) * d;
        y[j + 16] = (float)((qs[j] >> 4) - 8) * d;
    }
}

/* q4_1 (20 bytes): f16 d, f16 m, qs[16]; y = q * d + m */
static void q4_1(const uint8_t *b, float *y)
{
    const float d = rd_f16(b), m = rd_f16(b + 2);
    const uint8_t *qs = b + 4;
    for (int j = 0; j < 16; j++) {
        y[j] = (float)(qs[j] & 0x0f) * d + m;
        y[j + 16] = (float)(qs[j] >> 4) * d + m;
    }
}

/* The 5th bit of value j (0..31) is bit j of qh read as a little-endian uint32. */
static uint32_t rd_qh(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* q5_0 (22 bytes): f16 d, qh[4], qs[16]; y = (q - 16) * d */
static void q5_0(const uint8_t *b, float *y)
{
    const float d = rd_f16(b);
    const uint32_t qh = rd_qh(b + 2);
    const uint8_t *qs = b + 6;
    for (int j = 0; j < 16; j++) {
        const int h0 = (qh >> j) & 1, h1 = (qh >> (j + 16)) & 1;
        y[j] = (float)(((qs[j] & 0x0f) | h0 << 4) - 16) * d;
        y[j + 16] = (float)(((qs[j] >> 4) | h1 << 4) - 16) * d;
    }
}

/* q5_1 (24 bytes): f16 d, f16 m, qh[4], qs[16]; y = q * d + m */
static void q5_1(const uint8_t *b, float *y)
{
    const float d = rd_f16(b), m = rd_f16(b + 2);
    const uint32_t qh = rd_qh(b + 4);
    const uint8_t *qs = b + 8;
    for (int j = 0; j < 16; j++) {
        const int h0 = (qh >> j) & 1, h1 = (qh >> (j + 16)) & 1;
        y[j] = (float)((qs[j] & 0x0f) | h0 << 4) * d + m;
        y[j + 16] = (float)((qs[j] >> 4) | h1 << 4) * d + m;
    }
}

/* q8_0 (34 bytes): f16 d, int8 qs[32]; y = q * d */
static void q8_0(const uint8_t *b, float *y)
{
    const float d = rd_f16(b);
    for (int j = 0; j < 32; j++)
        y[j] = (float)(int8_t)b[2 + j] * d;
}

/* The 12 scale bytes of q4_K/q5_K hold 8 (scale, min) pairs of 6 bits (ggml's get_scale_min_k4):
 * pairs 0..3 are the low 6 bits of bytes j and j+4; pairs 4..7 take their low 4 bits from
 * byte j+4 (scale: low nibble, min: high nibble) and their top 2 bits from the top of bytes j-4 and j. */
static void scale_min_k4(int j, const uint8_t *s, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* Sub-block j's scale and min with the super-block's d and dmin applied: its values are ds * q - ms. */
static void sub_block_k4(int j, const uint8_t *scales, float d, float dmin, float *ds, float *ms)
{
    int sc, m;
    scale_min_k4(j, scales, &sc, &m);
    *ds = d * (float)sc;
    *ms = dmin * (float)m;
}

/* q4_K (144 bytes): f16 d, f16 dmin, scales[12], qs[128]. Each 64 values use 32 qs bytes:
 * the first 32 values are their low nibbles (sub-block 2i), the next 32 the high nibbles (2i+1).
 * y = d * sc * q - dmin * m */
static void q4_K(const uint8_t *b, float *y)
{
    const float d = rd_f16(b), dmin = rd_f16(b + 2);
    const uint8_t *scales = b + 4, *q = b + 16;
    for (int i = 0; i < 4; i++, q += 32, y += 64) {
        float d1, m1, d2, m2;
        sub_block_k4(2 * i, scales, d, dmin, &d1, &m1);
        sub_block_k4(2 * i + 1, scales, d, dmin, &d2, &m2);
        for (int l = 0; l < 32; l++) {
            y[l] = d1 * (float)(q[l] & 0x0f) - m1;
            y[l + 32] = d2 * (float)(q[l] >> 4) - m2;
        }
    }
}

/* q5_K (176 bytes): f16 d, f16 dmin, scales[12], qh[32], qs[128]. As q4_K, plus a 5th bit:
 * value l of sub-block s (0..7) takes bit s of qh[l]. */
static void q5_K(const uint8_t *b, float *y)
{
    const float d = rd_f16(b), dmin = rd_f16(b + 2);
    const uint8_t *scales = b + 4, *qh = b + 16, *q = b + 48;
    for (int i = 0; i < 4; i++, q += 32, y += 64) {
        float d1, m1, d2, m2;
        sub_block_k4(2 * i, scales, d, dmin, &d1, &m1);
        sub_block_k4(2 * i + 1, scales, d, dmin, &d2, &m2);
        for (int l = 0; l < 32; l++) {
            const int h1 = (qh[l] >> (2 * i)) & 1, h2 = (qh[l] >> (2 * i + 1)) & 1;
            y[l] = d1 * (float)((q[l] & 0x0f) | h1 << 4) - m1;
            y[l + 32] = d2 * (float)((q[l] >> 4) | h2 << 4) - m2;
        }
    }
}

/* q6_K (210 bytes): ql[128], qh[64], int8 scales[16], f16 d (last). Each 128 values use 64 ql,
 * 32 qh and 8 scales: value l + 32 * g (g = 0..3, l = 0..31) has low 4 bits from ql[l + 32 * (g & 1)]
 * (low nibble for g < 2, high for g >= 2), high 2 bits from qh[l] >> 2g, and scale sc[l / 16 + 2g].
 * y = d * sc * (q - 32) */
static void q6_K(const uint8_t *b, float *y)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    const float d = rd_f16(b + 208);
    for (int h = 0; h < 2; h++, ql += 64, qh += 32, sc += 8, y += 128) {
        for (int l = 0; l < 32; l++) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0x0f) | ((qh[l] >> 0) & 3) << 4) - 32;
            const int q2 = ((ql[l + 32] & 0x0f) | ((qh[l] >> 2) & 3) << 4) - 32;
            const int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
            const int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
            y[l] = d * (float)sc[is + 0] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
    }
}

/* The split super-blocks (types.h): value 32 g + 4 j + t is byte t of word g / 2 of lane j's 16 bytes (q4: low
 * nibble for even g) or of word g of its 32 (q8); scales d[g] (and q4_1's m[g]) follow the quants. Same arithmetic
 * as the GGUF blocks above, so the values are bit-identical to the file's. */
static int split_q4(const uint8_t *b, int g, int j, int t)
{
    return (b[16 * j + 4 * (g >> 1) + t] >> (g & 1 ? 4 : 0)) & 0x0f;
}

static void q4_0_split(const uint8_t *b, float *y)
{
    for (int g = 0; g < 8; g++) {
        const float d = rd_f16(b + 128 + 2 * g);
        for (int j = 0; j < 8; j++)
            for (int t = 0; t < 4; t++)
                y[32 * g + 4 * j + t] = (float)(split_q4(b, g, j, t) - 8) * d;
    }
}

static void q4_1_split(const uint8_t *b, float *y)
{
    for (int g = 0; g < 8; g++) {
        const float d = rd_f16(b + 128 + 2 * g), m = rd_f16(b + 144 + 2 * g);
        for (int j = 0; j < 8; j++)
            for (int t = 0; t < 4; t++)
                y[32 * g + 4 * j + t] = (float)split_q4(b, g, j, t) * d + m;
    }
}

static void q8_0_split(const uint8_t *b, float *y)
{
    for (int g = 0; g < 8; g++) {
        const float d = rd_f16(b + 256 + 2 * g);
        for (int j = 0; j < 8; j++)
            for (int t = 0; t < 4; t++)
                y[32 * g + 4 * j + t] = (float)(int8_t)b[32 * j + 4 * g + t] * d;
    }
}

typedef void (*block_fn)(const uint8_t *b, float *y);

static block_fn block_fn_of(chord_type type)
{
    switch (type) {
    case CHORD_TYPE_Q4_0: return q4_0;
    case CHORD_TYPE_Q4_1: return q4_1;
    case CHORD_TYPE_Q5_0: return q5_0;
    case CHORD_TYPE_Q5_1: return q5_1;
    case CHORD_TYPE_Q8_0: return q8_0;
    case CHORD_TYPE_Q4_K: return q4_K;
    case CHORD_TYPE_Q5_K: return q5_K;
    case CHORD_TYPE_Q6_K: return q6_K;
    case CHORD_TYPE_Q4_0_SPLIT: return q4_0_split;
    case CHORD_TYPE_Q4_1_SPLIT: return q4_1_split;
    case CHORD_TYPE_Q8_0_SPLIT: return q8_0_split;
    default: return NULL;
    }
}

int chord_dequant_supported(chord_type type)
{
    return type == CHORD_TYPE_F32 || type == CHORD_TYPE_F16 || type == CHORD_TYPE_BF16 || block_fn_of(type) != NULL;
}

int chord_dequant_reference(const void *src, float *dst, const chord_dequant_args *a)
{
    const uint8_t *s = src; /* (n / block_size) blocks */
    const int64_t n = a->n;
    if (!chord_dequant_supported(a->type) || n < 0)
        return -1;
    const chord_type_traits *t = chord_type_info(a->type);
    if (n % t->block_size != 0)
        return -1;
    switch (a->type) {
    case CHORD_TYPE_F32: memcpy(dst, s, (size_t)n * sizeof(float)); return 0;
    case CHORD_TYPE_F16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = rd_f16(s + 2 * i);
        return 0;
    case CHORD_TYPE_BF16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = chord_bf16_to_f32((chord_bf16)(s[2 * i] | s[2 * i + 1] << 8));
        return 0;
    default: {
        const block_fn fn = block_fn_of(a->type);
        for (int64_t i = 0; i < n / t->block_size; i++)
            fn(s + (size_t)i * t->type_size, dst + i * t->block_size);
        return 0;
    }
    }
}

chord_status chord_dequant_ref(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_dequant_args *a = args;
    (void)ctx;
    if (!chord_dequant_supported(a->type))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref dequant: type %s", chord_type_info(a->type)->name);
    if (t && chord_dequant_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), a) != 0) /* SRC, DST (n) f32 */
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref: dequant of this type or size is not supported");
    return CHORD_OK;
}
