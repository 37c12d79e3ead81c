/* add reference: y = a + b in float (one IEEE addition, so every backend can match it exactly). */
#include "add.h"

void chord_add_ref(const float *a, const float *b, float *y, const chord_add_args *args)
{
    /* a, b, y: (n); y may alias a or b: element i is read before it is written */
    for (int64_t i = 0; i < args->n; i++)
        y[i] = a[i] + b[i];
}
