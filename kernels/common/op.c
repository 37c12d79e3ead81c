/* The helpers op descriptors share: the seeded generator, fills valid for each type, byte counts. */
#include "op.h"

#include <string.h>

uint64_t chord_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float chord_rand_uniform(uint64_t *state, float lo, float hi)
{
    return lo + (hi - lo) * (float)((chord_rand_next(state) >> 40) * (1.0 / 16777216.0));
}

void chord_fill_f32(float *x, int64_t n, uint64_t *rng, float lo, float hi)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = chord_rand_uniform(rng, lo, hi);
}

void chord_fill_quant(chord_type type, int64_t n, unsigned char *dst, uint64_t *rng)
{
    size_t bytes = chord_type_row_bytes(type, n);
    for (size_t i = 0; i < bytes; i++)
        dst[i] = (unsigned char)chord_rand_next(rng);
    const chord_type_traits *traits = chord_type_info(type);
    int64_t blocks = n / traits->block_size;
    for (int64_t b = 0; b < blocks; b++) {
        unsigned char *blk = dst + b * traits->type_size;
        chord_f16 scale[2] = {chord_f32_to_f16(chord_rand_uniform(rng, 0.002f, 0.1f)),
                              chord_f32_to_f16(chord_rand_uniform(rng, -0.1f, 0.1f))};
        switch (type) {
        case CHORD_TYPE_Q4_0:
        case CHORD_TYPE_Q5_0:
        case CHORD_TYPE_Q8_0: memcpy(blk, scale, 2); break;
        case CHORD_TYPE_Q4_1:
        case CHORD_TYPE_Q5_1: memcpy(blk, scale, 4); break;
        case CHORD_TYPE_Q4_K:
        case CHORD_TYPE_Q5_K: /* d, dmin; sub-block scales are 6-bit ints */
            scale[0] = chord_f32_to_f16(chord_rand_uniform(rng, 0.0005f, 0.003f));
            scale[1] = chord_f32_to_f16(chord_rand_uniform(rng, 0.0f, 0.003f));
            memcpy(blk, scale, 4);
            break;
        case CHORD_TYPE_Q6_K: /* d last; scales are int8 */
            scale[0] = chord_f32_to_f16(chord_rand_uniform(rng, 0.0002f, 0.0008f));
            memcpy(blk + traits->type_size - 2, scale, 2);
            break;
        case CHORD_TYPE_Q4_0_SPLIT:
        case CHORD_TYPE_Q4_1_SPLIT:
        case CHORD_TYPE_Q8_0_SPLIT: {
            /* 8 scales d after the quants (128 or 256 bytes), q4_1's 8 m after those */
            const size_t at = type == CHORD_TYPE_Q8_0_SPLIT ? 256 : 128;
            for (int g = 0; g < 8; g++) {
                const chord_f16 d = chord_f32_to_f16(chord_rand_uniform(rng, 0.002f, 0.1f)),
                                mn = chord_f32_to_f16(chord_rand_uniform(rng, -0.1f, 0.1f));
                memcpy(blk + at + 2 * g, &d, 2);
                if (type == CHORD_TYPE_Q4_1_SPLIT)
                    memcpy(blk + at + 16 + 2 * g, &mn, 2);
            }
            break;
        }
        default: break;
        }
    }
}

void chord_fill_weights(chord_type type, int64_t n, void *dst, uint64_t *rng)
{
    if (type == CHORD_TYPE_F32) {
        chord_fill_f32(dst, n, rng, -1, 1);
    } else if (type == CHORD_TYPE_F16 || type == CHORD_TYPE_BF16) {
        uint16_t *h = dst;
        for (int64_t j = 0; j < n; j++) {
            float v = chord_rand_uniform(rng, -1, 1);
            h[j] = type == CHORD_TYPE_F16 ? chord_f32_to_f16(v) : chord_f32_to_bf16(v);
        }
    } else {
        chord_fill_quant(type, n, dst, rng);
    }
}

size_t chord_f32_bytes(int64_t n) { return n > 0 ? (size_t)n * sizeof(float) : 0; }

int chord_whole_blocks(chord_type type, int64_t n)
{
    const chord_type_traits *traits = chord_type_info(type);
    return traits->block_size == 0 || n % traits->block_size == 0;
}

const char *chord_elementwise_check(const void *args)
{
    return ((const chord_elementwise_args *)args)->n < 0 ? "negative n" : NULL;
}

size_t chord_elementwise_bytes(const void *args, int i)
{
    (void)i;
    return chord_f32_bytes(((const chord_elementwise_args *)args)->n);
}
