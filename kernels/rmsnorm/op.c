/* rmsnorm's descriptor and cases. */
#include "../ops.h"
#include "rmsnorm.h"

static const char *check(const void *args)
{
    const chord_rmsnorm_args *a = args;
    return a->n_rows < 0 || a->n_cols < 0 ? "negative n_rows or n_cols" : NULL;
}

static size_t tensor_bytes(const void *args, int i)
{
    const chord_rmsnorm_args *a = args;
    return i == 1 ? chord_f32_bytes(a->n_cols) : chord_f32_bytes((int64_t)a->n_rows * a->n_cols);
}

static double flops(const void *args)
{
    const chord_rmsnorm_args *a = args;
    return 3.0 * a->n_rows * a->n_cols;
}

static void reference(void *const t[], const void *args) { chord_rmsnorm_reference(t[0], t[1], t[2], args); }

/* X in [-2, 2], the weight in [0.5, 1.5] */
static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    (void)c;
    chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, i == 1 ? 0.5f : -2.0f, i == 1 ? 1.5f : 2.0f);
}

#define CASE(size_, name_, inplace_, rows_, cols_)                                 \
    {                                                                              \
        .op = CHORD_OP_RMSNORM, .name = name_, .size = size_, .inplace = inplace_, \
        .args = CHORD_ARGS(chord_rmsnorm_args, rows_, cols_, 1e-5f)                \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "1x1", 0, 1, 1),
    CASE(CHORD_CASE_SMALL, "1x4097", 0, 1, 4097),
    CASE(CHORD_CASE_SMALL, "7x576", 0, 7, 576),
    CASE(CHORD_CASE_SMALL, "33x1000 inplace", 1, 33, 1000),
    CASE(CHORD_CASE_LARGE, "4096x4096", 0, 4096, 4096),
};

CHORD_DEFINE_OP(rmsnorm, .n_tensors = 3, .check = check, .tensor_bytes = tensor_bytes, .flops = flops,
                .reference = reference, CHORD_OP_CASES(cases), .fill = fill, .tolerance = {1e-11, 1e-6, 1e-5});
