/* chord bench-model: llama-bench's tests (model/bench.h defines them) on one chord backend, with llama-bench's
 * -p/-n/-d/-r meanings, so both can be run on the same file with the same flags (bench/vs-llama.sh does). Each test
 * is warmed up once and timed R times; rates are tokens / median time. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "commands.h"
#include "tokenizer.h"

#define MAX_TESTS 64
#define MAX_LIST 16
#define MAX_REPS 1000
#define MAX_LEN (1 << 20)

typedef struct bench_opts {
    const char *model, *backend;
    int reps, threads, warmup, json, argmax, file_layout;
    chord_bench_test tests[MAX_TESTS];
    int n_tests;
} bench_opts;

typedef struct test_result {
    uint64_t ns[MAX_REPS];
    double median_ts, avg_ts, stddev_ts;
} test_result;

static int usage(FILE *f, int code)
{
    fprintf(
        f, "usage: chord bench-model -m MODEL.gguf [-p LIST] [-n LIST] [-d LIST] [-r N] [-b BACKEND] [options]\n\n"
           "Times llama-bench's tests on one chord backend: ppP (a P-token prompt as one batch), tgN (N single-token\n"
           "steps from position 0), each at every depth D (tokens of context before the test). LISTs are\n"
           "comma-separated; 0 skips. Rates are tokens / median wall time of R runs after one untimed warm-up run.\n\n"
           "  -m, --model PATH     GGUF model\n"
           "  -p, --n-prompt LIST  prompt lengths (default 512)\n"
           "  -n, --n-gen LIST     generation lengths (default 128)\n"
           "  -d, --n-depth LIST   depths (default 0)\n"
           "  --tests LIST         exact tests instead of -p/-n/-d: ppP, tgN, ppP@dD, tgN@dD (e.g. pp512,tg128@d4096)\n"
           "  -r, --repetitions N  timed runs per test (default 5)\n"
           "  -b, --backend B      cpu, ref, opencl, vulkan, cuda (as compiled in), optionally :DEVICE; default auto\n"
           "  -t, --threads N      threads of CPU backends (cpu, ref, PoCL, lavapipe), 1..1024; default: their own\n"
           "  --no-warmup          skip the warm-up runs\n"
           "  --argmax             each eval returns the greedy next token instead of the logits (as chord run)\n"
           "  --file-layout        keep every weight matrix in the file's block layout (as chord run --file-layout),\n"
           "                       for A/B runs against the split layouts a backend re-lays them in\n"
           "  -o, --output FMT     md (default) or json (one object per test, with every run's time)\n");
    return code;
}

/* An integer in [lo, hi]; -1 if s is not one. */
static long parse_count(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno || end == s || *end || v < lo || v > hi ? -1 : v;
}

/* "512,1024" -> {512, 1024}; returns the count, or -1 on a bad item. */
static int parse_list(const char *s, int *out)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long v = parse_count(tok, 0, MAX_LEN);
        if (v < 0 || n == MAX_LIST)
            return -1;
        out[n++] = (int)v;
    }
    return n ? n : -1;
}

static int parse_tests(const char *s, bench_opts *o)
{
    char buf[1024];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (o->n_tests == MAX_TESTS || chord_bench_parse_test(t, &o->tests[o->n_tests]) != CHORD_OK)
            return -1;
        o->n_tests++;
    }
    return o->n_tests ? 0 : -1;
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
        if (IS("--argmax")) {
            o->argmax = 1;
            continue;
        }
        if (IS("--file-layout")) {
            o->file_layout = 1;
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
            k = np = parse_list(v, p);
        else if (IS("-n") || IS("--n-gen"))
            k = nn = parse_list(v, n);
        else if (IS("-d") || IS("--n-depth"))
            k = nd = parse_list(v, d);
        else if (IS("-r") || IS("--repetitions"))
            k = o->reps = (int)parse_count(v, 1, MAX_REPS);
        else if (IS("-t") || IS("--threads")) {
            /* checked and handed to the CPU backends here, before any of them opens */
            if (cli_set_threads("bench-model", v))
                return 2;
            o->threads = atoi(v);
        } else if (IS("-o") || IS("--output")) {
            o->json = !strcmp(v, "json");
            k = o->json || !strcmp(v, "md") ? 0 : -1;
        } else if (IS("--tests")) {
            k = parse_tests(v, o);
            explicit = 1;
        } else {
            fprintf(stderr, "chord bench-model: unknown option '%s'\n", a);
            return usage(stderr, 2);
        }
#undef IS
        if (k < 0) {
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
                    o->tests[o->n_tests++] = (chord_bench_test){p[ip], 0, d[id]};
            for (int in = 0; in < nn; in++)
                if (n[in] && o->n_tests < MAX_TESTS)
                    o->tests[o->n_tests++] = (chord_bench_test){0, n[in], d[id]};
        }
    if (o->n_tests == 0) {
        fprintf(stderr, "chord bench-model: no test (every length is 0)\n");
        return 2;
    }
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The rates of a test's runs: tokens / median time, and the mean and spread of the per-run rates. */
static void summarize(const chord_bench_test *t, int reps, test_result *r)
{
    const int n_tok = t->n_prompt + t->n_gen;
    uint64_t sorted[MAX_REPS];
    double sum = 0, sum2 = 0;
    for (int i = 0; i < reps; i++) {
        const double ts = n_tok / ((double)r->ns[i] * 1e-9);
        sum += ts;
        sum2 += ts * ts;
        sorted[i] = r->ns[i];
    }
    qsort(sorted, (size_t)reps, sizeof *sorted, cmp_u64);
    const double med =
        reps % 2 ? (double)sorted[reps / 2] : 0.5 * ((double)sorted[reps / 2 - 1] + (double)sorted[reps / 2]);
    const double var = reps > 1 ? (sum2 - sum * sum / reps) / (reps - 1) : 0;
    r->median_ts = n_tok / (med * 1e-9);
    r->avg_ts = sum / reps;
    r->stddev_ts = var > 0 ? sqrt(var) : 0;
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

typedef struct bench_run {
    bench_opts o;
    chord_gguf *g;
    chord_tokenizer *tok;
    chord_rt rt;
    chord_llama *m;
    chord_bench b;
    test_result *res; /* (n_tests) */
    size_t weight_bytes, bytes_per_token, kv_row_bytes;
} bench_run;

static void print_json(const bench_run *R)
{
    const chord_llama_hparams *hp = chord_llama_get_hparams(R->m);
    printf("{\"model\": ");
    json_string(R->o.model);
    printf(", \"arch\": ");
    json_string(hp->arch);
    printf(", \"type\": \"%s\", \"n_layer\": %d, \"n_embd\": %d, \"n_vocab\": %d, \"backend\": \"%s\", \"device\": ",
           chord_type_info(hp->matmul_type)->name, hp->n_layer, hp->n_embd, hp->n_vocab, R->rt.be->name);
    json_string(R->rt.info.name);
    printf(", \"n_threads\": %d, \"n_batch\": %d, \"n_ctx\": %d, \"warmup\": %s, \"weight_bytes\": %zu"
           ", \"bytes_per_token\": %zu, \"kv_type\": \"f32\", \"argmax\": %s, \"tests\": [",
           R->o.threads, chord_llama_n_batch(R->m), chord_llama_n_ctx(R->m), R->o.warmup ? "true" : "false",
           R->weight_bytes, R->bytes_per_token, R->o.argmax ? "true" : "false");
    for (int i = 0; i < R->o.n_tests; i++) {
        const chord_bench_test *t = &R->o.tests[i];
        const test_result *r = &R->res[i];
        char name[64];
        chord_bench_test_name(t, name, sizeof name);
        /* what attention reads per step, on average over the test's positions (K and V rows, f32) */
        const double kv =
            t->n_gen ? 2.0 * hp->n_layer * (double)R->kv_row_bytes * (t->n_depth + (t->n_gen + 1) / 2.0) : 0;
        printf("%s\n  {\"test\": \"%s\", \"n_prompt\": %d, \"n_gen\": %d, \"n_depth\": %d, \"kv_bytes_per_token\": %.0f"
               ", \"median_ts\": %.4f, \"avg_ts\": %.4f, \"stddev_ts\": %.4f, \"samples_ns\": [",
               i ? "," : "", name, t->n_prompt, t->n_gen, t->n_depth, kv, r->median_ts, r->avg_ts, r->stddev_ts);
        for (int k = 0; k < R->o.reps; k++)
            printf("%s%llu", k ? ", " : "", (unsigned long long)r->ns[k]);
        printf("]}");
    }
    printf("\n]}\n");
}

static void print_md(const bench_run *R)
{
    const chord_llama_hparams *hp = chord_llama_get_hparams(R->m);
    printf("| model | type | size | backend | device | test | t/s |\n| --- | --- | ---: | --- | --- | --- | ---: |\n");
    for (int i = 0; i < R->o.n_tests; i++) {
        char name[64];
        chord_bench_test_name(&R->o.tests[i], name, sizeof name);
        printf("| %s %dL x %d | %s | %.2f GiB | %s | %s | %s | %.2f ± %.2f |\n", hp->arch, hp->n_layer, hp->n_embd,
               chord_type_info(hp->matmul_type)->name, (double)R->weight_bytes / (1u << 30), R->rt.be->name,
               R->rt.info.name, name, R->res[i].median_ts, R->res[i].stddev_ts);
    }
}

static int fail(const char *what)
{
    fprintf(stderr, "chord bench-model: %s: %s\n", what, chord_last_error());
    return 1;
}

static int run(bench_run *R)
{
    const bench_opts *o = &R->o;
    if (chord_gguf_open(o->model, &R->g) != CHORD_OK)
        return fail("model");
    chord_llama_hparams hp;
    if (chord_llama_read_hparams(R->g, &hp) != CHORD_OK)
        return fail("model");
    if (chord_tokenizer_load(R->g, &R->tok) != CHORD_OK)
        return fail("tokenizer");
    R->kv_row_bytes = (size_t)hp.n_head_kv * hp.head_dim * sizeof(float);
    R->bytes_per_token = chord_bench_decode_bytes(R->g);
    for (int64_t i = 0; i < chord_gguf_n_tensors(R->g); i++)
        R->weight_bytes += chord_gguf_tensor_at(R->g, i)->bytes;
    /* one context for every test, as long as the longest needs (llama-bench: n_prompt + n_gen + n_depth each) */
    int n_ctx = 1, n_batch = 1;
    for (int i = 0; i < o->n_tests; i++) {
        const chord_bench_test *t = &o->tests[i];
        if ((int64_t)t->n_prompt + t->n_gen + t->n_depth > MAX_LEN) {
            fprintf(stderr, "chord bench-model: a test longer than %d tokens\n", MAX_LEN);
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
    if (chord_open(o->backend, &R->rt, NULL) != CHORD_OK)
        return fail("backend");
    fprintf(stderr, "chord bench-model: %s on %s:%d (%s), n_ctx %d, n_batch %d\n", o->model, R->rt.be->name,
            R->rt.device, R->rt.info.name, n_ctx, n_batch);
    chord_llama_params lp = {n_ctx, n_batch, NULL, NULL, R->o.file_layout}; /* the split layouts unless asked */
    if (chord_llama_load(&R->rt, R->g, &lp, &R->m) != CHORD_OK)
        return fail("load");
    const int bos = chord_tokenizer_add_bos(R->tok) ? chord_tokenizer_bos(R->tok) : -1;
    if (chord_bench_init(&R->b, R->m, bos) != CHORD_OK)
        return fail("bench");
    R->b.argmax = o->argmax;
    for (int i = 0; i < o->n_tests; i++) {
        const chord_bench_test *t = &o->tests[i];
        char name[64];
        uint64_t depth_ns;
        chord_bench_test_name(t, name, sizeof name);
        if (chord_bench_run(&R->b, t, o->warmup, o->reps, R->res[i].ns, &depth_ns) != CHORD_OK)
            return fail(name);
        summarize(t, o->reps, &R->res[i]);
        if (depth_ns)
            fprintf(stderr, "chord bench-model: %s: depth %d prefilled in %.1f s\n", name, t->n_depth, depth_ns * 1e-9);
        fprintf(stderr, "chord bench-model: %s: %.2f tok/s (median of %d)\n", name, R->res[i].median_ts, o->reps);
    }
    if (o->json)
        print_json(R);
    else
        print_md(R);
    return 0;
}

int cmd_bench_model(int argc, char **argv)
{
    bench_run R;
    memset(&R, 0, sizeof R);
    int rc = parse_args(argc, argv, &R.o);
    if (rc >= 0)
        return rc;
    R.res = calloc((size_t)R.o.n_tests, sizeof *R.res);
    if (!R.res)
        fprintf(stderr, "chord bench-model: out of memory\n");
    rc = R.res ? run(&R) : 1;
    chord_bench_free(&R.b);
    chord_llama_free(R.m);
    chord_close(&R.rt);
    chord_tokenizer_free(R.tok);
    chord_gguf_close(R.g);
    free(R.res);
    return rc;
}
