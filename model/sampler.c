/* Sampler: see sampler.h. The order (penalty, top-k, top-p, temperature) is llama.cpp's classic chain; top-p
 * measures probability at temperature 1, so temperature only reshapes the tokens that survived the cuts. */
#include "sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double logit;
    int32_t id;
} cand;

struct chord_sampler {
    chord_sampler_params p;
    int n_vocab;
    uint64_t rng[4];
    int32_t *hist; /* (repeat_last_n) ring of the last accepted tokens */
    int n_hist, hist_pos;
    cand *c;       /* (n_vocab) scratch */
    double *pen;   /* (n_vocab) penalized logits */
    uint8_t *seen; /* (n_vocab) scratch for applying each penalized token once */
};

chord_sampler_params chord_sampler_default_params(void)
{
    return (chord_sampler_params){0.8f, 40, 0.95f, 1.1f, 64, 42};
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(chord_sampler *s) /* xoshiro256** */
{
    uint64_t *r = s->rng, out = rotl(r[1] * 5, 7) * 9, t = r[1] << 17;
    r[2] ^= r[0], r[3] ^= r[1], r[1] ^= r[2], r[0] ^= r[3];
    r[2] ^= t;
    r[3] = rotl(r[3], 45);
    return out;
}

double chord_sampler_uniform(chord_sampler *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }

void chord_sampler_reset(chord_sampler *s)
{
    uint64_t x = s->p.seed;
    for (int i = 0; i < 4; i++)
        s->rng[i] = splitmix64(&x);
    s->n_hist = s->hist_pos = 0;
}

chord_status chord_sampler_create(const chord_sampler_params *p, int n_vocab, chord_sampler **out)
{
    *out = NULL;
    if (n_vocab <= 0 || p->repeat_last_n < 0 || !(p->repeat_penalty > 0) || isnan(p->temp) || isnan(p->top_p))
        return chord_fail(CHORD_ERR_INVALID,
                          "sampler: n_vocab %d, repeat_last_n %d, repeat_penalty %g, temp %g, "
                          "top_p %g",
                          n_vocab, p->repeat_last_n, p->repeat_penalty, p->temp, p->top_p);
    chord_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return chord_fail(CHORD_ERR_NOMEM, "sampler");
    s->p = *p;
    s->n_vocab = n_vocab;
    s->hist = malloc((size_t)(p->repeat_last_n ? p->repeat_last_n : 1) * sizeof *s->hist);
    s->c = malloc((size_t)n_vocab * sizeof *s->c);
    s->pen = malloc((size_t)n_vocab * sizeof *s->pen);
    s->seen = calloc((size_t)n_vocab, 1);
    if (!s->hist || !s->c || !s->pen || !s->seen) {
        chord_sampler_free(s);
        return chord_fail(CHORD_ERR_NOMEM, "sampler: %d tokens", n_vocab);
    }
    chord_sampler_reset(s);
    *out = s;
    return CHORD_OK;
}

void chord_sampler_free(chord_sampler *s)
{
    if (!s)
        return;
    free(s->hist);
    free(s->c);
    free(s->pen);
    free(s->seen);
    free(s);
}

void chord_sampler_accept(chord_sampler *s, int32_t id)
{
    if (s->p.repeat_last_n == 0)
        return;
    s->hist[s->hist_pos] = id;
    s->hist_pos = (s->hist_pos + 1) % s->p.repeat_last_n;
    if (s->n_hist < s->p.repeat_last_n)
        s->n_hist++;
}

/* Descending logit, ascending id on ties: the order every cut and the draw walk in. */
static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit > y->logit ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The k best candidates into c[0..k), sorted. Small k keeps a sorted prefix by insertion (O(n k)), which is
 * cheaper than sorting the vocabulary; large k sorts all. */
static void select_top(const double *l, int n, int k, cand *c)
{
    if (k > 256) {
        for (int i = 0; i < n; i++)
            c[i] = (cand){l[i], i};
        qsort(c, (size_t)n, sizeof *c, cand_cmp);
        return;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        cand x = {l[i], i};
        if (m == k && cand_cmp(&x, &c[k - 1]) >= 0)
            continue;
        int j = m < k ? m++ : k - 1;
        while (j > 0 && cand_cmp(&x, &c[j - 1]) < 0) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
}

chord_status chord_sampler_sample(chord_sampler *s, const float *logits, int32_t *out)
{
    const int n = s->n_vocab;
    for (int i = 0; i < n; i++) {
        if (isnan(logits[i]))
            return chord_fail(CHORD_ERR_INVALID, "sampler: logit %d is NaN", i);
        s->pen[i] = logits[i];
    }
    if (s->p.repeat_penalty != 1.0f) {
        /* once per distinct token in the window, however often it occurs (llama.cpp) */
        for (int i = 0; i < s->n_hist; i++) {
            int32_t id = s->hist[i];
            if (id < 0 || id >= n || s->seen[id])
                continue;
            s->seen[id] = 1;
            s->pen[id] = s->pen[id] > 0 ? s->pen[id] / s->p.repeat_penalty : s->pen[id] * s->p.repeat_penalty;
        }
        for (int i = 0; i < s->n_hist; i++)
            if (s->hist[i] >= 0 && s->hist[i] < n)
                s->seen[s->hist[i]] = 0;
    }
    if (s->p.temp <= 0) {
        int32_t best = 0;
        for (int i = 1; i < n; i++)
            if (s->pen[i] > s->pen[best])
                best = i;
        *out = best;
        return CHORD_OK;
    }
    int k = s->p.top_k > 0 && s->p.top_k < n ? s->p.top_k : n;
    select_top(s->pen, n, k, s->c);
    double mx = s->c[0].logit;
    if (isinf(mx) && mx < 0)
        return chord_fail(CHORD_ERR_INVALID, "sampler: every logit is -inf");
    if (isinf(mx)) { /* +inf would make every exp() NaN: the (first) infinite token is certain */
        *out = s->c[0].id;
        return CHORD_OK;
    }
    if (s->p.top_p < 1.0f) {
        double z = 0, acc = 0;
        for (int i = 0; i < k; i++)
            z += exp(s->c[i].logit - mx);
        int keep = k;
        for (int i = 0; i < k; i++) {
            acc += exp(s->c[i].logit - mx) / z;
            if (acc >= s->p.top_p) {
                keep = i + 1;
                break;
            }
        }
        k = keep;
    }
    double z = 0;
    for (int i = 0; i < k; i++) {
        s->c[i].logit = exp((s->c[i].logit - mx) / s->p.temp); /* now an unnormalized probability */
        z += s->c[i].logit;
    }
    double u = chord_sampler_uniform(s) * z, acc = 0;
    for (int i = 0; i < k; i++) {
        acc += s->c[i].logit;
        if (u < acc) {
            *out = s->c[i].id;
            return CHORD_OK;
        }
    }
    *out = s->c[k - 1].id; /* u landed in the rounding slack at the top */
    return CHORD_OK;
}
