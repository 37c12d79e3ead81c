/* swiglu's descriptor and cases. */
#include "../ops.h"
#include "swiglu.h"

static void reference(void *const t[], const void *args) { chord_swiglu_reference(t[0], t[1], t[2], args); }

static const chord_case cases[] = {CHORD_ELEMENTWISE_CASES(CHORD_OP_SWIGLU, 1537)};

/* exp on a device is within a few ulps of the reference's double */
CHORD_DEFINE_OP(swiglu, .n_tensors = 3, .check = chord_elementwise_check, .tensor_bytes = chord_elementwise_bytes,
                .reference = reference, CHORD_OP_CASES(cases), .tolerance = {1e-11, 1e-6, 1e-5});
