/* Next-token sampling from logits: repeat penalty over the recent history, then greedy (temp <= 0) or
 * top-k -> top-p -> temperature softmax -> one draw from a seeded RNG. Everything is computed in double from the
 * float logits and the RNG is xoshiro256** seeded by splitmix64, so a seed gives the same tokens on any machine
 * (up to libm's exp(), correctly rounded in practice on glibc). */
#ifndef CHORD_SAMPLER_H
#define CHORD_SAMPLER_H

#include <stdint.h>

#include "common/status.h"

typedef struct {
    float temp;           /* <= 0: greedy (argmax, ties to the lowest id) */
    int top_k;            /* keep the k largest logits; <= 0: all */
    float top_p;          /* keep the smallest set of largest tokens whose probability (at temperature 1) reaches
                             top_p; >= 1: all */
    float repeat_penalty; /* llama.cpp-style: a token seen in the last repeat_last_n has its logit divided by this
                             if positive, multiplied if negative; 1: off */
    int repeat_last_n;    /* history window; 0: off */
    uint64_t seed;
} chord_sampler_params;

typedef struct chord_sampler chord_sampler;

/* temp 0.8, top_k 40, top_p 0.95, repeat_penalty 1.1 over 64 tokens, seed 42 */
chord_sampler_params chord_sampler_default_params(void);
chord_status chord_sampler_create(const chord_sampler_params *p, int n_vocab, chord_sampler **out);
void chord_sampler_free(chord_sampler *s);
/* Records a token of the context (prompt or generated) for the repeat penalty. */
void chord_sampler_accept(chord_sampler *s, int32_t id);
/* Clears the history and restarts the RNG from the seed. */
void chord_sampler_reset(chord_sampler *s);
/* Picks the next token from logits (n_vocab), which are not modified. Does not accept it. */
chord_status chord_sampler_sample(chord_sampler *s, const float *logits, int32_t *out);
/* The RNG's next uniform double in [0, 1) (53 random bits), exposed for tests. */
double chord_sampler_uniform(chord_sampler *s);

#endif
