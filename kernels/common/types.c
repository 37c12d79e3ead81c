/* Type traits and the f16/bf16 conversions the references and the host side share. */
#include "types.h"

#include <string.h>

static const chord_type_traits traits[CHORD_TYPE_COUNT] = {
    [CHORD_TYPE_F32] = {"f32", 1, 4, 0},
    [CHORD_TYPE_F16] = {"f16", 1, 2, 0},
    [CHORD_TYPE_Q4_0] = {"q4_0", CHORD_QK4_0, sizeof(chord_block_q4_0), 0},
    [CHORD_TYPE_Q4_1] = {"q4_1", CHORD_QK4_1, sizeof(chord_block_q4_1), 0},
    [CHORD_TYPE_Q5_0] = {"q5_0", CHORD_QK5_0, sizeof(chord_block_q5_0), 0},
    [CHORD_TYPE_Q5_1] = {"q5_1", CHORD_QK5_1, sizeof(chord_block_q5_1), 0},
    [CHORD_TYPE_Q8_0] = {"q8_0", CHORD_QK8_0, sizeof(chord_block_q8_0), 0},
    [CHORD_TYPE_Q4_K] = {"q4_K", CHORD_QK_K, sizeof(chord_block_q4_K), 0},
    [CHORD_TYPE_Q5_K] = {"q5_K", CHORD_QK_K, sizeof(chord_block_q5_K), 0},
    [CHORD_TYPE_Q6_K] = {"q6_K", CHORD_QK_K, sizeof(chord_block_q6_K), 0},
    [CHORD_TYPE_BF16] = {"bf16", 1, 2, 0},
    [CHORD_TYPE_Q4_0_SPLIT] = {"q4_0_split", CHORD_QK_SPLIT, sizeof(chord_block_q4_0_split), 1},
    [CHORD_TYPE_Q4_1_SPLIT] = {"q4_1_split", CHORD_QK_SPLIT, sizeof(chord_block_q4_1_split), 1},
    [CHORD_TYPE_Q8_0_SPLIT] = {"q8_0_split", CHORD_QK_SPLIT, sizeof(chord_block_q8_0_split), 1},
};

static const chord_type_traits unsupported = {"unsupported", 0, 0, 0};

const chord_type_traits *chord_type_info(int type)
{
    if (type < 0 || type >= CHORD_TYPE_COUNT || traits[type].block_size == 0)
        return &unsupported;
    return &traits[type];
}

size_t chord_type_row_bytes(int type, int64_t n)
{
    const chord_type_traits *t = chord_type_info(type);
    if (t->block_size == 0 || n < 0 || n % t->block_size != 0)
        return 0;
    return (size_t)(n / t->block_size) * t->type_size;
}

int chord_type_from_name(const char *name)
{
    for (int i = 0; i < CHORD_TYPE_COUNT; i++)
        if (traits[i].block_size && strcasecmp(traits[i].name, name) == 0)
            return i;
    return -1;
}

int chord_type_split_of(chord_type type)
{
    return type == CHORD_TYPE_Q4_0   ? CHORD_TYPE_Q4_0_SPLIT
           : type == CHORD_TYPE_Q4_1 ? CHORD_TYPE_Q4_1_SPLIT
           : type == CHORD_TYPE_Q8_0 ? CHORD_TYPE_Q8_0_SPLIT
                                     : -1;
}

static uint32_t rd32(const uint8_t *p) /* little-endian, any alignment */
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* One super-block of 8 GGUF 4-bit blocks (block bytes `bb`, quants at `qoff`, `ns` f16 scales first). GGUF value
 * i of a block is the low nibble of qs[i] for i < 16, else the high nibble of qs[i - 16]; values 4 j .. 4 j + 3 of
 * blocks 2 w and 2 w + 1 become word w of lane j, low and high nibbles. */
static void repack_q4(const uint8_t *src, uint8_t *dst, size_t bb, int qoff, int ns)
{
    for (int w = 0; w < 4; w++) {
        const uint8_t *b0 = src + (size_t)(2 * w) * bb + qoff, *b1 = b0 + bb;
        for (int j = 0; j < 8; j++) {
            const int sh = j < 4 ? 0 : 4, i = 4 * (j & 3);
            const uint32_t lo = rd32(b0 + i) >> sh & 0x0f0f0f0fu, hi = rd32(b1 + i) >> sh & 0x0f0f0f0fu;
            wr32(dst + 16 * j + 4 * w, lo | hi << 4);
        }
    }
    for (int g = 0; g < 8; g++)
        for (int s = 0; s < ns; s++)
            memcpy(dst + 128 + 16 * s + 2 * g, src + (size_t)g * bb + 2 * s, 2);
}

int chord_type_split_repack(chord_type type, const void *src, void *dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    if (n < 0 || n % CHORD_QK_SPLIT != 0 || chord_type_split_of(type) < 0)
        return -1;
    const size_t bb = chord_type_info(type)->type_size, sb = chord_type_info(chord_type_split_of(type))->type_size;
    for (int64_t i = 0; i < n / CHORD_QK_SPLIT; i++, s += 8 * bb, d += sb) {
        if (type == CHORD_TYPE_Q4_0) {
            repack_q4(s, d, bb, 2, 1);
        } else if (type == CHORD_TYPE_Q4_1) {
            repack_q4(s, d, bb, 4, 2);
        } else { /* q8_0: values 4 j .. 4 j + 3 of block g are word g of lane j */
            for (int g = 0; g < 8; g++) {
                for (int j = 0; j < 8; j++)
                    memcpy(d + 32 * j + 4 * g, s + (size_t)g * bb + 2 + 4 * j, 4);
                memcpy(d + 256 + 2 * g, s + (size_t)g * bb, 2);
            }
        }
    }
    return 0;
}

/* A float's bits and back (memcpy: no aliasing rules broken). */
static uint32_t f32_bits(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    return x;
}

static float f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float chord_f16_to_f32(chord_f16 h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal: normalize */
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) {
                mant <<= 1;
                exp--;
            }
            bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    return f32_from_bits(bits);
}

chord_f16 chord_f32_to_f16(float f)
{
    uint32_t x = f32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u)
        return (chord_f16)(sign | 0x7e00); /* NaN */
    if (absx >= 0x477ff000u)
        return (chord_f16)(sign | 0x7c00); /* overflow to inf */
    if (absx < 0x38800000u) {              /* subnormal or zero in f16 */
        if (absx < 0x33000000u)
            return (chord_f16)sign;
        uint32_t mant = (absx & 0x7fffff) | 0x800000;
        int shift = 126 - (int)(absx >> 23); /* 14..24 */
        uint32_t half = mant >> shift;
        uint32_t rem = mant & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1)))
            half++;
        return (chord_f16)(sign | half);
    }
    uint32_t h = ((absx >> 13) - ((127 - 15) << 10));
    uint32_t rem = absx & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
        h++;
    return (chord_f16)(sign | h);
}

float chord_bf16_to_f32(chord_bf16 h)
{
    uint32_t bits = (uint32_t)h << 16;
    return f32_from_bits(bits);
}

chord_bf16 chord_f32_to_bf16(float f)
{
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (chord_bf16)((x >> 16) | 0x40);
    x += 0x7fff + ((x >> 16) & 1);
    return (chord_bf16)(x >> 16);
}
