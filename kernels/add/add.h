/* add: y = a + b elementwise, the residual connection.
 *   tensors: 0 A (n) f32, 1 B (n) f32, 2 Y (n) f32; Y may alias A or B */
#ifndef CHORD_ADD_H
#define CHORD_ADD_H

#include "../common/op.h"

typedef chord_elementwise_args chord_add_args; /* n values */

void chord_add_reference(const float *a, const float *b, float *y, const chord_add_args *args);

#endif
