/* rope on the cpu backend: tokens over the pool. Per piece of tokens and PAIRS pairs at a time, the frequencies
 * f_i = theta_base^(-2i/n_rot) in double as the reference's; the angle p f_i's cos and sin are computed directly at
 * the piece's first token and every RESYNC tokens, and in between advanced by one rotation by f_i (angle addition in
 * double: the drift over RESYNC steps is ~1e-14, far inside the bound), so the transcendentals no longer dominate.
 * Every head of a token reuses them; the rotation itself is in double.
 *
 * v1 (cos and sin of every angle): 29-33% of the copy bandwidth on 2048-8192 tokens x 32 heads x 128.
 * Measured: v2: 84-96% of the copy at 4096-8192 tokens (22.9-26.1 GB/s; above 100% at 2048, the tensor half in cache)
 * (chord-bench, AVX-512 machine of 2 cores at load average ~1.5, copy ceiling 27.1 GB/s in that run). */
#include <math.h>

#include "../common/cpu_launch.h"
#include "cpu_rope.h"

#define PAIRS 64
#define RESYNC 64

void chord_rope_cpu_span(const float *x /* (n_tok, n_head, head_dim) */,
                         float *y /* (n_tok, n_head, head_dim), may alias x: each pair is read before it is written */,
                         const chord_rope_args *a, int64_t t0, int64_t t1)
{
    const int half = a->n_rot / 2, neox = (a->mode & CHORD_ROPE_NEOX) != 0;
    for (int i0 = 0; i0 < half; i0 += PAIRS) {
        const int np = half - i0 < PAIRS ? half - i0 : PAIRS;
        double freq[PAIRS], c1[PAIRS], s1[PAIRS], cs[PAIRS], sn[PAIRS]; /* f_i, its cos and sin; those of p f_i */
        for (int i = 0; i < np; i++) {
            freq[i] = pow((double)a->theta_base, -2.0 * (i0 + i) / a->n_rot);
            c1[i] = cos(freq[i]);
            s1[i] = sin(freq[i]);
        }
        for (int64_t t = t0; t < t1; t++) {
            const double p = (double)a->pos0 + (double)t;
            if ((t - t0) % RESYNC == 0)
                for (int i = 0; i < np; i++) {
                    cs[i] = cos(p * freq[i]);
                    sn[i] = sin(p * freq[i]);
                }
            for (int h = 0; h < a->n_head; h++) {
                const float *xv = x + ((size_t)t * a->n_head + h) * a->head_dim;
                float *yv = y + ((size_t)t * a->n_head + h) * a->head_dim;
                for (int i = 0; i < np; i++) {
                    const int i0p = neox ? i0 + i : 2 * (i0 + i), i1p = neox ? i0 + i + half : 2 * (i0 + i) + 1;
                    const double x0 = xv[i0p], x1 = xv[i1p];
                    yv[i0p] = (float)(x0 * cs[i] - x1 * sn[i]);
                    yv[i1p] = (float)(x0 * sn[i] + x1 * cs[i]);
                }
            }
            for (int i = 0; i < np; i++) { /* p f_i -> (p + 1) f_i */
                const double c = cs[i] * c1[i] - sn[i] * s1[i];
                sn[i] = sn[i] * c1[i] + cs[i] * s1[i];
                cs[i] = c;
            }
        }
    }
    for (int64_t t = t0; t < t1; t++) /* the values past n_rot, unchanged */
        for (int h = 0; h < a->n_head; h++)
            for (int d = a->n_rot; d < a->head_dim; d++)
                y[((size_t)t * a->n_head + h) * a->head_dim + d] = x[((size_t)t * a->n_head + h) * a->head_dim + d];
}

static void rope_tokens(const chord_cpu_job *j, int64_t t0, int64_t t1)
{
    chord_rope_cpu_span(j->t[0], j->t[1], j->args, t0, t1);
}

chord_status chord_rope_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rope_args *a = args;
    if (!t) /* a support query: every shape */
        return CHORD_OK;
    return chord_cpu_launch_items(ctx, t, 2, a, a->n_tok, 1, 1, rope_tokens);
}
