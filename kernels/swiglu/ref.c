/* swiglu reference: silu(g) * up computed in double, rounded once to float. */
#include <math.h>

#include "swiglu.h"

void chord_swiglu_ref(const float *gate, const float *up, float *y, const chord_swiglu_args *a)
{
    /* gate, up, y: (n); y may alias gate or up: element i is read before it is written */
    for (int64_t i = 0; i < a->n; i++) {
        const double g = gate[i];
        y[i] = (float)(g / (1.0 + exp(-g)) * (double)up[i]);
    }
}
