/* model/bench.h on the ref backend with a small synthetic model: each test evaluates exactly the tokens llama-bench's
 * definition says (counted by the profile: one dequant launch per token embedded, one output rmsnorm per eval that
 * returns logits), the warm-up is one whole pp or one tg step, the depth context is prefilled once and reused until
 * a test at a smaller depth overwrites it, a test longer than the context is refused before anything runs, test
 * names parse and print back, and the decode bytes count token_embd only when the head reads it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "synth.h"

#define N_CTX 40

typedef struct fixture {
    chord_gguf *g;
    chord_rt rt;
    chord_llama *m;
    chord_bench b;
} fixture;

/* head_dim 32, 4 query heads on 2 kv heads; tied (the head reads token_embd) or with its own output.weight */
static void open_model(fixture *f, int tied)
{
    const chord_synth_shape shape = {"bench", 128, 2, 4, 2, 256, 512, 256, 10000.0f, 1e-5f, tied,
                                     CHORD_SYNTH_VOCAB_CHATML};
    const chord_synth_params sp = {CHORD_TYPE_Q4_0, 3, 0};
    char path[256];
    snprintf(path, sizeof path, "%s/chord_test_bench_%d_%d.gguf", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid(), tied);
    cr_assert_eq(chord_synth_write(&shape, &sp, path), CHORD_OK, "synth: %s", chord_last_error());
    chord_status s = chord_gguf_open(path, &f->g);
    unlink(path); /* the mapping stays valid */
    cr_assert_eq(s, CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_open("ref", &f->rt, NULL), CHORD_OK, "%s", chord_last_error());
    const chord_llama_params lp = {N_CTX, 16, NULL, NULL, 0};
    cr_assert_eq(chord_llama_load(&f->rt, f->g, &lp, &f->m), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_bench_init(&f->b, f->m, 1), CHORD_OK, "%s", chord_last_error());
}

static void close_model(fixture *f)
{
    chord_bench_free(&f->b);
    chord_llama_free(f->m);
    chord_close(&f->rt);
    chord_gguf_close(f->g);
}

/* Runs t and checks the tokens embedded and the evals that returned logits, and whether the depth was prefilled. */
static void expect_run(fixture *f, const char *test, int warmup, int reps, int tokens, int logit_evals, int prefilled)
{
    chord_bench_test t;
    cr_assert_eq(chord_bench_parse_test(test, &t), CHORD_OK, "%s", test);
    uint64_t ns[8], depth_ns = 1;
    chord_llama_profile(f->m, 1); /* clears the counts */
    cr_assert_eq(chord_bench_run(&f->b, &t, warmup, reps, ns, &depth_ns), CHORD_OK, "%s: %s", test,
                 chord_last_error());
    double ms;
    const int dequant = chord_llama_profile_get(f->m, CHORD_OP_DEQUANT, &ms);
    /* a folded norm (rmsnorm_qkv, rmsnorm_swiglu) is that norm's launch */
    const int norms = chord_llama_profile_get(f->m, CHORD_OP_RMSNORM, &ms) +
                      chord_llama_profile_get(f->m, CHORD_OP_RMSNORM_QKV, &ms) +
                      chord_llama_profile_get(f->m, CHORD_OP_RMSNORM_SWIGLU, &ms);
    chord_llama_profile(f->m, 0);
    const int n_layer = chord_llama_get_hparams(f->m)->n_layer;
    const int batches = prefilled ? (t.n_depth + 15) / 16 : 0; /* the depth goes in batches of n_batch (16) */
    const int evals = logit_evals + batches;
    cr_expect_eq(dequant, tokens, "%s: %d tokens embedded, want %d", test, dequant, tokens);
    cr_expect_eq(norms, 2 * n_layer * evals + logit_evals, "%s: %d rmsnorm launches, want %d", test, norms,
                 2 * n_layer * evals + logit_evals);
    cr_expect_eq(depth_ns > 0, prefilled, "%s: depth prefill %s", test, depth_ns ? "ran" : "did not run");
    for (int i = 0; i < reps; i++)
        cr_expect_gt(ns[i], 0u, "%s: run %d took no time", test, i);
}

Test(bench, tests_evaluate_what_llama_bench_defines, .timeout = 300)
{
    fixture f;
    open_model(&f, 1);
    expect_run(&f, "pp8", 1, 2, 8 * 3, 3, 0);          /* warm-up and 2 runs, each 8 tokens in one eval */
    expect_run(&f, "pp8", 0, 3, 8 * 3, 3, 0);          /* no warm-up */
    expect_run(&f, "tg4", 1, 2, 1 + 4 * 2, 1 + 8, 0);  /* one warm-up step, then 2 x 4 steps */
    expect_run(&f, "tg4@d20", 1, 2, 20 + 9, 9, 1);     /* the depth once, without logits, in 2 batches */
    expect_run(&f, "tg2@d20", 1, 2, 1 + 4, 5, 0);      /* the same depth: kept */
    expect_run(&f, "pp4@d12", 1, 1, 4 * 2, 2, 0);      /* a smaller depth: positions below 12 still hold it */
    expect_run(&f, "tg2@d20", 0, 1, 20 + 2, 2, 1);     /* ... but 12 .. 19 were overwritten: prefilled again */
    expect_run(&f, "tg2", 0, 1, 2, 2, 0);              /* depth 0 needs nothing */
    expect_run(&f, "tg2@d8", 0, 1, 8 + 2, 2, 1);       /* the tg2 above overwrote from position 0 */
    close_model(&f);
}

Test(bench, a_test_longer_than_the_context_is_refused)
{
    fixture f;
    open_model(&f, 1);
    const chord_bench_test t = {8, 0, N_CTX - 7}, bad = {4, 4, 0};
    uint64_t ns[1], depth_ns;
    chord_llama_profile(f.m, 1);
    cr_expect_eq(chord_bench_run(&f.b, &t, 1, 1, ns, &depth_ns), CHORD_ERR_INVALID);
    cr_expect(strstr(chord_last_error(), "context holds 40"), "%s", chord_last_error());
    cr_expect_eq(chord_bench_run(&f.b, &bad, 1, 1, ns, &depth_ns), CHORD_ERR_INVALID, "pp and tg in one test");
    double ms;
    cr_expect_eq(chord_llama_profile_get(f.m, CHORD_OP_DEQUANT, &ms), 0, "something ran before the refusal");
    const chord_bench_test fits = {8, 0, N_CTX - 8};
    cr_expect_eq(chord_bench_run(&f.b, &fits, 0, 1, ns, &depth_ns), CHORD_OK, "%s", chord_last_error());
    close_model(&f);
}

Test(bench, test_names)
{
    static const char *const good[] = {"pp512", "tg128", "tg128@d4096", "pp1@d0", "pp1048576"};
    static const char *const bad[] = {"", "pp", "pp0", "tg-1", "tg12x", "xx12", "tg4@4096", "tg4@d", "tg4@dx",
                                      "pp1048577", "tg4@d1048577", "pp99999999999", "PP512", "tg 4"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        chord_bench_test t;
        char name[64], want[64];
        cr_assert_eq(chord_bench_parse_test(good[i], &t), CHORD_OK, "'%s': %s", good[i], chord_last_error());
        chord_bench_test_name(&t, name, sizeof name);
        snprintf(want, sizeof want, "%s", good[i]);
        if (strstr(want, "@d0"))
            *strstr(want, "@d0") = 0; /* depth 0 is the plain test */
        cr_expect_str_eq(name, want);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        chord_bench_test t;
        cr_expect_eq(chord_bench_parse_test(bad[i], &t), CHORD_ERR_INVALID, "'%s' parsed", bad[i]);
    }
}

Test(bench, decode_bytes_count_token_embd_only_when_the_head_reads_it)
{
    for (int tied = 0; tied <= 1; tied++) {
        fixture f;
        open_model(&f, tied);
        size_t total = 0;
        for (int64_t i = 0; i < chord_gguf_n_tensors(f.g); i++)
            total += chord_gguf_tensor_at(f.g, i)->bytes;
        const chord_gguf_tensor *e = chord_gguf_find_tensor(f.g, "token_embd.weight");
        cr_assert_not_null(e);
        cr_expect_eq(chord_gguf_find_tensor(f.g, "output.weight") == NULL, tied);
        const size_t want = tied ? total : total - e->bytes + e->bytes / (size_t)e->ne[1];
        cr_expect_eq(chord_bench_decode_bytes(f.g), want, "tied %d: %zu, want %zu", tied,
                     chord_bench_decode_bytes(f.g), want);
        close_model(&f);
    }
}
