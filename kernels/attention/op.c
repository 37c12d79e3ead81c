/* attention's descriptor and cases over a KV cache: decode, prefill, grouped-query heads. A case allocates the
 * whole cache (n_ctx rows) and fills the rows past pos0 + n_tok with NaN, which no kernel may read. */
#include <math.h>

#include "../ops.h"
#include "attention.h"

/* What an attention case holds beyond its args: the cache it allocates. */
typedef struct attention_case {
    int n_ctx; /* KV cache rows, >= pos0 + n_tok */
} attention_case;

static const char *check(const void *args)
{
    const chord_attention_args *a = args;
    if (a->n_tok < 0 || a->pos0 < 0 || a->n_head <= 0 || a->n_head_kv <= 0 || a->head_dim <= 0)
        return "negative n_tok or pos0, or n_head, n_head_kv or head_dim not positive";
    if (a->n_head % a->n_head_kv != 0)
        return "n_head is not a multiple of n_head_kv";
    return NULL;
}

static size_t tensor_bytes(const void *args, int i)
{
    const chord_attention_args *a = args;
    if (i == 1 || i == 2) /* cache rows 0 .. pos0 + n_tok - 1 */
        return chord_f32_bytes((int64_t)(a->pos0 + a->n_tok) * a->n_head_kv * a->head_dim);
    return chord_f32_bytes((int64_t)a->n_tok * a->n_head * a->head_dim);
}

static double flops(const void *args)
{
    const chord_attention_args *a = args;
    double keys = 0; /* token t sees pos0 + t + 1 keys: q.k and p.v per key and dim */
    for (int t = 0; t < a->n_tok; t++)
        keys += a->pos0 + t + 1;
    return 4.0 * keys * a->n_head * a->head_dim;
}

static void reference(void *const t[], const void *args) { chord_attention_reference(t[0], t[1], t[2], t[3], args); }

static size_t case_bytes(const chord_case *c, int i)
{
    const chord_attention_args *a = c->args;
    if ((i == 1 || i == 2) && c->extra) /* the whole cache: rows past the valid ones hold NaN */
        return chord_f32_bytes((int64_t)((const attention_case *)c->extra)->n_ctx * a->n_head_kv * a->head_dim);
    return tensor_bytes(a, i);
}

static void fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    float *x = host;
    const int64_t n = (int64_t)(bytes / sizeof(float));
    chord_fill_f32(x, n, rng, -1, 1);
    if (i == 1 || i == 2) { /* rows past the valid ones must never be read */
        const chord_attention_args *a = c->args;
        for (int64_t j = (int64_t)(a->pos0 + a->n_tok) * a->n_head_kv * a->head_dim; j < n; j++)
            x[j] = NAN;
    }
}

#define CASE(size_, name_, ctx_, tok_, head_, head_kv_, dim_, pos0_, scale_)                  \
    {                                                                                         \
        .op = CHORD_OP_ATTENTION, .name = name_, .size = size_,                               \
        .args = CHORD_ARGS(chord_attention_args, tok_, head_, head_kv_, dim_, pos0_, scale_), \
        .extra = CHORD_ARGS(attention_case, ctx_)                                             \
    }

static const chord_case cases[] = {
    CASE(CHORD_CASE_SMALL, "decode 9/3 heads d64 pos0", 4, 1, 9, 3, 64, 0, 0.125f),
    CASE(CHORD_CASE_SMALL, "decode 9/3 heads d64 pos100", 128, 1, 9, 3, 64, 100, 0.125f),
    CASE(CHORD_CASE_SMALL, "prefill 7 tok 9/3 heads pos13", 23, 7, 9, 3, 64, 13, 0.125f),
    CASE(CHORD_CASE_SMALL, "prefill 5 tok 4/4 heads d48", 7, 5, 4, 4, 48, 0, 0.14433757f),
    CASE(CHORD_CASE_SMALL, "prefill 17 tok 32/8 heads d128", 50, 17, 32, 8, 128, 30, 0.088388348f),
    /* prompt batches of 16 tokens and more take v4 on CUDA: partial query and key tiles, a cache before the batch */
    CASE(CHORD_CASE_SMALL, "prefill 100 tok 9/3 heads d64 pos20", 130, 100, 9, 3, 64, 20, 0.125f),
    CASE(CHORD_CASE_SMALL, "prefill 70 tok 4/4 heads d48", 70, 70, 4, 4, 48, 0, 0.14433757f),
    CASE(CHORD_CASE_SMALL, "prefill 16 tok 32/8 heads d128 pos1", 17, 16, 32, 8, 128, 1, 0.088388348f),
    CASE(CHORD_CASE_LARGE, "prefill 512 tok 32/32 heads d128", 512, 512, 32, 32, 128, 0, 0.088388348f),
    CASE(CHORD_CASE_LARGE, "prefill 512 tok 32/8 heads d64", 512, 512, 32, 8, 64, 0, 0.125f),
    CASE(CHORD_CASE_LARGE, "decode 32/8 heads d128 pos4000", 4096, 1, 32, 8, 128, 4000, 0.088388348f),
};

CHORD_DEFINE_OP(attention, .n_tensors = 4, .check = check, .tensor_bytes = tensor_bytes, .flops = flops,
                .reference = reference, CHORD_OP_CASES(cases), .case_bytes = case_bytes, .fill = fill,
                .tolerance = {1e-9, 1e-5, 1e-4});
