/* What every op and every API share: tensors, the launcher signature, and the op descriptor that the registry,
 * the case table, the checker and the benchmarks read (one struct per op, as CLBlast's routine descriptors are
 * shared by its dispatcher, correctness tester and performance tester). */
#ifndef CHORD_OP_H
#define CHORD_OP_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CHORD_MAX_TENSORS 8

typedef struct chord_buf chord_buf; /* defined by each backend */

typedef struct chord_tensor {
    chord_buf *buf;
    size_t offset; /* bytes from the start of buf */
} chord_tensor;

/* A launcher, chord_<op>_<api> (kernels/<op>/): t[] holds the op's tensors in the order its header gives, args
 * points to its chord_<op>_args, and the registry has already checked the args against the op's contract and
 * every tensor's span against its buffer. Launches are asynchronous.
 * t == NULL asks only whether the API runs these args (types, variants, device limits): CHORD_OK or
 * CHORD_ERR_UNSUPPORTED with the reason, launching nothing; chord_supports() asks this way. */
typedef chord_status chord_launcher(void *ctx, const chord_tensor *t, const void *args);
typedef chord_launcher *chord_op_fn;

/* Bounds a result must meet against the reference. */
typedef struct chord_tolerance {
    double nmse;     /* sum((y - ref)^2) / sum(ref^2) must not exceed this */
    double abs, rel; /* and each element |y - ref| <= abs + rel * |ref| */
} chord_tolerance;

enum {
    CHORD_CASE_SMALL = 1, /* odd sizes, single rows: every test run */
    CHORD_CASE_LARGE = 2, /* >= 64 MiB working sets: benchmarks and `chord check --large` */
    CHORD_CASE_HUGE = 4,  /* too slow for the scalar reference (4096^3 matmul): benchmarks only */
};

/* One row of the case table. A case's outputs are its op's last n_outputs tensors (one for most ops); inputs are
 * filled at random from a seed. */
typedef struct chord_case {
    int op;            /* chord_op */
    const char *name;  /* unique within the op, e.g. "q4_1 1x577x576" */
    int size;          /* CHORD_CASE_* */
    int inplace;       /* output aliases tensor 0 (ops whose contract allows it) */
    const void *args;  /* the op's chord_<op>_args */
    const void *extra; /* what the op's case hooks read beyond args (attention: the KV cache rows); may be NULL */
} chord_case;

typedef struct chord_op_desc {
    const char *name;
    int n_tensors; /* the outputs are the last n_outputs */
    int n_outputs; /* 0: one (most ops); matmul_qkv writes Q, K and V */
    /* The argument contract of the op's header: NULL when args meet it, else what is wrong. The registry asks
     * once for every backend; a backend's own checks are only for its limits. */
    const char *(*check)(const void *args);
    /* Bytes the op touches from tensor i's offset (args already checked). */
    size_t (*tensor_bytes)(const void *args, int i);
    /* Useful floating-point operations (NULL: none, the op only moves data). Bytes moved, for GB/s, are the sum
     * of tensor_bytes: what must cross memory at least once. */
    double (*flops)(const void *args);
    /* The definition every backend is checked against, on host pointers t[0 .. n_tensors). */
    void (*reference)(void *const t[], const void *args);

    /* ---- the case table ---- */
    const chord_case *cases;
    int n_cases;
    /* Bytes a case allocates for tensor i (NULL: tensor_bytes; attention allocates the whole KV cache). */
    size_t (*case_bytes)(const chord_case *c, int i);
    /* Fills input tensor i (bytes long) with data valid for its type; NULL: f32 uniform in [-4, 4]. */
    void (*fill)(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng);
    /* The bound every case must meet against the reference, or per case (per dtype) where that matters. */
    chord_tolerance tolerance;
    chord_tolerance (*case_tolerance)(const chord_case *c); /* NULL: tolerance */
    /* Where an element's rounding scales with intermediate values rather than with the result (swiglu after two
     * dots: |silu(g)| times the up projection's rounding), each element's bound from the inputs t (host, as the
     * reference's) into bound (the single output's count); NULL: tol.abs + tol.rel |ref|. */
    void (*bound)(void *const t[], const void *args, chord_tolerance tol, float *bound);
} chord_op_desc;

/* Defines chord_<op>_op, the descriptor of op, named after it; the fields follow as designated initializers. */
#define CHORD_DEFINE_OP(op, ...) const chord_op_desc chord_##op##_op = {.name = #op, __VA_ARGS__}
/* A descriptor's case table: .cases and .n_cases of a static array. */
#define CHORD_OP_CASES(array) .cases = (array), .n_cases = (int)(sizeof(array) / sizeof((array)[0]))
/* A case's args: a static chord_<op>_args with these fields. */
#define CHORD_ARGS(type, ...) (&(const type){__VA_ARGS__})

/* The args of an elementwise op over n values (add, swiglu): its check and byte counts are shared. */
typedef struct chord_elementwise_args {
    int64_t n;
} chord_elementwise_args;
const char *chord_elementwise_check(const void *args);
size_t chord_elementwise_bytes(const void *args, int i);
/* An elementwise op's cases: one value, an odd count, in place, and 16M values (64 MiB a tensor). */
#define CHORD_ELEMENTWISE_CASES(op_, odd_n)                                                                         \
    {.op = (op_), .name = "1", .size = CHORD_CASE_SMALL, .args = CHORD_ARGS(chord_elementwise_args, 1)},            \
        {.op = (op_), .name = #odd_n, .size = CHORD_CASE_SMALL, .args = CHORD_ARGS(chord_elementwise_args, odd_n)}, \
        {.op = (op_),                                                                                               \
         .name = "4099 inplace",                                                                                    \
         .size = CHORD_CASE_SMALL,                                                                                  \
         .inplace = 1,                                                                                              \
         .args = CHORD_ARGS(chord_elementwise_args, 4099)},                                                         \
    {                                                                                                               \
        .op = (op_), .name = "16M", .size = CHORD_CASE_LARGE, .args = CHORD_ARGS(chord_elementwise_args, 16 << 20)  \
    }

/* ---- helpers the descriptors share (kernels/common/op.c) ---- */

/* splitmix64: the seeded generator every random input comes from. */
uint64_t chord_rand_next(uint64_t *state);
float chord_rand_uniform(uint64_t *state, float lo, float hi);
/* n floats uniform in [lo, hi). */
void chord_fill_f32(float *x, int64_t n, uint64_t *rng, float lo, float hi);
/* n values of a weight type: f32 and f16/bf16 uniform in [-1, 1), block types random bits with finite, modest
 * scales (|w| <~ 1, as real weights). */
void chord_fill_weights(chord_type type, int64_t n, void *dst, uint64_t *rng);
/* Random blocks of a quantized type: random bits, every f16 scale replaced by a finite, modest value. */
void chord_fill_quant(chord_type type, int64_t n, unsigned char *dst, uint64_t *rng);
/* n f32 as bytes; 0 for n <= 0 (negative shapes are the op's check to reject). */
size_t chord_f32_bytes(int64_t n);
/* Whether n values of type are whole blocks (an unknown type is the backend's business, so yes). */
int chord_whole_blocks(chord_type type, int64_t n);

#ifdef __cplusplus
}
#endif

#endif
