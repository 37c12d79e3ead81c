/* dequant's descriptor and cases: every format, one block and odd block counts. */
#include "../ops.h"
#include "dequant.h"

static const char *check(const void *args)
{
    const chord_dequant_args *a = args;
    return a->n < 0 || !chord_whole_blocks(a->type, a->n) ? "n is negative or not whole blocks of the type" : NULL;
}

static size_t tensor_bytes(const void *args, int i)
{
    const chord_dequant_args *a = args;
    return i == 0 ? (a->n > 0 ? chord_type_row_bytes(a->type, a->n) : 0) : chord_f32_bytes(a->n);
}

static void reference(void *const t[], const void *args) { chord_dequant_reference(t[0], t[1], args); }

static int is_float(chord_type type)
{
    return type == CHORD_TYPE_F32 || type == CHORD_TYPE_F16 || type == CHORD_TYPE_BF16;
}

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    const chord_dequant_args *a = c->args;
    (void)i;
    (void)bytes;
    if (a->type == CHORD_TYPE_F32) {
        chord_fill_f32(host, a->n, rng, -100, 100);
    } else if (a->type == CHORD_TYPE_F16 || a->type == CHORD_TYPE_BF16) {
        uint16_t *h = host; /* every bit pattern, specials included, but NaN (NaN payloads may differ) */
        for (int64_t j = 0; j < a->n; j++) {
            uint16_t v = (uint16_t)chord_rand_next(rng);
            int nan = a->type == CHORD_TYPE_F16 ? ((v & 0x7c00) == 0x7c00 && (v & 0x3ff))
                                                : ((v & 0x7f80) == 0x7f80 && (v & 0x7f));
            h[j] = nan ? (uint16_t)(v & 0x3c00) : v;
        }
    } else {
        chord_fill_quant(a->type, a->n, host, rng);
    }
}

/* Exact, but for fused multiply-adds (d*q + m), which move the last bit. */
static chord_tolerance case_tolerance(const chord_case *c)
{
    if (is_float(((const chord_dequant_args *)c->args)->type))
        return (chord_tolerance){0, 0, 0};
    return (chord_tolerance){1e-13, 1e-7, 1e-6};
}

#define CASE(size_, name_, type_, n_)                                  \
    {                                                                  \
        .op = CHORD_OP_DEQUANT, .name = name_, .size = size_,          \
        .args = CHORD_ARGS(chord_dequant_args, CHORD_TYPE_##type_, n_) \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "f32 1", F32, 1),
    CASE(CHORD_CASE_SMALL, "f32 1001", F32, 1001),
    CASE(CHORD_CASE_SMALL, "f16 1001", F16, 1001),
    CASE(CHORD_CASE_SMALL, "bf16 1001", BF16, 1001),
    CASE(CHORD_CASE_SMALL, "q4_0 32", Q4_0, 32),
    CASE(CHORD_CASE_SMALL, "q4_0 1184", Q4_0, 37 * 32),
    CASE(CHORD_CASE_SMALL, "q4_1 1184", Q4_1, 37 * 32),
    CASE(CHORD_CASE_SMALL, "q5_0 1184", Q5_0, 37 * 32),
    CASE(CHORD_CASE_SMALL, "q5_1 1184", Q5_1, 37 * 32),
    CASE(CHORD_CASE_SMALL, "q8_0 1184", Q8_0, 37 * 32),
    CASE(CHORD_CASE_SMALL, "q4_K 768", Q4_K, 3 * 256),
    CASE(CHORD_CASE_SMALL, "q5_K 768", Q5_K, 3 * 256),
    CASE(CHORD_CASE_SMALL, "q6_K 768", Q6_K, 3 * 256),
    CASE(CHORD_CASE_SMALL, "q4_0_split 768", Q4_0_SPLIT, 3 * 256),
    CASE(CHORD_CASE_SMALL, "q4_1_split 768", Q4_1_SPLIT, 3 * 256),
    CASE(CHORD_CASE_SMALL, "q8_0_split 768", Q8_0_SPLIT, 3 * 256),
    CASE(CHORD_CASE_LARGE, "q4_0 16M", Q4_0, 16 << 20),
    CASE(CHORD_CASE_LARGE, "q4_1 16M", Q4_1, 16 << 20),
    CASE(CHORD_CASE_LARGE, "q8_0 16M", Q8_0, 16 << 20),
    CASE(CHORD_CASE_LARGE, "f16 16M", F16, 16 << 20),
    CASE(CHORD_CASE_LARGE, "bf16 16M", BF16, 16 << 20),
    CASE(CHORD_CASE_LARGE, "q6_K 16M", Q6_K, 16 << 20),
    CASE(CHORD_CASE_LARGE, "q4_0 64M", Q4_0, 64 << 20), /* 292 MiB moved, as for the copy ceiling */
};

CHORD_DEFINE_OP(dequant, .n_tensors = 2, .check = check, .tensor_bytes = tensor_bytes, .reference = reference,
                CHORD_OP_CASES(cases), .fill = fill, .case_tolerance = case_tolerance);
