/* add reference: y = a + b in float (one IEEE addition, so every backend can match it exactly). */
#include "add.h"
#include "../common/ref_launch.h"

void chord_add_reference(const float *a, const float *b, float *y, const chord_add_args *args)
{
    /* a, b, y: (n); y may alias a or b: element i is read before it is written */
    for (int64_t i = 0; i < args->n; i++)
        y[i] = a[i] + b[i];
}

chord_status chord_add_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    if (t) /* A (n), B (n), Y (n); without tensors: a support query, and ref runs every shape */
        chord_add_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), chord_ref_ptr(t[2]), args);
    return CHORD_OK;
}
