/* matmul_swiglu's descriptor and cases: the decode shapes of the FFN (m = 1), odd n, and m > 1 for the backends
 * that take it. Counts and fills are matmul's, for two weights. */
#include <stdlib.h>

#include "../ops.h"
#include "matmul_swiglu.h"

static size_t tensor_bytes(const void *args, int i)
{
    /* WG, WU are matmul's tensor 0, X its 1, Y its 2 */
    return chord_matmul_tensor_bytes(args, i < 2 ? 0 : i - 1);
}

static double flops(const void *args) { return 2.0 * chord_matmul_flops(args); }

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    chord_matmul_fill(c, i < 2 ? 0 : 1, host, bytes, rng);
}

static void reference(void *const t[], const void *args)
{
    chord_matmul_swiglu_reference(t[0], t[1], t[2], t[3], args);
}

static void bound(void *const t[], const void *args, chord_tolerance tol, float *b)
{
    chord_matmul_swiglu_bound(t[0], t[1], t[2], args, tol, b);
}

#define CASE(size_, name_, m_, n_, k_, type_)                                 \
    {                                                                         \
        .op = CHORD_OP_MATMUL_SWIGLU, .name = name_, .size = size_,           \
        .args = CHORD_ARGS(chord_matmul_args, m_, n_, k_, CHORD_TYPE_##type_) \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "q4_0 1x1x32", 1, 1, 32, Q4_0),
    CASE(CHORD_CASE_SMALL, "q4_0 1x577x576", 1, 577, 576, Q4_0),
    CASE(CHORD_CASE_SMALL, "q4_1 1x1536x576", 1, 1536, 576, Q4_1), /* SmolLM2-135M's FFN */
    CASE(CHORD_CASE_SMALL, "q4_1 1x67x1568", 1, 67, 1568, Q4_1),
    CASE(CHORD_CASE_SMALL, "q8_0 1x579x1024", 1, 579, 1024, Q8_0),
    CASE(CHORD_CASE_SMALL, "q4_1 3x67x512", 3, 67, 512, Q4_1),
    CASE(CHORD_CASE_SMALL, "f32 2x33x100", 2, 33, 100, F32),
    CASE(CHORD_CASE_SMALL, "q4_0_split 1x577x512", 1, 577, 512, Q4_0_SPLIT), /* the split forms: a partial tile */
    CASE(CHORD_CASE_SMALL, "q4_1_split 1x1536x768", 1, 1536, 768, Q4_1_SPLIT),
    CASE(CHORD_CASE_SMALL, "q4_0_split 1x13x2560", 1, 13, 2560, Q4_0_SPLIT), /* few tiles: k split 8 ways */
    CASE(CHORD_CASE_SMALL, "q8_0_split 1x579x1024", 1, 579, 1024, Q8_0_SPLIT), /* a partial row group */
    CASE(CHORD_CASE_SMALL, "q8_0_split 1x13x8192", 1, 13, 8192, Q8_0_SPLIT),   /* few groups: k split 8 ways */
    CASE(CHORD_CASE_LARGE, "q4_0 1x11008x4096", 1, 11008, 4096, Q4_0),
    CASE(CHORD_CASE_LARGE, "q4_0_split 1x11008x4096", 1, 11008, 4096, Q4_0_SPLIT), /* the 7B's FFN */
    CASE(CHORD_CASE_LARGE, "q4_1_split 1x11008x4096", 1, 11008, 4096, Q4_1_SPLIT),
    CASE(CHORD_CASE_LARGE, "q8_0_split 1x11008x4096", 1, 11008, 4096, Q8_0_SPLIT),
};

/* y = silu(g) u carries each projection's rounding through silu's derivative: each element's bound (bound) adds
 * that, from the projections' sums of |w x|, to matmul's bounds with the absolute one 10 times wider. The q8_0
 * fills reach |g| ~ 300, where a fixed bound fails correct sums in any order at the elements whose u cancels. */
CHORD_DEFINE_OP(matmul_swiglu, .n_tensors = 4, .check = chord_matmul_check, .tensor_bytes = tensor_bytes,
                .flops = flops, .reference = reference, CHORD_OP_CASES(cases), .fill = fill,
                .tolerance = {1e-9, 1e-3, 1e-3}, .bound = bound);
