/* Type traits and the f16/bf16 conversions the references and the host side share. */
#include "types.h"

#include <string.h>

static const chord_type_traits traits[CHORD_TYPE_COUNT] = {
    [CHORD_TYPE_F32] = {"f32", 1, 4},
    [CHORD_TYPE_F16] = {"f16", 1, 2},
    [CHORD_TYPE_Q4_0] = {"q4_0", CHORD_QK4_0, sizeof(chord_block_q4_0)},
    [CHORD_TYPE_Q4_1] = {"q4_1", CHORD_QK4_1, sizeof(chord_block_q4_1)},
    [CHORD_TYPE_Q5_0] = {"q5_0", CHORD_QK5_0, sizeof(chord_block_q5_0)},
    [CHORD_TYPE_Q5_1] = {"q5_1", CHORD_QK5_1, sizeof(chord_block_q5_1)},
    [CHORD_TYPE_Q8_0] = {"q8_0", CHORD_QK8_0, sizeof(chord_block_q8_0)},
    [CHORD_TYPE_Q4_K] = {"q4_K", CHORD_QK_K, sizeof(chord_block_q4_K)},
    [CHORD_TYPE_Q5_K] = {"q5_K", CHORD_QK_K, sizeof(chord_block_q5_K)},
    [CHORD_TYPE_Q6_K] = {"q6_K", CHORD_QK_K, sizeof(chord_block_q6_K)},
    [CHORD_TYPE_BF16] = {"bf16", 1, 2},
};

static const chord_type_traits unsupported = {"unsupported", 0, 0};

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
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

chord_f16 chord_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u)
        return (chord_f16)(sign | 0x7e00); /* NaN */
    if (absx >= 0x477ff000u)
        return (chord_f16)(sign | 0x7c00); /* overflow to inf */
    if (absx < 0x38800000u) {          /* subnormal or zero in f16 */
        if (absx < 0x33000000u)
            return (chord_f16)sign;
        uint32_t mant = (absx & 0x7fffff) | 0x800000;
        int shift = 126 - (int)(absx >> 23);   /* 14..24 */
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
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

chord_bf16 chord_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (chord_bf16)((x >> 16) | 0x40);
    x += 0x7fff + ((x >> 16) & 1);
    return (chord_bf16)(x >> 16);
}
