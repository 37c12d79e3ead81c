/* rmsnorm_swiglu's descriptor and cases: matmul_swiglu's decode cases with the residual stream's scale in X and a
 * norm weight near 1. Counts and fills are matmul's plus the norm's. */
#include "../ops.h"
#include "rmsnorm_swiglu.h"

static const char *check(const void *args)
{
    const chord_rmsnorm_swiglu_args *a = args;
    if (!(a->eps >= 0.0f))
        return "eps must be >= 0";
    return chord_matmul_check(&a->mm);
}

static size_t tensor_bytes(const void *args, int i)
{
    /* X is matmul's tensor 1, WG and WU its 0, Y its 2; G is (k) */
    const chord_rmsnorm_swiglu_args *a = args;
    if (i == 1)
        return chord_f32_bytes(a->mm.k);
    return chord_matmul_tensor_bytes(&a->mm, i == 0 ? 1 : i < 4 ? 0 : 2);
}

static double flops(const void *args) { return 2.0 * chord_matmul_flops(&((const chord_rmsnorm_swiglu_args *)args)->mm); }

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    const chord_rmsnorm_swiglu_args *a = c->args;
    if (i >= 2)
        chord_fill_weights(a->mm.wtype, (int64_t)a->mm.n * a->mm.k, host, rng);
    else if (i == 1) /* norm weights as trained: around 1 */
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, 0.5f, 1.5f);
    else /* the residual stream, not unit-scaled */
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, -8, 8);
}

static void reference(void *const t[], const void *args)
{
    chord_rmsnorm_swiglu_reference(t[0], t[1], t[2], t[3], t[4], args);
}

static void bound(void *const t[], const void *args, chord_tolerance tol, float *b)
{
    chord_rmsnorm_swiglu_bound(t[0], t[1], t[2], t[3], args, tol, b);
}

#define CASE(size_, name_, m_, n_, k_, type_)                                                       \
    {                                                                                               \
        .op = CHORD_OP_RMSNORM_SWIGLU, .name = name_, .size = size_,                                \
        .args = CHORD_ARGS(chord_rmsnorm_swiglu_args, {m_, n_, k_, CHORD_TYPE_##type_}, 1e-5f)      \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "q4_1 1x1536x576", 1, 1536, 576, Q4_1), /* SmolLM2-135M's FFN */
    CASE(CHORD_CASE_SMALL, "q8_0 1x579x1024", 1, 579, 1024, Q8_0),
    CASE(CHORD_CASE_SMALL, "q4_0_split 1x577x512", 1, 577, 512, Q4_0_SPLIT),
    CASE(CHORD_CASE_SMALL, "q4_1_split 1x1536x768", 1, 1536, 768, Q4_1_SPLIT),
    CASE(CHORD_CASE_SMALL, "q8_0_split 1x579x1024", 1, 579, 1024, Q8_0_SPLIT),
    CASE(CHORD_CASE_LARGE, "q4_0_split 1x11008x4096", 1, 11008, 4096, Q4_0_SPLIT), /* the 7B's FFN */
    CASE(CHORD_CASE_LARGE, "q8_0_split 1x11008x4096", 1, 11008, 4096, Q8_0_SPLIT),
};

/* The normalized X carries one f32 rounding per value, which the projections carry on: matmul_swiglu's bounds,
 * element by element. */
CHORD_DEFINE_OP(rmsnorm_swiglu, .n_tensors = 5, .check = check, .tensor_bytes = tensor_bytes, .flops = flops,
                .reference = reference, CHORD_OP_CASES(cases), .fill = fill, .tolerance = {1e-9, 1e-3, 1e-3},
                .bound = bound);
