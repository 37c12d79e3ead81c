/* The logits comparison rule of llama.h, shared by `chord run --verify` and the model tests. */
#include <math.h>

#include "llama.h"

int chord_logits_argmax(const float *logits, int n_vocab)
{
    int best = 0;
    for (int i = 1; i < n_vocab; i++)
        if (logits[i] > logits[best])
            best = i;
    return best;
}

chord_logits_cmp chord_logits_compare(const float *ref, const float *got, int n_vocab)
{
    chord_logits_cmp c = {0};
    double num = 0.0, den = 0.0;
    int bad = 0; /* NaN or Inf in got where ref is finite */
    for (int i = 0; i < n_vocab; i++) {
        const double d = (double)got[i] - (double)ref[i];
        num += d * d;
        den += (double)ref[i] * ref[i];
        bad |= !isfinite(got[i]) && isfinite(ref[i]);
    }
    c.nmse = bad ? INFINITY : den > 0 ? num / den : num;
    c.ref_top1 = chord_logits_argmax(ref, n_vocab);
    c.got_top1 = chord_logits_argmax(got, n_vocab);
    c.ref_gap = (double)ref[c.ref_top1] - (double)ref[c.got_top1];
    const double tie = CHORD_LOGITS_TIE_REL * fmax(1.0, fabs((double)ref[c.ref_top1]));
    c.ok = c.nmse <= CHORD_LOGITS_NMSE_MAX && (c.ref_top1 == c.got_top1 || c.ref_gap < tie);
    return c;
}
