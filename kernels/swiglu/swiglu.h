/* swiglu: y = silu(gate) * up, silu(g) = g / (1 + exp(-g)), the FFN's gate.
 *   tensors: 0 GATE (n) f32, 1 UP (n) f32, 2 Y (n) f32; Y may alias GATE or UP */
#ifndef CHORD_SWIGLU_H
#define CHORD_SWIGLU_H

#include "../common/op.h"

typedef chord_elementwise_args chord_swiglu_args; /* n values */

void chord_swiglu_reference(const float *gate, const float *up, float *y, const chord_swiglu_args *a);

#endif
