/* swiglu: y = silu(gate) * up, silu(g) = g / (1 + exp(-g)), the FFN's gate.
 *   tensors: 0 GATE (n) f32, 1 UP (n) f32, 2 Y (n) f32; Y may alias GATE or UP */
#ifndef CHORD_SWIGLU_H
#define CHORD_SWIGLU_H

#include <stdint.h>

typedef struct chord_swiglu_args {
    int64_t n;
} chord_swiglu_args;

void chord_swiglu_ref(const float *gate, const float *up, float *y, const chord_swiglu_args *a);

#endif
