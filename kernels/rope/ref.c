/* rope reference: angles, cos and sin in double. Each pair is read before it is written and the tail
 * past n_rot is copied element by element, so Y may alias X. Mode bit 2 selects NEOX pairing. */
#include <math.h>
#include <stddef.h>

#include "rope.h"
#include "../common/ref_launch.h"

void chord_rope_reference(const float *x, float *y, const chord_rope_args *a)
{
    /* x, y: (n_tok, n_head, head_dim) */
    const int half = a->n_rot / 2;
    const int neox = (a->mode & CHORD_ROPE_NEOX) != 0;
    for (int t = 0; t < a->n_tok; t++) {
        const double p = (double)a->pos0 + t;
        for (int h = 0; h < a->n_head; h++) {
            const size_t base = ((size_t)t * a->n_head + h) * a->head_dim;
            const float *xv = x + base;
            float *yv = y + base;
            for (int i = 0; i < half; i++) {
                const double theta = p * pow((double)a->theta_base, -2.0 * i / a->n_rot);
                const double c = cos(theta), s = sin(theta);
                const int i0 = neox ? i : 2 * i;
                const int i1 = neox ? i + half : 2 * i + 1;
                const double x0 = xv[i0], x1 = xv[i1];
                yv[i0] = (float)(x0 * c - x1 * s);
                yv[i1] = (float)(x0 * s + x1 * c);
            }
            for (int d = a->n_rot; d < a->head_dim; d++)
                yv[d] = xv[d];
        }
    }
}

chord_status chord_rope_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    if (t) /* X (n_tok, n_head, head_dim), Y likewise; without tensors: a support query, and ref runs every shape */
        chord_rope_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), args);
    return CHORD_OK;
}
