/* The one case table, shared by the tests, `chord check` and chord-bench: each op's cases (its descriptor's rows,
 * in the op list's order) and what the descriptor says about sizing, filling, computing and bounding them. */
#ifndef CHORD_CASES_H
#define CHORD_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

int chord_case_count(void);
const chord_case *chord_case_at(int i);

/* Bytes of tensor i of a case (0 <= i < chord_op_n_tensors(op)). */
size_t chord_case_tensor_bytes(const chord_case *c, int i);
/* Useful work: floating-point operations, and bytes that must move through memory at least once. */
double chord_case_flops(const chord_case *c);
double chord_case_bytes(const chord_case *c);

/* Fills input tensor i with random data valid for its type (finite f16 scales, NaN past the KV rows). */
void chord_case_fill(const chord_case *c, int i, void *host, uint64_t seed);
/* Computes the output tensor from the inputs with the op's reference. */
void chord_case_reference(const chord_case *c, void *const host[CHORD_MAX_TENSORS]);
chord_tolerance chord_case_tolerance(const chord_case *c);

#endif
