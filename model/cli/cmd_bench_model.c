/* chord bench-model: llama-bench's tests on a chord backend, so both can be run on the same file with the same
 * flags (bench/vs-llama.sh does). The definitions follow llama-bench:
 *   ppP      a prompt of P random tokens (BOS first when the model adds one) evaluated as one batch, from an empty
 *            context; the last token's logits come back to the host.
 *   tgN      N single-token steps (BOS, then random tokens), each followed by its logits coming back; as in
 *            llama-bench, tg does not follow a pp: it starts at position 0, or at D with -d.
 *   ...@dD   the test runs after D tokens of context (random, prefilled in batches, untimed).
 * Each test is warmed up once (a whole pp, one tg step, at the test's position) and then timed R times with the
 * wall clock around chord_llama_eval (which returns after the device has finished); rates are tokens / median time.
 * The depth context is prefilled once and kept for every run of the test: a run writes only positions >= D, so
 * what it reads below D is the same each time (llama-bench restores a saved state to the same effect). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "llama.h"
#include "tokenizer.h"

#define MAX_TESTS 64
#define MAX_LIST 16
#define MAX_REPS 1000

typedef struct bench_test {
    int n_prompt, n_gen, n_depth; /* exactly one of n_prompt, n_gen is non-zero */
} bench_test;

typedef struct bench_opts {
    const char *model, *backend;
    int reps, threads, warmup, json;
    bench_test tests[MAX_TESTS];
    int n_tests;
} bench_opts;

static int usage(FILE *f, int code)
{
    fprintf(f,
            "usage: chord bench-model -m MODEL.gguf [-p LIST] [-n LIST] [-d LIST] [-r N] [-b BACKEND] [options]\n\n"
            "Times llama-bench's tests on one chord backend: ppP (a P-token prompt as one batch), tgN (N single-token\n"
            "steps), each at every depth D (tokens of context before the test). LISTs are comma-separated; 0 skips.\n"
            "Rates are tokens / median wall time of R runs after one untimed warm-up run per test.\n\n"
            "  -m, --model PATH     GGUF model\n"
            "  -p, --n-prompt LIST  prompt lengths (default 512)\n"
            "  -n, --n-gen LIST     generation lengths (default 128)\n"
            "  -d, --n-depth LIST   depths (default 0)\n"
            "  --tests LIST         exact tests instead of -p/-n/-d: ppP, tgN, ppP@dD, tgN@dD (e.g. pp512,tg128@d4096)\n"
            "  -r, --repetitions N  timed runs per test (default 5)\n"
            "  -b, --backend B      ref, opencl, vulkan, cuda (as compiled in), optionally :DEVICE; default auto\n"
            "  -t, --threads N      threads, where the backend takes a count: ref's matmul threads (it sets\n"
            "                       CHORD_REF_THREADS); OpenCL and Vulkan drivers choose their own\n"
            "  --no-warmup          skip the warm-up runs\n"
            "  -o, --output FMT     md (default) or json (one object per test, with every run's time)\n");
    return code;
}

/* Non-negative integer no larger than max; -1 if s is not one. */
static long parse_count(const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno || end == s || *end || v < 0 || v > max ? -1 : v;
}

/* "512,1024" -> {512, 1024}; returns the count, or -1 on a bad item. */
static int parse_list(const char *s, int *out, long max)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long v = parse_count(tok, max);
        if (v < 0 || n == MAX_LIST)
            return -1;
        out[n++] = (int)v;
    }
    return n ? n : -1;
}

/* "pp512", "tg128", "tg128@d4096" */
static int parse_test(const char *s, bench_test *t)
{
    char kind[3] = {0}, num[32], depth[32] = "0";
    const char *at = strchr(s, '@');
    size_t len = at ? (size_t)(at - s) : strlen(s);
    if (len < 3 || len - 2 >= sizeof num || (at && (at[1] != 'd' || strlen(at + 2) >= sizeof depth)))
        return -1;
    memcpy(kind, s, 2);
    memcpy(num, s + 2, len - 2);
    num[len - 2] = 0;
    if (at)
        strcpy(depth, at + 2);
    const long n = parse_count(num, 1 << 20), d = parse_count(depth, 1 << 20);
    if (n < 1 || d < 0 || (strcmp(kind, "pp") && strcmp(kind, "tg")))
        return -1;
    *t = (bench_test){kind[0] == 'p' ? (int)n : 0, kind[0] == 't' ? (int)n : 0, (int)d};
    return 0;
}

static void test_name(const bench_test *t, char *buf, size_t size)
{
    int k = snprintf(buf, size, "%s%d", t->n_prompt ? "pp" : "tg", t->n_prompt ? t->n_prompt : t->n_gen);
    if (t->n_depth && k > 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, "@d%d", t->n_depth);
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, bench_opts *o)
{
    int p[MAX_LIST] = {512}, n[MAX_LIST] = {128}, d[MAX_LIST] = {0}, np = 1, nn = 1, nd = 1, explicit = 0;
    memset(o, 0, sizeof *o);
    o->reps = 5;
    o->warmup = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long k = 0;
#define IS(s) (!strcmp(a, s))
        if (IS("-h") || IS("--help"))
            return usage(stdout, 0);
        if (IS("--no-warmup")) {
            o->warmup = 0;
            continue;
        }
        if (!v || a[0] != '-') {
            fprintf(stderr, "chord bench-model: unknown option or missing value: '%s'\n", a);
            return usage(stderr, 2);
        }
        i++;
        if (IS("-m") || IS("--model"))
            o->model = v;
        else if (IS("-b") || IS("--backend"))
            o->backend = v;
        else if (IS("-p") || IS("--n-prompt"))
            k = np = parse_list(v, p, 1 << 20);
        else if (IS("-n") || IS("--n-gen"))
            k = nn = parse_list(v, n, 1 << 20);
        else if (IS("-d") || IS("--n-depth"))
            k = nd = parse_list(v, d, 1 << 20);
        else if (IS("-r") || IS("--repetitions"))
            k = o->reps = (int)parse_count(v, MAX_REPS);
        else if (IS("-t") || IS("--threads"))
            k = o->threads = (int)parse_count(v, 4096);
        else if (IS("-o") || IS("--output")) {
            o->json = !strcmp(v, "json");
            k = o->json || !strcmp(v, "md") ? 0 : -1;
        } else if (IS("--tests")) {
            char buf[1024];
            k = strlen(v) < sizeof buf ? 0 : -1;
            snprintf(buf, sizeof buf, "%s", v);
            for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && k == 0; t = strtok_r(NULL, ",", &save))
                k = o->n_tests < MAX_TESTS ? parse_test(t, &o->tests[o->n_tests++]) : -1;
            explicit = 1;
        } else {
            fprintf(stderr, "chord bench-model: unknown option '%s'\n", a);
            return usage(stderr, 2);
        }
#undef IS
        if (k < 0 || (!strcmp(a, "-r") && o->reps < 1)) {
            fprintf(stderr, "chord bench-model: bad value '%s' for %s\n", v, a);
            return 2;
        }
    }
    if (!o->model) {
        fprintf(stderr, "chord bench-model: no model (-m MODEL.gguf)\n");
        return usage(stderr, 2);
    }
    if (!explicit) /* llama-bench's order: at each depth, the pp tests, then the tg tests */
        for (int id = 0; id < nd; id++) {
            for (int ip = 0; ip < np; ip++)
                if (p[ip] && o->n_tests < MAX_TESTS)
                    o->tests[o->n_tests++] = (bench_test){p[ip], 0, d[id]};
            for (int in = 0; in < nn; in++)
                if (n[in] && o->n_tests < MAX_TESTS)
                    o->tests[o->n_tests++] = (bench_test){0, n[in], d[id]};
        }
    if (o->n_tests == 0) {
        fprintf(stderr, "chord bench-model: no test (every length is 0)\n");
        return 2;
    }
    return -1;
}

typedef struct bench_state {
    bench_opts o;
    chord_gguf *g;
    chord_tokenizer *tok;
    chord_rt rt;
    chord_llama *m;
    int32_t *ids;       /* (n_batch_max) the tokens of one eval */
    float *logits;      /* (n_vocab) */
    int n_vocab, bos;   /* bos: the id every eval at position 0 starts with, or -1 */
    int valid;          /* cache positions [0, valid) hold the current depth context */
    uint64_t rng;
    size_t weight_bytes, bytes_per_token, kv_row_bytes;
} bench_state;

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* xorshift64*: the token stream, the same on every run and backend */
static int32_t next_token(bench_state *S)
{
    S->rng ^= S->rng >> 12;
    S->rng ^= S->rng << 25;
    S->rng ^= S->rng >> 27;
    return (int32_t)((S->rng * 0x2545F4914F6CDD1Dull >> 33) % (uint64_t)S->n_vocab);
}

/* n tokens at pos0 .. pos0 + n - 1 (BOS first at position 0); logits back to the host when asked. */
static chord_status eval_random(bench_state *S, int n, int pos0, int want_logits)
{
    for (int i = 0; i < n; i++)
        S->ids[i] = pos0 + i == 0 && S->bos >= 0 ? S->bos : next_token(S);
    return chord_llama_eval(S->m, S->ids, n, pos0, want_logits ? S->logits : NULL);
}

/* One timed run of t: the whole prompt as one eval, or n_gen evals of one token. */
static chord_status run_once(bench_state *S, const bench_test *t, uint64_t *ns)
{
    const uint64_t t0 = now_ns();
    if (t->n_prompt)
        CHORD_TRY(eval_random(S, t->n_prompt, t->n_depth, 1));
    for (int i = 0; i < t->n_gen; i++)
        CHORD_TRY(eval_random(S, 1, t->n_depth + i, 1));
    *ns = now_ns() - t0;
    if (S->valid > t->n_depth)
        S->valid = t->n_depth; /* positions from n_depth on now hold this run's tokens */
    return CHORD_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

typedef struct test_result {
    uint64_t ns[MAX_REPS];
    double median_ts, avg_ts, stddev_ts;
} test_result;

static chord_status run_test(bench_state *S, const bench_test *t, test_result *r)
{
    const int n_tok = t->n_prompt + t->n_gen;
    char name[64];
    test_name(t, name, sizeof name);
    if (S->valid < t->n_depth) {
        const uint64_t t0 = now_ns();
        CHORD_TRY(eval_random(S, t->n_depth, 0, 0)); /* chord_llama_eval splits it into batches of n_batch */
        S->valid = t->n_depth;
        fprintf(stderr, "chord bench-model: %s: depth %d prefilled in %.1f s\n", name, t->n_depth,
                (double)(now_ns() - t0) * 1e-9);
    }
    if (S->o.warmup) {
        const bench_test w = {t->n_prompt, t->n_prompt ? 0 : 1, t->n_depth};
        uint64_t ns;
        CHORD_TRY(run_once(S, &w, &ns));
    }
    double sum = 0, sum2 = 0;
    for (int i = 0; i < S->o.reps; i++) {
        CHORD_TRY(run_once(S, t, &r->ns[i]));
        const double ts = n_tok / ((double)r->ns[i] * 1e-9);
        sum += ts;
        sum2 += ts * ts;
    }
    uint64_t sorted[MAX_REPS];
    memcpy(sorted, r->ns, (size_t)S->o.reps * sizeof *sorted);
    qsort(sorted, (size_t)S->o.reps, sizeof *sorted, cmp_u64);
    const int n = S->o.reps;
    const double med_ns = n % 2 ? (double)sorted[n / 2] : 0.5 * ((double)sorted[n / 2 - 1] + (double)sorted[n / 2]);
    r->median_ts = n_tok / (med_ns * 1e-9);
    r->avg_ts = sum / n;
    r->stddev_ts = n > 1 ? sqrt((sum2 - sum * sum / n) / (n - 1) > 0 ? (sum2 - sum * sum / n) / (n - 1) : 0) : 0;
    fprintf(stderr, "chord bench-model: %s: %.2f tok/s (median of %d)\n", name, r->median_ts, n);
    return CHORD_OK;
}

/* -t on the backends that take a thread count; returns how many threads the backend was asked for (0: none). */
static int apply_threads(const char *backend, int threads)
{
    if (threads > 0 && backend && !strncmp(backend, "ref", 3) && (backend[3] == 0 || backend[3] == ':')) {
        char n[16];
        snprintf(n, sizeof n, "%d", threads);
        setenv("CHORD_REF_THREADS", n, 1);
        return threads;
    }
    return 0;
}

/* The bytes a decode step reads from the weights: every tensor, less token_embd when the head has its own
 * output.weight (then one row of it is read per token). The same for chord and llama.cpp on the same file. */
static size_t decode_bytes(const chord_gguf *g)
{
    size_t total = 0;
    for (int64_t i = 0; i < chord_gguf_n_tensors(g); i++)
        total += chord_gguf_tensor_at(g, i)->bytes;
    const chord_gguf_tensor *e = chord_gguf_find_tensor(g, "token_embd.weight");
    if (e && chord_gguf_find_tensor(g, "output.weight"))
        total -= e->bytes - e->bytes / (size_t)(e->ne[1] > 0 ? e->ne[1] : 1);
    return total;
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_json(const bench_state *S, const test_result *res, int threads_used)
{
    const chord_llama_hparams *hp = chord_llama_get_hparams(S->m);
    printf("{\"model\": ");
    json_string(S->o.model);
    printf(", \"arch\": ");
    json_string(hp->arch);
    printf(", \"type\": \"%s\", \"n_layer\": %d, \"n_embd\": %d, \"n_vocab\": %d", chord_type_info(hp->matmul_type)->name,
           hp->n_layer, hp->n_embd, hp->n_vocab);
    printf(", \"backend\": \"%s\", \"device\": ", S->rt.be->name);
    json_string(S->rt.info.name);
    printf(", \"n_threads\": %d, \"n_threads_used\": %d, \"n_batch\": %d, \"n_ctx\": %d, \"warmup\": %s", S->o.threads,
           threads_used, chord_llama_n_batch(S->m), chord_llama_n_ctx(S->m), S->o.warmup ? "true" : "false");
    printf(", \"weight_bytes\": %zu, \"bytes_per_token\": %zu, \"kv_type\": \"f32\", \"tests\": [", S->weight_bytes,
           S->bytes_per_token);
    for (int i = 0; i < S->o.n_tests; i++) {
        const bench_test *t = &S->o.tests[i];
        char name[64];
        test_name(t, name, sizeof name);
        /* what attention reads per step, on average over the test's positions (K and V rows, f32) */
        const double kv = t->n_gen ? 2.0 * hp->n_layer * (double)S->kv_row_bytes * (t->n_depth + (t->n_gen + 1) / 2.0)
                                   : 0;
        printf("%s\n  {\"test\": \"%s\", \"n_prompt\": %d, \"n_gen\": %d, \"n_depth\": %d, \"kv_bytes_per_token\": %.0f"
               ", \"median_ts\": %.4f, \"avg_ts\": %.4f, \"stddev_ts\": %.4f, \"samples_ns\": [",
               i ? "," : "", name, t->n_prompt, t->n_gen, t->n_depth, kv, res[i].median_ts, res[i].avg_ts,
               res[i].stddev_ts);
        for (int k = 0; k < S->o.reps; k++)
            printf("%s%llu", k ? ", " : "", (unsigned long long)res[i].ns[k]);
        printf("]}");
    }
    printf("\n]}\n");
}

static void print_md(const bench_state *S, const test_result *res)
{
    const chord_llama_hparams *hp = chord_llama_get_hparams(S->m);
    printf("| model | type | size | backend | device | test | t/s |\n| --- | --- | ---: | --- | --- | --- | ---: |\n");
    for (int i = 0; i < S->o.n_tests; i++) {
        char name[64];
        test_name(&S->o.tests[i], name, sizeof name);
        printf("| %s %dL x %d | %s | %.2f GiB | %s | %s | %s | %.2f ± %.2f |\n", hp->arch, hp->n_layer, hp->n_embd,
               chord_type_info(hp->matmul_type)->name, (double)S->weight_bytes / (1u << 30), S->rt.be->name,
               S->rt.info.name, name, res[i].median_ts, res[i].stddev_ts);
    }
}

static int fail(const char *what)
{
    fprintf(stderr, "chord bench-model: %s: %s\n", what, chord_last_error());
    return 1;
}

static int run(bench_state *S, test_result *res)
{
    const bench_opts *o = &S->o;
    if (chord_gguf_open(o->model, &S->g) != CHORD_OK)
        return fail("model");
    chord_llama_hparams hp;
    if (chord_llama_read_hparams(S->g, &hp) != CHORD_OK)
        return fail("model");
    if (chord_tokenizer_load(S->g, &S->tok) != CHORD_OK)
        return fail("tokenizer");
    S->bos = chord_tokenizer_add_bos(S->tok) ? chord_tokenizer_bos(S->tok) : -1;
    S->n_vocab = hp.n_vocab;
    S->kv_row_bytes = (size_t)hp.n_head_kv * hp.head_dim * sizeof(float);
    S->bytes_per_token = decode_bytes(S->g);
    for (int64_t i = 0; i < chord_gguf_n_tensors(S->g); i++)
        S->weight_bytes += chord_gguf_tensor_at(S->g, i)->bytes;
    /* one context for every test, as long as the longest needs (llama-bench: n_prompt + n_gen + n_depth each) */
    int n_ctx = 1, n_batch = 1;
    for (int i = 0; i < o->n_tests; i++) {
        const bench_test *t = &o->tests[i];
        if ((int64_t)t->n_prompt + t->n_gen + t->n_depth > (1 << 20)) {
            fprintf(stderr, "chord bench-model: a test longer than 2^20 tokens\n");
            return 2;
        }
        if (t->n_prompt + t->n_gen + t->n_depth > n_ctx)
            n_ctx = t->n_prompt + t->n_gen + t->n_depth;
        if (t->n_prompt > n_batch)
            n_batch = t->n_prompt;
        if (t->n_depth && n_batch < 512)
            n_batch = 512; /* the depth context goes in batches of 512, llama-bench's micro-batch */
    }
    if (n_batch > n_ctx)
        n_batch = n_ctx;
    const int threads_used = apply_threads(o->backend, o->threads);
    if (chord_open(o->backend, &S->rt, NULL) != CHORD_OK)
        return fail("backend");
    if (o->threads > 0 && !threads_used)
        fprintf(stderr, "chord bench-model: -t %d: backend %s takes no thread count (its driver chooses)\n", o->threads,
                S->rt.be->name);
    fprintf(stderr, "chord bench-model: %s on %s:%d (%s), n_ctx %d, n_batch %d\n", o->model, S->rt.be->name,
            S->rt.device, S->rt.info.name, n_ctx, n_batch);
    chord_llama_params lp = {n_ctx, n_batch, NULL, NULL};
    if (chord_llama_load(&S->rt, S->g, &lp, &S->m) != CHORD_OK)
        return fail("load");
    S->ids = malloc((size_t)n_ctx * sizeof *S->ids);
    S->logits = malloc((size_t)hp.n_vocab * sizeof *S->logits);
    if (!S->ids || !S->logits) {
        fprintf(stderr, "chord bench-model: out of memory\n");
        return 1;
    }
    S->rng = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < o->n_tests; i++)
        if (run_test(S, &o->tests[i], &res[i]) != CHORD_OK)
            return fail("eval");
    if (o->json)
        print_json(S, res, threads_used);
    else
        print_md(S, res);
    return 0;
}

int cmd_bench_model(int argc, char **argv)
{
    bench_state S;
    memset(&S, 0, sizeof S);
    int rc = parse_args(argc, argv, &S.o);
    if (rc >= 0)
        return rc;
    test_result *res = calloc((size_t)S.o.n_tests, sizeof *res);
    rc = res ? run(&S, res) : fail("results");
    free(res);
    chord_llama_free(S.m);
    chord_close(&S.rt);
    chord_tokenizer_free(S.tok);
    chord_gguf_close(S.g);
    free(S.ids);
    free(S.logits);
    return rc;
}
