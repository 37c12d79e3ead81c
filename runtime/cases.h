/* The one case table: shapes, dtypes, FLOP and byte counts, shared by the tests, `chord check` and chord-bench.
 * Every case's output is its last tensor; inputs are filled at random from a seed. */
#ifndef CHORD_CASES_H
#define CHORD_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

enum {
    CHORD_CASE_SMALL = 1, /* odd sizes, single rows: every test run */
    CHORD_CASE_LARGE = 2, /* >= 64 MiB working sets: benchmarks and `chord check --large` */
    CHORD_CASE_HUGE = 4,  /* too slow for the scalar reference (4096^3 matmul): benchmarks only */
};

typedef struct chord_case {
    chord_op op;
    const char *name; /* unique within the op, e.g. "q4_1 1x577x576" */
    int size;         /* CHORD_CASE_* */
    int inplace;      /* output aliases tensor 0 (ops whose contract allows it) */
    int n_ctx;        /* attention: KV cache rows (rows past pos0 + n_tok are filled with NaN) */
    union {
        chord_matmul_args matmul;
        chord_rmsnorm_args rmsnorm;
        chord_softmax_args softmax;
        chord_rope_args rope;
        chord_dequant_args dequant;
        chord_add_args add;
        chord_swiglu_args swiglu;
        chord_attention_args attention;
    } a;
} chord_case;

int chord_case_count(void);
const chord_case *chord_case_at(int i);

/* Bytes of tensor i of a case (0 <= i < chord_op_n_tensors(op)). */
size_t chord_case_tensor_bytes(const chord_case *c, int i);
/* Useful work: floating-point operations, and bytes that must move through memory at least once. */
double chord_case_flops(const chord_case *c);
double chord_case_bytes(const chord_case *c);

/* Fills input tensor i with random data valid for its type (finite f16 scales, NaN past the KV rows). */
void chord_case_fill(const chord_case *c, int i, void *host, uint64_t seed);
/* Computes the output tensor from the inputs with the scalar references; matmul_tiled is checked against matmul. */
void chord_case_reference(const chord_case *c, void *const host[CHORD_MAX_TENSORS]);

typedef struct chord_tolerance {
    double nmse;     /* sum((y - ref)^2) / sum(ref^2) must not exceed this */
    double abs, rel; /* and each element |y - ref| <= abs + rel * |ref| */
} chord_tolerance;
chord_tolerance chord_case_tolerance(const chord_case *c);

/* splitmix64: the seeded generator every random input comes from. */
uint64_t chord_rand_next(uint64_t *state);
float chord_rand_uniform(uint64_t *state, float lo, float hi);

#endif
