/* llama-bench's tests on a loaded model, so chord and llama.cpp can be timed the same way on the same file
 * (`chord bench-model`, bench/vs-llama.sh). The definitions follow llama-bench:
 *   ppP      a prompt of P random tokens (BOS first when the model adds one) evaluated as one batch, from an empty
 *            context; the last token's logits come back to the host.
 *   tgN      N single-token steps, each followed by its logits coming back; as in llama-bench, tg does not follow
 *            a pp: it starts at position 0, or at D.
 *   ...@dD   the test runs after D tokens of context (random, prefilled in batches of n_batch, untimed).
 * With argmax set (bench-model --argmax), each eval brings back the greedy next token instead of the logits
 * (chord_llama_eval_argmax: on the device where the backend can), as `chord run` does when it decodes greedily.
 * A run is timed with the wall clock around chord_llama_eval, which returns after the device has finished.
 * The depth context is prefilled once and kept: a run writes only positions >= D, so what it reads below D is the
 * same each time (llama-bench restores a saved state to the same effect), and a later test at the same or a
 * smaller depth reuses it. */
#ifndef CHORD_BENCH_H
#define CHORD_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "llama.h"

typedef struct chord_bench_test {
    int n_prompt, n_gen, n_depth; /* exactly one of n_prompt, n_gen is non-zero */
} chord_bench_test;

typedef struct chord_bench {
    chord_llama *m;
    int32_t *ids;  /* (n_ctx) the tokens of one eval */
    float *logits; /* (n_vocab) */
    int bos;       /* the id an eval at position 0 starts with, or -1 */
    int argmax;    /* evals return the next token (argmax), not the logits */
    int valid;     /* cache positions [0, valid) hold the depth context */
    uint64_t rng;  /* the token stream: the same on every run and backend */
} chord_bench;

/* "pp512", "tg128", "tg128@d4096" (lengths 1 .. 2^20, depth 0 .. 2^20); CHORD_ERR_INVALID otherwise. */
chord_status chord_bench_parse_test(const char *s, chord_bench_test *t);
void chord_bench_test_name(const chord_bench_test *t, char *buf, size_t size);

chord_status chord_bench_init(chord_bench *b, chord_llama *m, int bos);
void chord_bench_free(chord_bench *b);

/* Prefills t's depth when the cache lacks it (depth_ns: its time, 0 when none ran), runs t once untimed when warmup
 * is set (a whole pp, or one tg step, at t's position), then reps timed runs into ns[0 .. reps). The context must
 * hold n_depth + n_prompt + n_gen positions (CHORD_ERR_INVALID otherwise, before anything runs). */
chord_status chord_bench_run(chord_bench *b, const chord_bench_test *t, int warmup, int reps, uint64_t *ns,
                             uint64_t *depth_ns);

/* The bytes a decode step reads from the weights of g: every tensor, less token_embd but one row of it when the
 * head has its own output.weight. The same for any program that runs the file. */
size_t chord_bench_decode_bytes(const chord_gguf *g);

#endif
