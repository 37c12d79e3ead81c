/* gelu's descriptor and cases: the elementwise contract and sizes; inputs uniform in [-4, 4], where the curve
 * bends (below, it tends to 0 from under; above, to x). */
#include "../ops.h"
#include "gelu.h"

static void reference(void *const t[], const void *args) { chord_gelu_reference(t[0], t[1], args); }

static double flops(const void *args)
{
    return 8.0 *
           (double)((const chord_gelu_args *)args)->n; /* x^3, the sum, two products, the exp, 1 +, the division */
}

static const chord_case cases[] = {CHORD_ELEMENTWISE_CASES(CHORD_OP_GELU, 1537)};

/* one exp and one division in float on the devices against the reference's double: a few ulps */
CHORD_DEFINE_OP(gelu, .n_tensors = 2, .check = chord_elementwise_check, .tensor_bytes = chord_elementwise_bytes,
                .flops = flops, .reference = reference, CHORD_OP_CASES(cases), .tolerance = {1e-11, 1e-6, 1e-5});
