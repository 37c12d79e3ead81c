/* matmul_qkv's descriptor and cases: decode steps (m = 1) of the attention projections, full and GQA heads, partial
 * rotation (rN), early and late positions (pN); case names give k, n_head/n_head_kv x head_dim. Counts and fills are matmul's for each projection, the contract rope's. */
#include "../ops.h"
#include "matmul_qkv.h"

const char *chord_matmul_qkv_check(const void *args)
{
    const chord_matmul_qkv_args *a = args;
    if (a->m < 0 || a->k < 0 || a->n_head < 0 || a->n_head_kv < 0 || a->head_dim < 0 || a->n_rot < 0 || a->pos0 < 0)
        return "negative m, k, n_head, n_head_kv, head_dim, n_rot or pos0";
    if ((long long)a->n_head * a->head_dim > 1 << 24 || (long long)a->n_head_kv * a->head_dim > 1 << 24)
        return "more than 2^24 rows in a projection";
    if (a->mode != CHORD_ROPE_NORMAL && a->mode != CHORD_ROPE_NEOX)
        return "mode must be CHORD_ROPE_NORMAL or CHORD_ROPE_NEOX";
    for (int p = 0; p < 3; p++) {
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        const char *e = chord_matmul_check(&ma);
        if (e)
            return e;
    }
    for (int p = 0; p < 2; p++) {
        const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
        const char *e = chord_rope_check(&ra);
        if (e)
            return e;
    }
    return NULL;
}

size_t chord_matmul_qkv_tensor_bytes(const void *args, int i)
{
    /* WQ WK WV are their matmuls' tensor 0, X tensor 1; Q K V tensor 2 */
    const chord_matmul_args ma = chord_matmul_qkv_matmul(args, i < 3 ? i : i == 3 ? 0 : i - 4);
    return chord_matmul_tensor_bytes(&ma, i < 3 ? 0 : i == 3 ? 1 : 2);
}

double chord_matmul_qkv_flops(const void *args)
{
    double f = 0;
    for (int p = 0; p < 3; p++) {
        const chord_matmul_args ma = chord_matmul_qkv_matmul(args, p);
        f += chord_matmul_flops(&ma);
    }
    return f;
}

void chord_matmul_qkv_fill_weight(const chord_matmul_qkv_args *a, void *host, size_t bytes, uint64_t *rng)
{
    chord_fill_weights(a->wtype, (int64_t)bytes / (int64_t)chord_type_row_bytes(a->wtype, a->k) * a->k, host, rng);
}

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    const chord_matmul_qkv_args *a = c->args;
    if (i < 3)
        chord_matmul_qkv_fill_weight(a, host, bytes, rng);
    else
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, -1, 1);
}

static void reference(void *const t[], const void *args)
{
    chord_matmul_qkv_reference(t[0], t[1], t[2], t[3], t[4], t[5], t[6], args);
}

#define CASE(size_, name_, k_, type_, head_, head_kv_, dim_, rot_, mode_, pos0_)                                  \
    {                                                                                                            \
        .op = CHORD_OP_MATMUL_QKV, .name = name_, .size = size_,                                                 \
        .args = CHORD_ARGS(chord_matmul_qkv_args, 1, k_, CHORD_TYPE_##type_, head_, head_kv_, dim_, rot_,        \
                           CHORD_ROPE_##mode_, 10000.0f, pos0_)                                                  \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "q4_0_split k512 4/4x128 p5", 512, Q4_0_SPLIT, 4, 4, 128, 128, NORMAL, 5),
    CASE(CHORD_CASE_SMALL, "q4_1_split k768 9/3x64 p1000", 768, Q4_1_SPLIT, 9, 3, 64, 64, NORMAL, 1000),
    CASE(CHORD_CASE_SMALL, "q4_0_split k256 3/1x96 r32 p2047", 256, Q4_0_SPLIT, 3, 1, 96, 32, NORMAL, 2047),
    CASE(CHORD_CASE_SMALL, "q8_0_split k512 5/1x64 r32 p33", 512, Q8_0_SPLIT, 5, 1, 64, 32, NORMAL, 33),
    CASE(CHORD_CASE_SMALL, "q8_0_split k8192 1/1x16 p6", 8192, Q8_0_SPLIT, 1, 1, 16, 16, NORMAL, 6), /* k split */
    CASE(CHORD_CASE_SMALL, "q4_1 k576 9/3x64 p3", 576, Q4_1, 9, 3, 64, 64, NORMAL, 3), /* SmolLM2-135M's */
    CASE(CHORD_CASE_SMALL, "q8_0 k320 5/1x40 r24 p70", 320, Q8_0, 5, 1, 40, 24, NORMAL, 70),
    CASE(CHORD_CASE_SMALL, "q4_0 k256 2/2x64 neox p9", 256, Q4_0, 2, 2, 64, 64, NEOX, 9),
    CASE(CHORD_CASE_LARGE, "q4_0_split k4096 32/32x128 p4000", 4096, Q4_0_SPLIT, 32, 32, 128, 128, NORMAL, 4000),
    CASE(CHORD_CASE_LARGE, "q4_1_split k4096 32/8x128 p77", 4096, Q4_1_SPLIT, 32, 8, 128, 128, NORMAL, 77),
    CASE(CHORD_CASE_LARGE, "q8_0_split k4096 32/32x128 p4000", 4096, Q8_0_SPLIT, 32, 32, 128, 128, NORMAL, 4000),
};

/* Each output pair is a rotation of two matmul outputs: the rotation keeps every pair's squared error and squared
 * value (NMSE as matmul's), and an element's error is at most the sum of its pair's two matmul errors, each within
 * matmul's 1e-4 + 1e-3 |y| where |y| is at most the pair's norm: matmul's bounds with the absolute one 10 times
 * wider, as matmul_swiglu's. */
CHORD_DEFINE_OP(matmul_qkv, .n_tensors = 7, .n_outputs = 3, .check = chord_matmul_qkv_check,
                .tensor_bytes = chord_matmul_qkv_tensor_bytes, .flops = chord_matmul_qkv_flops, .reference = reference, CHORD_OP_CASES(cases), .fill = fill,
                .tolerance = {1e-9, 1e-3, 1e-3});
