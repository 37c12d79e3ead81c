/* rmsnorm_qkv's descriptor and cases: matmul_qkv's decode cases with the residual stream's scale in X and a norm
 * weight near 1. Counts and fills are matmul_qkv's plus the norm's. */
#include "../ops.h"
#include "rmsnorm_qkv.h"

static const char *check(const void *args)
{
    const chord_rmsnorm_qkv_args *a = args;
    if (!(a->eps >= 0.0f))
        return "eps must be >= 0";
    return chord_matmul_qkv_check(&a->qkv);
}

/* rmsnorm_qkv's tensor i as matmul_qkv's: X is its 3, the weights its 0-2, the outputs its 4-6; G is (k) */
static size_t tensor_bytes(const void *args, int i)
{
    const chord_rmsnorm_qkv_args *a = args;
    if (i == 1)
        return chord_f32_bytes(a->qkv.k);
    return chord_matmul_qkv_tensor_bytes(&a->qkv, i == 0 ? 3 : i < 5 ? i - 2 : i - 1);
}

static double flops(const void *args) { return chord_matmul_qkv_flops(&((const chord_rmsnorm_qkv_args *)args)->qkv); }

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    const chord_rmsnorm_qkv_args *a = c->args;
    if (i >= 2)
        chord_matmul_qkv_fill_weight(&a->qkv, host, bytes, rng);
    else if (i == 1) /* norm weights as trained: around 1 */
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, 0.5f, 1.5f);
    else /* the residual stream, not unit-scaled */
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, -8, 8);
}

static void reference(void *const t[], const void *args)
{
    chord_rmsnorm_qkv_reference(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], args);
}

#define CASE(size_, name_, k_, type_, head_, head_kv_, dim_, rot_, mode_, pos0_)                               \
    {                                                                                                         \
        .op = CHORD_OP_RMSNORM_QKV, .name = name_, .size = size_,                                             \
        .args = CHORD_ARGS(chord_rmsnorm_qkv_args,                                                            \
                           {1, k_, CHORD_TYPE_##type_, head_, head_kv_, dim_, rot_, CHORD_ROPE_##mode_, 10000.0f, \
                            pos0_},                                                                           \
                           1e-5f)                                                                             \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "q4_0_split k512 4/4x128 p5", 512, Q4_0_SPLIT, 4, 4, 128, 128, NORMAL, 5),
    CASE(CHORD_CASE_SMALL, "q4_1_split k768 9/3x64 p1000", 768, Q4_1_SPLIT, 9, 3, 64, 64, NORMAL, 1000),
    CASE(CHORD_CASE_SMALL, "q8_0_split k512 5/1x64 r32 p33", 512, Q8_0_SPLIT, 5, 1, 64, 32, NORMAL, 33),
    CASE(CHORD_CASE_SMALL, "q4_1 k576 9/3x64 p3", 576, Q4_1, 9, 3, 64, 64, NORMAL, 3), /* SmolLM2-135M's */
    CASE(CHORD_CASE_SMALL, "q8_0 k320 5/1x40 r24 p70", 320, Q8_0, 5, 1, 40, 24, NORMAL, 70),
    CASE(CHORD_CASE_LARGE, "q4_0_split k4096 32/32x128 p4000", 4096, Q4_0_SPLIT, 32, 32, 128, 128, NORMAL, 4000),
    CASE(CHORD_CASE_LARGE, "q8_0_split k4096 32/32x128 p4000", 4096, Q8_0_SPLIT, 32, 32, 128, 128, NORMAL, 4000),
};

/* The normalized X carries one f32 rounding per value (rmsnorm's own bound is far tighter than matmul's), which the
 * projections carry on: matmul_qkv's bounds. */
CHORD_DEFINE_OP(rmsnorm_qkv, .n_tensors = 8, .n_outputs = 3, .check = check, .tensor_bytes = tensor_bytes,
                .flops = flops, .reference = reference, CHORD_OP_CASES(cases), .fill = fill,
                .tolerance = {1e-9, 1e-3, 1e-3});
