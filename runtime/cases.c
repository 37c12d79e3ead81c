/* The case table and, per op, how its tensors are sized, filled and checked. */
#include "cases.h"

#include <math.h>
#include <string.h>

#define S CHORD_CASE_SMALL
#define L CHORD_CASE_LARGE
#define H CHORD_CASE_HUGE
#define MM(op_, name_, size_, m_, n_, k_, t_) \
    {.op = CHORD_OP_##op_, .name = name_, .size = size_, .a.matmul = {m_, n_, k_, CHORD_TYPE_##t_}}
#define NORM(name_, size_, ip, r, c) \
    {.op = CHORD_OP_RMSNORM, .name = name_, .size = size_, .inplace = ip, .a.rmsnorm = {r, c, 1e-5f}}
#define SOFTMAX(name_, size_, ip, r, c, sc, causal, pos0, rpp) \
    {.op = CHORD_OP_SOFTMAX, .name = name_, .size = size_, .inplace = ip, .a.softmax = {r, c, sc, causal, pos0, rpp}}
#define ROPE(name_, size_, ip, t, h, d, rot, mode, pos0) \
    {.op = CHORD_OP_ROPE, .name = name_, .size = size_, .inplace = ip, \
     .a.rope = {t, h, d, rot, CHORD_ROPE_##mode, 10000.0f, pos0}}
#define DQ(name_, size_, t_, n_) {.op = CHORD_OP_DEQUANT, .name = name_, .size = size_, .a.dequant = {CHORD_TYPE_##t_, n_}}
#define ADD(name_, size_, ip, n_) {.op = CHORD_OP_ADD, .name = name_, .size = size_, .inplace = ip, .a.add = {n_}}
#define SWIGLU(name_, size_, ip, n_) \
    {.op = CHORD_OP_SWIGLU, .name = name_, .size = size_, .inplace = ip, .a.swiglu = {n_}}
#define ATTN(name_, size_, ctx, t, h, hkv, d, pos0, scale) \
    {.op = CHORD_OP_ATTENTION, .name = name_, .size = size_, .n_ctx = ctx, .a.attention = {t, h, hkv, d, pos0, scale}}

static const chord_case cases[] = {
    /* matmul: decode (m = 1), prefill batches, every weight type the model files use */
    MM(MATMUL, "f32 1x1x1", S, 1, 1, 1, F32),
    MM(MATMUL, "f32 1x577x579", S, 1, 577, 579, F32),
    MM(MATMUL, "f32 7x129x255", S, 7, 129, 255, F32),
    MM(MATMUL, "f32 33x65x1000", S, 33, 65, 1000, F32),
    MM(MATMUL, "f16 3x97x160", S, 3, 97, 160, F16),
    MM(MATMUL, "bf16 3x97x160", S, 3, 97, 160, BF16),
    MM(MATMUL, "q4_0 1x577x576", S, 1, 577, 576, Q4_0),
    MM(MATMUL, "q4_0 5x129x2048", S, 5, 129, 2048, Q4_0),
    MM(MATMUL, "q4_1 1x1536x576", S, 1, 1536, 576, Q4_1),
    MM(MATMUL, "q4_1 9x67x1536", S, 9, 67, 1536, Q4_1),
    MM(MATMUL, "q5_0 2x99x320", S, 2, 99, 320, Q5_0),
    MM(MATMUL, "q5_1 2x99x320", S, 2, 99, 320, Q5_1),
    MM(MATMUL, "q8_0 1x577x576", S, 1, 577, 576, Q8_0),
    MM(MATMUL, "q8_0 4x200x1024", S, 4, 200, 1024, Q8_0),
    MM(MATMUL, "q4_K 2x33x512", S, 2, 33, 512, Q4_K),
    MM(MATMUL, "q5_K 2x33x512", S, 2, 33, 512, Q5_K),
    MM(MATMUL, "q6_K 2x33x768", S, 2, 33, 768, Q6_K),
    MM(MATMUL, "q4_0 1x11008x4096", L, 1, 11008, 4096, Q4_0),
    MM(MATMUL, "q4_1 1x4096x11008", L, 1, 4096, 11008, Q4_1),
    MM(MATMUL, "q8_0 1x11008x4096", L, 1, 11008, 4096, Q8_0),
    MM(MATMUL, "f32 1x4096x4096", L, 1, 4096, 4096, F32),
    /* both decode shapes of a 7B's FFN for each format the split layouts serve, and the split forms themselves
     * (types.h): odd n, one super-block rows (k = 256), batched m through the generic decoder */
    MM(MATMUL, "q4_0 1x4096x11008", L, 1, 4096, 11008, Q4_0),
    MM(MATMUL, "q4_1 1x11008x4096", L, 1, 11008, 4096, Q4_1),
    MM(MATMUL, "q8_0 1x4096x11008", L, 1, 4096, 11008, Q8_0),
    MM(MATMUL, "q4_0_split 1x577x512", S, 1, 577, 512, Q4_0_SPLIT),
    MM(MATMUL, "q4_0_split 3x129x768", S, 3, 129, 768, Q4_0_SPLIT),
    MM(MATMUL, "q4_1_split 1x1537x256", S, 1, 1537, 256, Q4_1_SPLIT),
    MM(MATMUL, "q4_1_split 5x67x1536", S, 5, 67, 1536, Q4_1_SPLIT),
    MM(MATMUL, "q8_0_split 1x579x1280", S, 1, 579, 1280, Q8_0_SPLIT),
    MM(MATMUL, "q8_0_split 4x200x1024", S, 4, 200, 1024, Q8_0_SPLIT),
    MM(MATMUL, "q4_0_split 1x11008x4096", L, 1, 11008, 4096, Q4_0_SPLIT),
    MM(MATMUL, "q4_0_split 1x4096x11008", L, 1, 4096, 11008, Q4_0_SPLIT),
    MM(MATMUL, "q4_1_split 1x11008x4096", L, 1, 11008, 4096, Q4_1_SPLIT),
    MM(MATMUL, "q4_1_split 1x4096x11008", L, 1, 4096, 11008, Q4_1_SPLIT),
    MM(MATMUL, "q8_0_split 1x11008x4096", L, 1, 11008, 4096, Q8_0_SPLIT),
    MM(MATMUL, "q8_0_split 1x4096x11008", L, 1, 4096, 11008, Q8_0_SPLIT),
    /* matmul_tiled: f32 GEMM, odd edges around every tile size */
    MM(MATMUL_TILED, "f32 1x1x1", S, 1, 1, 1, F32),
    MM(MATMUL_TILED, "f32 31x17x47", S, 31, 17, 47, F32),
    MM(MATMUL_TILED, "f32 1x577x579", S, 1, 577, 579, F32),
    MM(MATMUL_TILED, "f32 67x129x255", S, 67, 129, 255, F32),
    MM(MATMUL_TILED, "f32 128x128x128", S, 128, 128, 128, F32),
    MM(MATMUL_TILED, "f32 257x263x129", S, 257, 263, 129, F32),
    MM(MATMUL_TILED, "f32 512x576x576", L, 512, 576, 576, F32),
    /* enough tiles that GPU backends pick their largest tile: full tiles, then ragged edges with odd k */
    MM(MATMUL_TILED, "f32 1664x1664x264", L, 1664, 1664, 264, F32),
    MM(MATMUL_TILED, "f32 1664x1664x272", L, 1664, 1664, 272, F32), /* k % 16 == 0: CUDA's BK=16 kernels */
    MM(MATMUL_TILED, "f32 1537x1543x515", L, 1537, 1543, 515, F32),
    MM(MATMUL_TILED, "f32 4096x4096x4096", H, 4096, 4096, 4096, F32),
    /* rmsnorm */
    NORM("1x1", S, 0, 1, 1),
    NORM("1x4097", S, 0, 1, 4097),
    NORM("7x576", S, 0, 7, 576),
    NORM("33x1000 inplace", S, 1, 33, 1000),
    NORM("4096x4096", L, 0, 4096, 4096),
    /* softmax */
    SOFTMAX("1x1", S, 0, 1, 1, 1.0f, 0, 0, 1),
    SOFTMAX("3x17 scale", S, 0, 3, 17, 0.125f, 0, 0, 1),
    SOFTMAX("1x49153", S, 0, 1, 49153, 1.0f, 0, 0, 1),
    SOFTMAX("27x301 causal", S, 0, 27, 301, 0.35f, 1, 290, 3),
    SOFTMAX("5x33 causal masked", S, 1, 5, 33, 1.0f, 1, -2, 1),
    SOFTMAX("4096x4096", L, 0, 4096, 4096, 1.0f, 0, 0, 1),
    /* rope: both GGUF types, partial rotation, late positions */
    ROPE("normal 1x9x64", S, 0, 1, 9, 64, 64, NORMAL, 77),
    ROPE("normal 7x3x128 rot96", S, 0, 7, 3, 128, 96, NORMAL, 1000),
    ROPE("normal 5x15x64 inplace", S, 1, 5, 15, 64, 64, NORMAL, 0),
    ROPE("neox 1x9x64", S, 0, 1, 9, 64, 64, NEOX, 77),
    ROPE("neox 7x3x128 rot32", S, 0, 7, 3, 128, 32, NEOX, 500),
    ROPE("neox 3x5x80 inplace", S, 1, 3, 5, 80, 80, NEOX, 9),
    ROPE("normal 2048x32x128", L, 0, 2048, 32, 128, 128, NORMAL, 0),
    ROPE("neox 2048x32x128", L, 0, 2048, 32, 128, 128, NEOX, 0),
    /* 64 MiB each way, as rmsnorm's and softmax's 4096x4096 cases */
    ROPE("normal 4096x32x128", L, 0, 4096, 32, 128, 128, NORMAL, 0),
    ROPE("neox 4096x32x128", L, 0, 4096, 32, 128, 128, NEOX, 0),
    /* 256 MiB moved, as the copy ceiling is measured: steady-state bandwidth, not launch ramp */
    ROPE("normal 8192x32x128", L, 0, 8192, 32, 128, 128, NORMAL, 0),
    ROPE("neox 8192x32x128", L, 0, 8192, 32, 128, 128, NEOX, 0),
    /* dequant: every format, one block and odd block counts */
    DQ("f32 1", S, F32, 1),
    DQ("f32 1001", S, F32, 1001),
    DQ("f16 1001", S, F16, 1001),
    DQ("bf16 1001", S, BF16, 1001),
    DQ("q4_0 32", S, Q4_0, 32),
    DQ("q4_0 1184", S, Q4_0, 37 * 32),
    DQ("q4_1 1184", S, Q4_1, 37 * 32),
    DQ("q5_0 1184", S, Q5_0, 37 * 32),
    DQ("q5_1 1184", S, Q5_1, 37 * 32),
    DQ("q8_0 1184", S, Q8_0, 37 * 32),
    DQ("q4_K 768", S, Q4_K, 3 * 256),
    DQ("q5_K 768", S, Q5_K, 3 * 256),
    DQ("q6_K 768", S, Q6_K, 3 * 256),
    DQ("q4_0_split 768", S, Q4_0_SPLIT, 3 * 256),
    DQ("q4_1_split 768", S, Q4_1_SPLIT, 3 * 256),
    DQ("q8_0_split 768", S, Q8_0_SPLIT, 3 * 256),
    DQ("q4_0 16M", L, Q4_0, 16 << 20),
    DQ("q4_1 16M", L, Q4_1, 16 << 20),
    DQ("q8_0 16M", L, Q8_0, 16 << 20),
    DQ("f16 16M", L, F16, 16 << 20),
    DQ("bf16 16M", L, BF16, 16 << 20),
    DQ("q6_K 16M", L, Q6_K, 16 << 20),
    DQ("q4_0 64M", L, Q4_0, 64 << 20), /* 292 MiB moved, as for the copy ceiling */
    /* add, swiglu */
    ADD("1", S, 0, 1),
    ADD("1001", S, 0, 1001),
    ADD("4099 inplace", S, 1, 4099),
    ADD("16M", L, 0, 16 << 20),
    SWIGLU("1", S, 0, 1),
    SWIGLU("1537", S, 0, 1537),
    SWIGLU("4099 inplace", S, 1, 4099),
    SWIGLU("16M", L, 0, 16 << 20),
    /* attention over a KV cache: decode, prefill, grouped-query heads */
    ATTN("decode 9/3 heads d64 pos0", S, 4, 1, 9, 3, 64, 0, 0.125f),
    ATTN("decode 9/3 heads d64 pos100", S, 128, 1, 9, 3, 64, 100, 0.125f),
    ATTN("prefill 7 tok 9/3 heads pos13", S, 23, 7, 9, 3, 64, 13, 0.125f),
    ATTN("prefill 5 tok 4/4 heads d48", S, 7, 5, 4, 4, 48, 0, 0.14433757f),
    ATTN("prefill 17 tok 32/8 heads d128", S, 50, 17, 32, 8, 128, 30, 0.088388348f),
    ATTN("decode 32/8 heads d128 pos4000", L, 4096, 1, 32, 8, 128, 4000, 0.088388348f),
};

int chord_case_count(void)
{
    return (int)(sizeof cases / sizeof cases[0]);
}

const chord_case *chord_case_at(int i)
{
    return (i >= 0 && i < chord_case_count()) ? &cases[i] : NULL;
}

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

static size_t f32s(int64_t n)
{
    return (size_t)n * sizeof(float);
}

size_t chord_case_tensor_bytes(const chord_case *c, int i)
{
    const chord_attention_args *at = &c->a.attention;
    if (c->op == CHORD_OP_ATTENTION && (i == 1 || i == 2)) /* the whole cache: rows past the valid ones hold NaN */
        return f32s((int64_t)c->n_ctx * at->n_head_kv * at->head_dim);
    return chord_op_tensor_bytes(c->op, &c->a, i);
}

double chord_case_flops(const chord_case *c)
{
    const chord_attention_args *at = &c->a.attention;
    switch (c->op) {
    case CHORD_OP_MATMUL:
    case CHORD_OP_MATMUL_TILED:
        return 2.0 * c->a.matmul.m * c->a.matmul.n * c->a.matmul.k;
    case CHORD_OP_ATTENTION: {
        double keys = 0; /* token t sees pos0 + t + 1 keys: q.k and p.v per key and dim */
        for (int t = 0; t < at->n_tok; t++)
            keys += at->pos0 + t + 1;
        return 4.0 * keys * at->n_head * at->head_dim;
    }
    case CHORD_OP_RMSNORM:
        return 3.0 * c->a.rmsnorm.n_rows * c->a.rmsnorm.n_cols;
    case CHORD_OP_SOFTMAX:
        return 4.0 * c->a.softmax.n_rows * c->a.softmax.n_cols;
    default:
        return 0;
    }
}

double chord_case_bytes(const chord_case *c)
{
    double b = 0;
    int n = chord_op_n_tensors(c->op);
    for (int i = 0; i < n; i++)
        b += (double)chord_case_tensor_bytes(c, i);
    if (c->op == CHORD_OP_ATTENTION) { /* only the valid KV rows are read */
        const chord_attention_args *at = &c->a.attention;
        double kv_row = (double)at->n_head_kv * at->head_dim * sizeof(float);
        b -= 2.0 * (c->n_ctx - (at->pos0 + at->n_tok)) * kv_row;
    }
    return b;
}

/* Random blocks of a quantized type: random bits everywhere, then every f16 scale replaced by a finite,
 * modest value so dequantized weights look like real ones (|w| <~ 1). */
static void fill_quant(chord_type type, int64_t n, unsigned char *dst, uint64_t *rng)
{
    size_t bytes = chord_type_row_bytes(type, n);
    for (size_t i = 0; i < bytes; i++)
        dst[i] = (unsigned char)chord_rand_next(rng);
    const chord_type_traits *t = chord_type_info(type);
    int64_t blocks = n / t->block_size;
    for (int64_t b = 0; b < blocks; b++) {
        unsigned char *blk = dst + b * t->type_size;
        chord_f16 s[2] = {chord_f32_to_f16(chord_rand_uniform(rng, 0.002f, 0.1f)),
                          chord_f32_to_f16(chord_rand_uniform(rng, -0.1f, 0.1f))};
        switch (type) {
        case CHORD_TYPE_Q4_0: case CHORD_TYPE_Q5_0: case CHORD_TYPE_Q8_0:
            memcpy(blk, s, 2);
            break;
        case CHORD_TYPE_Q4_1: case CHORD_TYPE_Q5_1:
            memcpy(blk, s, 4);
            break;
        case CHORD_TYPE_Q4_K: case CHORD_TYPE_Q5_K: /* d, dmin; sub-block scales are 6-bit ints */
            s[0] = chord_f32_to_f16(chord_rand_uniform(rng, 0.0005f, 0.003f));
            s[1] = chord_f32_to_f16(chord_rand_uniform(rng, 0.0f, 0.003f));
            memcpy(blk, s, 4);
            break;
        case CHORD_TYPE_Q6_K: /* d last; scales are int8 */
            s[0] = chord_f32_to_f16(chord_rand_uniform(rng, 0.0002f, 0.0008f));
            memcpy(blk + t->type_size - 2, s, 2);
            break;
        case CHORD_TYPE_Q4_0_SPLIT: case CHORD_TYPE_Q4_1_SPLIT: case CHORD_TYPE_Q8_0_SPLIT: {
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
        default:
            break;
        }
    }
}

static void fill_f32(float *x, int64_t n, uint64_t *rng, float lo, float hi)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = chord_rand_uniform(rng, lo, hi);
}

void chord_case_fill(const chord_case *c, int i, void *host, uint64_t seed)
{
    uint64_t rng = seed * 0x100000001b3ull + (uint64_t)i * 0x9e3779b97f4a7c15ull + 1;
    size_t bytes = chord_case_tensor_bytes(c, i);
    int64_t n = (int64_t)(bytes / sizeof(float));
    float *x = host;
    switch (c->op) {
    case CHORD_OP_MATMUL:
    case CHORD_OP_MATMUL_TILED:
        if (i == 0) {
            chord_type t = c->a.matmul.wtype;
            int64_t count = (int64_t)c->a.matmul.n * c->a.matmul.k;
            if (t == CHORD_TYPE_F32) {
                fill_f32(x, count, &rng, -1, 1);
            } else if (t == CHORD_TYPE_F16 || t == CHORD_TYPE_BF16) {
                uint16_t *h = host;
                for (int64_t j = 0; j < count; j++) {
                    float v = chord_rand_uniform(&rng, -1, 1);
                    h[j] = t == CHORD_TYPE_F16 ? chord_f32_to_f16(v) : chord_f32_to_bf16(v);
                }
            } else {
                fill_quant(t, count, host, &rng);
            }
        } else {
            fill_f32(x, n, &rng, -1, 1);
        }
        break;
    case CHORD_OP_DEQUANT: {
        chord_type t = c->a.dequant.type;
        int64_t count = c->a.dequant.n;
        if (t == CHORD_TYPE_F32) {
            fill_f32(x, count, &rng, -100, 100);
        } else if (t == CHORD_TYPE_F16 || t == CHORD_TYPE_BF16) {
            uint16_t *h = host; /* every bit pattern, specials included, but NaN (NaN payloads may differ) */
            for (int64_t j = 0; j < count; j++) {
                uint16_t v = (uint16_t)chord_rand_next(&rng);
                int nan = t == CHORD_TYPE_F16 ? ((v & 0x7c00) == 0x7c00 && (v & 0x3ff))
                                              : ((v & 0x7f80) == 0x7f80 && (v & 0x7f));
                h[j] = nan ? (uint16_t)(v & 0x3c00) : v;
            }
        } else {
            fill_quant(t, count, host, &rng);
        }
        break;
    }
    case CHORD_OP_RMSNORM:
        fill_f32(x, n, &rng, i == 1 ? 0.5f : -2.0f, i == 1 ? 1.5f : 2.0f);
        break;
    case CHORD_OP_SOFTMAX:
        fill_f32(x, n, &rng, -20, 20);
        break;
    case CHORD_OP_ATTENTION:
        fill_f32(x, n, &rng, -1, 1);
        if (i == 1 || i == 2) { /* rows past the valid ones must never be read */
            const chord_attention_args *at = &c->a.attention;
            int64_t valid = (int64_t)(at->pos0 + at->n_tok) * at->n_head_kv * at->head_dim;
            for (int64_t j = valid; j < n; j++)
                x[j] = NAN;
        }
        break;
    default:
        fill_f32(x, n, &rng, -4, 4);
        break;
    }
}

void chord_case_reference(const chord_case *c, void *const t[CHORD_MAX_TENSORS])
{
    switch (c->op) {
    case CHORD_OP_MATMUL:
    case CHORD_OP_MATMUL_TILED: /* the tiled kernel's truth is the plain product */
        chord_matmul_ref(t[0], t[1], t[2], &c->a.matmul);
        break;
    case CHORD_OP_RMSNORM:
        chord_rmsnorm_ref(t[0], t[1], t[2], &c->a.rmsnorm);
        break;
    case CHORD_OP_SOFTMAX:
        chord_softmax_ref(t[0], t[1], &c->a.softmax);
        break;
    case CHORD_OP_ROPE:
        chord_rope_ref(t[0], t[1], &c->a.rope);
        break;
    case CHORD_OP_DEQUANT:
        chord_dequant_ref(t[0], t[1], &c->a.dequant);
        break;
    case CHORD_OP_ADD:
        chord_add_ref(t[0], t[1], t[2], &c->a.add);
        break;
    case CHORD_OP_SWIGLU:
        chord_swiglu_ref(t[0], t[1], t[2], &c->a.swiglu);
        break;
    case CHORD_OP_ATTENTION:
        chord_attention_ref(t[0], t[1], t[2], t[3], &c->a.attention);
        break;
    default:
        break;
    }
}

/* Bounds per op and dtype. Float reductions on a device sum in another order than the reference's double sums:
 * the bounds allow that rounding (~sqrt(k) ulps), nothing more. dequant must be exact but for fused
 * multiply-adds (d*q + m), which move the last bit. */
chord_tolerance chord_case_tolerance(const chord_case *c)
{
    switch (c->op) {
    case CHORD_OP_MATMUL:
    case CHORD_OP_MATMUL_TILED:
        return (chord_tolerance){1e-9, 1e-4, 1e-3};
    case CHORD_OP_DEQUANT:
        if (c->a.dequant.type == CHORD_TYPE_F32 || c->a.dequant.type == CHORD_TYPE_F16 ||
            c->a.dequant.type == CHORD_TYPE_BF16)
            return (chord_tolerance){0, 0, 0};
        return (chord_tolerance){1e-13, 1e-7, 1e-6};
    case CHORD_OP_RMSNORM:
        return (chord_tolerance){1e-11, 1e-6, 1e-5};
    case CHORD_OP_SOFTMAX:
        return (chord_tolerance){1e-10, 1e-7, 1e-4};
    case CHORD_OP_ROPE: /* float angles at positions ~1000 carry ~1e-4 rad of rounding */
        return (chord_tolerance){1e-8, 1e-4, 1e-3};
    case CHORD_OP_ADD:
        return (chord_tolerance){0, 0, 0};
    case CHORD_OP_SWIGLU:
        return (chord_tolerance){1e-11, 1e-6, 1e-5};
    case CHORD_OP_ATTENTION:
        return (chord_tolerance){1e-9, 1e-5, 1e-4};
    default:
        return (chord_tolerance){0, 0, 0};
    }
}
