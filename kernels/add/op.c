/* add's descriptor and cases. */
#include "../ops.h"
#include "add.h"

static void reference(void *const t[], const void *args) { chord_add_reference(t[0], t[1], t[2], args); }

static const chord_case cases[] = {CHORD_ELEMENTWISE_CASES(CHORD_OP_ADD, 1001)};

/* one IEEE addition per element: exact */
CHORD_DEFINE_OP(add, .n_tensors = 3, .check = chord_elementwise_check, .tensor_bytes = chord_elementwise_bytes,
                .reference = reference, CHORD_OP_CASES(cases), .tolerance = {0, 0, 0});
