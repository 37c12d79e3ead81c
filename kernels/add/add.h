/* add: y = a + b elementwise, the residual connection.
 *   tensors: 0 A (n) f32, 1 B (n) f32, 2 Y (n) f32; Y may alias A or B */
#ifndef CHORD_ADD_H
#define CHORD_ADD_H

#include <stdint.h>

typedef struct chord_add_args {
    int64_t n;
} chord_add_args;

void chord_add_ref(const float *a, const float *b, float *y, const chord_add_args *args);

#endif
