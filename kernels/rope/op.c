/* rope's descriptor and cases: both GGUF types, partial rotation, late positions. */
#include "../ops.h"
#include "rope.h"

const char *chord_rope_check(const void *args)
{
    const chord_rope_args *a = args;
    if (a->n_tok < 0 || a->n_head < 0 || a->head_dim < 0 || a->n_rot < 0)
        return "negative n_tok, n_head, head_dim or n_rot";
    if (a->n_rot % 2 != 0 || a->n_rot > a->head_dim)
        return "n_rot must be even and at most head_dim";
    if (!(a->theta_base > 0.0f))
        return "theta_base must be positive";
    return NULL;
}

static size_t tensor_bytes(const void *args, int i)
{
    const chord_rope_args *a = args;
    (void)i;
    return chord_f32_bytes((int64_t)a->n_tok * a->n_head * a->head_dim);
}

static void reference(void *const t[], const void *args) { chord_rope_reference(t[0], t[1], args); }

#define CASE(size_, name_, inplace_, tok_, head_, dim_, rot_, mode_, pos0_)                               \
    {                                                                                                     \
        .op = CHORD_OP_ROPE, .name = name_, .size = size_, .inplace = inplace_,                           \
        .args = CHORD_ARGS(chord_rope_args, tok_, head_, dim_, rot_, CHORD_ROPE_##mode_, 10000.0f, pos0_) \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "normal 1x9x64", 0, 1, 9, 64, 64, NORMAL, 77),
    CASE(CHORD_CASE_SMALL, "normal 7x3x128 rot96", 0, 7, 3, 128, 96, NORMAL, 1000),
    CASE(CHORD_CASE_SMALL, "normal 5x15x64 inplace", 1, 5, 15, 64, 64, NORMAL, 0),
    CASE(CHORD_CASE_SMALL, "neox 1x9x64", 0, 1, 9, 64, 64, NEOX, 77),
    CASE(CHORD_CASE_SMALL, "neox 7x3x128 rot32", 0, 7, 3, 128, 32, NEOX, 500),
    CASE(CHORD_CASE_SMALL, "neox 3x5x80 inplace", 1, 3, 5, 80, 80, NEOX, 9),
    CASE(CHORD_CASE_LARGE, "normal 2048x32x128", 0, 2048, 32, 128, 128, NORMAL, 0),
    CASE(CHORD_CASE_LARGE, "neox 2048x32x128", 0, 2048, 32, 128, 128, NEOX, 0),
    /* 64 MiB each way, as rmsnorm's and softmax's 4096x4096 cases */
    CASE(CHORD_CASE_LARGE, "normal 4096x32x128", 0, 4096, 32, 128, 128, NORMAL, 0),
    CASE(CHORD_CASE_LARGE, "neox 4096x32x128", 0, 4096, 32, 128, 128, NEOX, 0),
    /* 256 MiB moved, as the copy ceiling is measured: steady-state bandwidth, not launch ramp */
    CASE(CHORD_CASE_LARGE, "normal 8192x32x128", 0, 8192, 32, 128, 128, NORMAL, 0),
    CASE(CHORD_CASE_LARGE, "neox 8192x32x128", 0, 8192, 32, 128, 128, NEOX, 0),
};

/* float angles at positions ~1000 carry ~1e-4 rad of rounding */
CHORD_DEFINE_OP(rope, .n_tensors = 2, .check = chord_rope_check, .tensor_bytes = tensor_bytes, .reference = reference,
                CHORD_OP_CASES(cases), .tolerance = {1e-8, 1e-4, 1e-3});
