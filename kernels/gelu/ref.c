/* gelu reference: the tanh form in double, rounded once to float. */
#include <math.h>

#include "../common/ref_launch.h"
#include "gelu.h"

void chord_gelu_reference(const float *x, float *y, const chord_gelu_args *a)
{
    /* x, y: (n); y may alias x: element i is read before it is written */
    const double c = sqrt(2.0 / M_PI);
    for (int64_t i = 0; i < a->n; i++) {
        const double v = x[i];
        y[i] = (float)(0.5 * v * (1.0 + tanh(c * (v + 0.044715 * v * v * v))));
    }
}

chord_status chord_gelu_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    if (t) /* X (n), Y (n); without tensors: a support query, and ref runs every n */
        chord_gelu_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), args);
    return CHORD_OK;
}
