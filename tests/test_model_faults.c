/* Bad model files and bad load parameters, each written by the test (tests/support_crafted.c: the synthetic tiny
 * model with one change): every count from the file is checked against the tensors present before it sizes an
 * allocation, float keys must be finite, a key of the wrong type is named as such, a tokenizer larger than the
 * embedding is refused at load, and the KV cache is checked against the device's memory before anything is
 * allocated, naming the largest n_ctx that fits (and that n_ctx loads). Runs under ASan/UBSan as it is. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llama.h"
#include "support_crafted.h"

static const char *path_for(const char *tag)
{
    static char path[128];
    snprintf(path, sizeof path, "/tmp/chord_test_faults_%d_%s.gguf", (int)getpid(), tag);
    return path;
}

/* Writes the edited model, then reads its hyperparameters and loads it on ref: both must fail with code and a
 * message containing text (read_hparams is what chord run asks first; load must not get further either). */
static void expect_refused(const crafted_edit *e, const char *tag, chord_status code, const char *text)
{
    const char *path = path_for(tag);
    cr_assert_eq(crafted_write(e, path), CHORD_OK, "crafting %s: %s", tag, chord_last_error());
    chord_gguf *g = NULL;
    cr_assert_eq(chord_gguf_open(path, &g), CHORD_OK, "%s: the crafted file must be valid GGUF: %s", tag,
                 chord_last_error());
    chord_llama_hparams hp;
    chord_status s = chord_llama_read_hparams(g, &hp);
    cr_expect_eq(s, code, "%s: read_hparams gave %s: %s", tag, chord_status_name(s), chord_last_error());
    cr_expect(strstr(chord_last_error(), text), "%s: message '%s' lacks '%s'", tag, chord_last_error(), text);
    chord_rt rt;
    cr_assert_eq(chord_open("ref", &rt, NULL), CHORD_OK);
    chord_llama *m = NULL;
    s = chord_llama_load(&rt, g, NULL, &m);
    cr_expect_eq(s, code, "%s: load gave %s: %s", tag, chord_status_name(s), chord_last_error());
    cr_expect_null(m);
    chord_llama_free(m);
    chord_close(&rt);
    chord_gguf_close(g);
    remove(path);
}

static crafted_edit u32_key(const char *key, uint32_t *v)
{
    return (crafted_edit){.key = key, .type = CHORD_GGUF_UINT32, .value = v, .value_bytes = 4};
}

/* Writes the edited model (tag names its file) and loads it on ref with the default parameters; returns the
 * load's status, chord_last_error() still holding its message. */
static chord_status load_edited(const crafted_edit *e, const char *tag)
{
    const char *path = path_for(tag);
    cr_assert_eq(crafted_write(e, path), CHORD_OK, "crafting %s: %s", tag, chord_last_error());
    chord_gguf *g = NULL;
    cr_assert_eq(chord_gguf_open(path, &g), CHORD_OK, "%s: %s", tag, chord_last_error());
    chord_rt rt;
    cr_assert_eq(chord_open("ref", &rt, NULL), CHORD_OK);
    chord_llama *m = NULL;
    chord_status s = chord_llama_load(&rt, g, NULL, &m);
    if (s != CHORD_OK)
        cr_expect_null(m);
    chord_llama_free(m);
    chord_close(&rt);
    chord_gguf_close(g);
    remove(path);
    return s;
}

Test(model_faults, tiny_model_loads)
{
    /* the unedited copy loads: every refusal below is the edit's doing */
    const crafted_edit none = {0};
    cr_expect_eq(load_edited(&none, "none"), CHORD_OK, "%s", chord_last_error());
}

Test(model_faults, block_count_beyond_the_tensors)
{
    /* 2^24 blocks once made a 7.5 GB layer table before "model lacks tensor" */
    uint32_t huge = 1u << 24, three = 3;
    crafted_edit e = u32_key("llama.block_count", &huge);
    expect_refused(&e, "blocks_huge", CHORD_ERR_FORMAT, "block_count 16777216 needs 150994946 tensors");
    e = u32_key("llama.block_count", &three); /* one block more than the file has: its tensors are missing */
    cr_expect_eq(load_edited(&e, "blocks_3"), CHORD_ERR_FORMAT);
    cr_expect(strstr(chord_last_error(), "block_count 3 needs 29 tensors") ||
                  strstr(chord_last_error(), "lacks tensor blk.2."),
              "'%s'", chord_last_error());
}

Test(model_faults, block_past_block_count)
{
    uint32_t one = 1; /* the file has two blocks: blk.1 would be ignored */
    crafted_edit e = u32_key("llama.block_count", &one);
    cr_expect_eq(load_edited(&e, "blocks_1"), CHORD_ERR_FORMAT, "%s", chord_last_error());
    cr_expect(strstr(chord_last_error(), "is past block_count 1"), "'%s'", chord_last_error());
}

Test(model_faults, float_keys_must_be_finite)
{
    const float inf = INFINITY, nan_f = NAN;
    const double big = 1e39; /* finite as a double, inf as the float chord keeps */
    crafted_edit e = {.key = "llama.rope.freq_base", .type = CHORD_GGUF_FLOAT32, .value = &inf, .value_bytes = 4};
    expect_refused(&e, "theta_inf", CHORD_ERR_FORMAT, "llama.rope.freq_base = inf must be positive and finite");
    e.value = &nan_f;
    expect_refused(&e, "theta_nan", CHORD_ERR_FORMAT, "llama.rope.freq_base = nan must be positive");
    e = (crafted_edit){
        .key = "llama.attention.layer_norm_rms_epsilon", .type = CHORD_GGUF_FLOAT64, .value = &big, .value_bytes = 8};
    expect_refused(&e, "eps_big", CHORD_ERR_FORMAT, "layer_norm_rms_epsilon = 1e+39 must be positive and finite");
    const double tiny = 1e-300; /* positive as a double, 0 as the float: fuzz_model found a theta of 0 loading */
    e = (crafted_edit){.key = "llama.rope.freq_base", .type = CHORD_GGUF_FLOAT64, .value = &tiny, .value_bytes = 8};
    expect_refused(&e, "theta_tiny", CHORD_ERR_FORMAT, "llama.rope.freq_base = 1e-300 must be positive and finite");
}

Test(model_faults, architecture_of_the_wrong_type)
{
    uint32_t seven = 7;
    crafted_edit e = u32_key("general.architecture", &seven);
    expect_refused(&e, "arch_u32", CHORD_ERR_FORMAT, "'general.architecture' has type u32, expected a string");
}

Test(model_faults, tokenizer_larger_than_the_embedding)
{
    /* token_embd cut to 500 of the tokenizer's 512 ids: ids 500..511 would have no row */
    const crafted_edit e = {.tensor = "token_embd.weight", .rows = 500};
    expect_refused(&e, "vocab", CHORD_ERR_FORMAT, "the tokenizer has 512 tokens but token_embd.weight has 500 rows");
}

/* Loads the tiny model on ref with the device's memory (or largest buffer) said to be limit bytes. */
static chord_status load_with_limit(chord_gguf *g, unsigned long long mem, unsigned long long max_alloc, int n_ctx)
{
    chord_rt rt;
    cr_assert_eq(chord_open("ref", &rt, NULL), CHORD_OK);
    rt.info.mem_bytes = mem;
    rt.info.max_alloc_bytes = max_alloc;
    const chord_llama_params p = {n_ctx, 0, NULL, NULL, 0};
    chord_llama *m = NULL;
    chord_status s = chord_llama_load(&rt, g, &p, &m);
    if (s != CHORD_OK)
        cr_expect_null(m);
    chord_llama_free(m);
    chord_close(&rt);
    return s;
}

/* "n_ctx at most N" from the message. */
static long long named_limit(void)
{
    const char *at = strstr(chord_last_error(), "n_ctx at most ");
    cr_assert_not_null(at, "no limit named in '%s'", chord_last_error());
    return atoll(at + strlen("n_ctx at most "));
}

Test(model_faults, n_ctx_against_device_memory)
{
    const crafted_edit none = {0};
    const char *path = path_for("mem");
    cr_assert_eq(crafted_write(&none, path), CHORD_OK, "%s", chord_last_error());
    chord_gguf *g = NULL;
    cr_assert_eq(chord_gguf_open(path, &g), CHORD_OK);

    /* total memory: the named n_ctx loads, one more does not */
    const unsigned long long mem = 8ull << 20;
    cr_expect_eq(load_with_limit(g, mem, 0, 1 << 20), CHORD_ERR_NOMEM);
    cr_expect(strstr(chord_last_error(), "needs a KV cache of") && strstr(chord_last_error(), "GiB of ref"), "'%s'",
              chord_last_error());
    long long fit = named_limit();
    cr_assert(fit > 0 && fit < (1 << 20), "limit %lld", fit);
    cr_expect_eq(load_with_limit(g, mem, 0, (int)fit), CHORD_OK, "n_ctx %lld: %s", fit, chord_last_error());
    cr_expect_eq(load_with_limit(g, mem, 0, (int)fit + 1), CHORD_ERR_NOMEM);

    /* the largest buffer: each layer's K (and V) cache is one */
    cr_expect_eq(load_with_limit(g, 0, 1ull << 20, 1 << 20), CHORD_ERR_NOMEM);
    cr_expect(strstr(chord_last_error(), "over the largest buffer ref allocates"), "'%s'", chord_last_error());
    fit = named_limit();
    cr_expect_eq(load_with_limit(g, 0, 1ull << 20, (int)fit), CHORD_OK, "n_ctx %lld: %s", fit, chord_last_error());
    cr_expect_eq(load_with_limit(g, 0, 1ull << 20, (int)fit + 1), CHORD_ERR_NOMEM);

    /* over chord's own limit: said so (it once said "n_batch 0") */
    cr_expect_eq(load_with_limit(g, 0, 0, 1 << 30), CHORD_ERR_INVALID);
    cr_expect(strstr(chord_last_error(), "n_ctx 1073741824 is over chord's limit of 1048576 tokens"), "'%s'",
              chord_last_error());
    chord_gguf_close(g);
    remove(path);
}
