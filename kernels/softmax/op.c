/* softmax's descriptor and cases: plain, scaled, one long row, causal masks with several rows per position. */
#include "../ops.h"
#include "softmax.h"

static const char *check(const void *args)
{
    const chord_softmax_args *a = args;
    if (a->n_rows < 0 || a->n_cols < 0)
        return "negative n_rows or n_cols";
    if (a->causal && a->rows_per_pos < 1)
        return "causal with rows_per_pos < 1";
    return NULL;
}

static size_t tensor_bytes(const void *args, int i)
{
    const chord_softmax_args *a = args;
    (void)i;
    return chord_f32_bytes((int64_t)a->n_rows * a->n_cols);
}

static double flops(const void *args)
{
    const chord_softmax_args *a = args;
    return 4.0 * a->n_rows * a->n_cols;
}

static void reference(void *const t[], const void *args) { chord_softmax_reference(t[0], t[1], args); }

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    (void)c;
    (void)i;
    chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, -20, 20);
}

#define CASE(size_, name_, inplace_, rows_, cols_, scale_, causal_, pos0_, rows_per_pos_)           \
    {                                                                                               \
        .op = CHORD_OP_SOFTMAX, .name = name_, .size = size_, .inplace = inplace_,                  \
        .args = CHORD_ARGS(chord_softmax_args, rows_, cols_, scale_, causal_, pos0_, rows_per_pos_) \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "1x1", 0, 1, 1, 1.0f, 0, 0, 1),
    CASE(CHORD_CASE_SMALL, "3x17 scale", 0, 3, 17, 0.125f, 0, 0, 1),
    CASE(CHORD_CASE_SMALL, "1x49153", 0, 1, 49153, 1.0f, 0, 0, 1),
    CASE(CHORD_CASE_SMALL, "27x301 causal", 0, 27, 301, 0.35f, 1, 290, 3),
    CASE(CHORD_CASE_SMALL, "5x33 causal masked", 1, 5, 33, 1.0f, 1, -2, 1),
    CASE(CHORD_CASE_LARGE, "4096x4096", 0, 4096, 4096, 1.0f, 0, 0, 1),
};

CHORD_DEFINE_OP(softmax, .n_tensors = 2, .check = check, .tensor_bytes = tensor_bytes, .flops = flops,
                .reference = reference, CHORD_OP_CASES(cases), .fill = fill, .tolerance = {1e-10, 1e-7, 1e-4});
