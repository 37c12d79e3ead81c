/* matmul_add's descriptor and cases: the decode shapes of the output and down projections (m = 1), in place as the
 * model runs it, odd n. Counts and fills are matmul's plus the residual. */
#include "../ops.h"
#include "matmul_add.h"

static size_t tensor_bytes(const void *args, int i)
{
    /* R and Y are matmul's Y (its tensor 2), W its 0, X its 1 */
    return chord_matmul_tensor_bytes(args, i == 0 || i == 3 ? 2 : i - 1);
}

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    if (i == 1 || i == 2)
        chord_matmul_fill(c, i - 1, host, bytes, rng);
    else /* the residual stream: larger than one projection's outputs, as in a model */
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, -8, 8);
}

static void reference(void *const t[], const void *args) { chord_matmul_add_reference(t[0], t[1], t[2], t[3], args); }

#define CASE(size_, name_, inplace_, m_, n_, k_, type_)                                       \
    {                                                                                         \
        .op = CHORD_OP_MATMUL_ADD, .name = name_, .size = size_, .inplace = inplace_,         \
        .args = CHORD_ARGS(chord_matmul_args, m_, n_, k_, CHORD_TYPE_##type_)                 \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "q4_0_split 1x577x512", 0, 1, 577, 512, Q4_0_SPLIT),
    CASE(CHORD_CASE_SMALL, "q4_0_split 1x577x512 inplace", 1, 1, 577, 512, Q4_0_SPLIT),
    CASE(CHORD_CASE_SMALL, "q4_1_split 1x576x1536 inplace", 1, 1, 576, 1536, Q4_1_SPLIT),
    CASE(CHORD_CASE_SMALL, "q4_0_split 1x13x2560", 0, 1, 13, 2560, Q4_0_SPLIT), /* k split 8 ways */
    CASE(CHORD_CASE_SMALL, "q8_0_split 1x579x1024 inplace", 1, 1, 579, 1024, Q8_0_SPLIT),
    CASE(CHORD_CASE_SMALL, "q8_0_split 1x13x8192", 0, 1, 13, 8192, Q8_0_SPLIT), /* k split 8 ways */
    CASE(CHORD_CASE_SMALL, "q4_1 1x576x1536 inplace", 1, 1, 576, 1536, Q4_1),    /* SmolLM2-135M's down */
    CASE(CHORD_CASE_SMALL, "q8_0 2x67x512", 0, 2, 67, 512, Q8_0),
    CASE(CHORD_CASE_LARGE, "q4_0_split 1x4096x11008 inplace", 1, 1, 4096, 11008, Q4_0_SPLIT), /* the 7B's down */
    CASE(CHORD_CASE_LARGE, "q4_0_split 1x4096x4096 inplace", 1, 1, 4096, 4096, Q4_0_SPLIT),   /* its output */
    CASE(CHORD_CASE_LARGE, "q8_0_split 1x4096x11008 inplace", 1, 1, 4096, 11008, Q8_0_SPLIT),
};

/* Y = R + P adds one rounding of |R + P| to matmul's error on P: matmul's bounds, the absolute one widened by the
 * residual's scale (|R| <= 8 here: 8 ulps of f32 at 8 is ~1e-6, within 1e-4). */
CHORD_DEFINE_OP(matmul_add, .n_tensors = 4, .check = chord_matmul_check, .tensor_bytes = tensor_bytes,
                .flops = chord_matmul_flops, .reference = reference, CHORD_OP_CASES(cases), .fill = fill,
                .tolerance = CHORD_MATMUL_TOLERANCE);
