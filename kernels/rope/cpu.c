/* rope on the cpu backend: tokens over the pool; per token the angles' cos and sin in double (as the reference),
 * PAIRS at a time into a table every head of the token reuses, and the rotation in double. */
#include <math.h>

#include "../common/cpu_launch.h"
#include "rope.h"

#define PAIRS 64

static void rope_tokens(const chord_cpu_job *j, int64_t t0, int64_t t1)
{
    const float *x = j->t[0]; /* (n_tok, n_head, head_dim) */
    float *y = j->t[1];       /* (n_tok, n_head, head_dim), may alias x: each pair is read before it is written */
    const chord_rope_args *a = j->args;
    const int half = a->n_rot / 2, neox = (a->mode & CHORD_ROPE_NEOX) != 0;
    double cs[PAIRS], sn[PAIRS];
    for (int64_t t = t0; t < t1; t++) {
        const double p = (double)a->pos0 + (double)t;
        const size_t row = (size_t)t * a->n_head;
        for (int i0 = 0; i0 < half; i0 += PAIRS) {
            const int np = half - i0 < PAIRS ? half - i0 : PAIRS;
            for (int i = 0; i < np; i++) {
                const double theta = p * pow((double)a->theta_base, -2.0 * (i0 + i) / a->n_rot);
                cs[i] = cos(theta);
                sn[i] = sin(theta);
            }
            for (int h = 0; h < a->n_head; h++) {
                const float *xv = x + (row + h) * a->head_dim;
                float *yv = y + (row + h) * a->head_dim;
                for (int i = 0; i < np; i++) {
                    const int i0p = neox ? i0 + i : 2 * (i0 + i), i1p = neox ? i0 + i + half : 2 * (i0 + i) + 1;
                    const double x0 = xv[i0p], x1 = xv[i1p];
                    yv[i0p] = (float)(x0 * cs[i] - x1 * sn[i]);
                    yv[i1p] = (float)(x0 * sn[i] + x1 * cs[i]);
                }
            }
        }
        for (int h = 0; h < a->n_head; h++)
            for (int d = a->n_rot; d < a->head_dim; d++)
                y[(row + h) * a->head_dim + d] = x[(row + h) * a->head_dim + d];
    }
}

chord_status chord_rope_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rope_args *a = args;
    if (!t) /* a support query: every shape */
        return CHORD_OK;
    return chord_cpu_launch_items(ctx, t, 2, a, a->n_tok, 1, 1, rope_tokens);
}
