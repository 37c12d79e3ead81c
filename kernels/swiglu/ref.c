/* swiglu reference: silu(g) * up computed in double, rounded once to float. */
#include <math.h>

#include "swiglu.h"
#include "../common/ref_launch.h"

void chord_swiglu_reference(const float *gate, const float *up, float *y, const chord_swiglu_args *a)
{
    /* gate, up, y: (n); y may alias gate or up: element i is read before it is written */
    for (int64_t i = 0; i < a->n; i++) {
        const double g = gate[i];
        y[i] = (float)(g / (1.0 + exp(-g)) * (double)up[i]);
    }
}

chord_status chord_swiglu_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    if (t) /* GATE (n), UP (n), Y (n); without tensors: a support query, and ref runs every shape */
        chord_swiglu_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), chord_ref_ptr(t[2]), args);
    return CHORD_OK;
}
