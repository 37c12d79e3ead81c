/* llama-bench's pp, tg and depth tests on a loaded model (the definitions are in bench.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define MAX_LEN (1 << 20)

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* A decimal count in [lo, MAX_LEN] spanning [s, end); -1 otherwise. */
static long count_of(const char *s, const char *end, long lo)
{
    long v = 0;
    if (s == end || end - s > 8)
        return -1;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v < lo || v > MAX_LEN ? -1 : v;
}

chord_status chord_bench_parse_test(const char *s, chord_bench_test *t)
{
    const char *at = strchr(s, '@'), *end = at ? at : s + strlen(s);
    const int pp = !strncmp(s, "pp", 2), tg = !strncmp(s, "tg", 2);
    const long n = pp || tg ? count_of(s + 2, end, 1) : -1;
    const long d = !at ? 0 : at[1] == 'd' ? count_of(at + 2, at + 2 + strlen(at + 2), 0) : -1;
    if (n < 0 || d < 0)
        return chord_fail(CHORD_ERR_INVALID, "test '%s' is not ppP, tgN, ppP@dD or tgN@dD (P, N in 1..%d, D in 0..%d)",
                          s, MAX_LEN, MAX_LEN);
    *t = (chord_bench_test){pp ? (int)n : 0, tg ? (int)n : 0, (int)d};
    return CHORD_OK;
}

void chord_bench_test_name(const chord_bench_test *t, char *buf, size_t size)
{
    int k = snprintf(buf, size, "%s%d", t->n_prompt ? "pp" : "tg", t->n_prompt ? t->n_prompt : t->n_gen);
    if (t->n_depth && k > 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, "@d%d", t->n_depth);
}

chord_status chord_bench_init(chord_bench *b, chord_llama *m, int bos)
{
    memset(b, 0, sizeof *b);
    b->m = m;
    b->bos = bos;
    b->rng = 0x9E3779B97F4A7C15ull;
    b->ids = malloc((size_t)chord_llama_n_ctx(m) * sizeof *b->ids);
    b->logits = malloc((size_t)chord_llama_get_hparams(m)->n_vocab * sizeof *b->logits);
    if (!b->ids || !b->logits) {
        chord_bench_free(b);
        return chord_fail(CHORD_ERR_NOMEM, "no memory for the benchmark's tokens and logits");
    }
    return CHORD_OK;
}

void chord_bench_free(chord_bench *b)
{
    free(b->ids);
    free(b->logits);
    b->ids = NULL;
    b->logits = NULL;
}

/* xorshift64* over the vocabulary */
static int32_t next_token(chord_bench *b)
{
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return (int32_t)((b->rng * 0x2545F4914F6CDD1Dull >> 33) % (uint64_t)chord_llama_get_hparams(b->m)->n_vocab);
}

/* n tokens at pos0 .. pos0 + n - 1 (BOS first at position 0); the logits come back when asked. */
static chord_status eval_random(chord_bench *b, int n, int pos0, int want_logits)
{
    for (int i = 0; i < n; i++)
        b->ids[i] = pos0 + i == 0 && b->bos >= 0 ? b->bos : next_token(b);
    int32_t next;
    if (want_logits && b->argmax)
        return chord_llama_eval_argmax(b->m, b->ids, n, pos0, &next);
    return chord_llama_eval(b->m, b->ids, n, pos0, want_logits ? b->logits : NULL);
}

/* One run of t: the whole prompt as one eval, or n_gen evals of one token. */
static chord_status run_once(chord_bench *b, const chord_bench_test *t, uint64_t *ns)
{
    if (b->valid > t->n_depth)
        b->valid = t->n_depth; /* positions from n_depth on are about to hold this run's tokens */
    const uint64_t t0 = now_ns();
    if (t->n_prompt)
        CHORD_TRY(eval_random(b, t->n_prompt, t->n_depth, 1));
    for (int i = 0; i < t->n_gen; i++)
        CHORD_TRY(eval_random(b, 1, t->n_depth + i, 1));
    *ns = now_ns() - t0;
    return CHORD_OK;
}

chord_status chord_bench_run(chord_bench *b, const chord_bench_test *t, int warmup, int reps, uint64_t *ns,
                             uint64_t *depth_ns)
{
    const int64_t need = (int64_t)t->n_depth + t->n_prompt + t->n_gen;
    if ((t->n_prompt > 0) == (t->n_gen > 0) || t->n_prompt < 0 || t->n_gen < 0 || t->n_depth < 0 || reps < 1)
        return chord_fail(CHORD_ERR_INVALID, "bench: a test is one pp or one tg (pp %d, tg %d, depth %d), run %d times",
                          t->n_prompt, t->n_gen, t->n_depth, reps);
    if (need > chord_llama_n_ctx(b->m))
        return chord_fail(CHORD_ERR_INVALID, "bench: the test needs %lld positions, the context holds %d",
                          (long long)need, chord_llama_n_ctx(b->m));
    *depth_ns = 0;
    if (b->valid < t->n_depth) {
        const uint64_t t0 = now_ns();
        b->valid = 0;
        CHORD_TRY(eval_random(b, t->n_depth, 0, 0)); /* chord_llama_eval splits it into batches of n_batch */
        b->valid = t->n_depth;
        *depth_ns = now_ns() - t0;
    }
    if (warmup) {
        const chord_bench_test w = {t->n_prompt, t->n_prompt ? 0 : 1, t->n_depth};
        uint64_t unused;
        CHORD_TRY(run_once(b, &w, &unused));
    }
    for (int i = 0; i < reps; i++)
        CHORD_TRY(run_once(b, t, &ns[i]));
    return CHORD_OK;
}

size_t chord_bench_decode_bytes(const chord_gguf *g)
{
    size_t total = 0;
    for (int64_t i = 0; i < chord_gguf_n_tensors(g); i++)
        total += chord_gguf_tensor_at(g, i)->bytes;
    const chord_gguf_tensor *e = chord_gguf_find_tensor(g, "token_embd.weight");
    if (e && chord_gguf_find_tensor(g, "output.weight"))
        total -= e->bytes - e->bytes / (size_t)(e->ne[1] > 0 ? e->ne[1] : 1);
    return total;
}
