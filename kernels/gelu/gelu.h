/* gelu: y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), GELU in its tanh form (GPT-2's FFN activation).
 *   tensors: 0 X (n) f32, 1 Y (n) f32; Y may alias X */
#ifndef CHORD_GELU_H
#define CHORD_GELU_H

#include "../common/op.h"

typedef chord_elementwise_args chord_gelu_args; /* n values */

void chord_gelu_reference(const float *x, float *y, const chord_gelu_args *a);

#endif
