/* The op table: adding an op is one folder under kernels/ and one line here.
 * X(ENUM, name, n_tensors): tensors are passed to launches in the order each op's header gives. */
#ifndef CHORD_OPS_H
#define CHORD_OPS_H

#include <stddef.h>

#define CHORD_OP_LIST(X)                \
    X(MATMUL, matmul, 3)                \
    X(MATMUL_TILED, matmul_tiled, 3)    \
    X(RMSNORM, rmsnorm, 3)              \
    X(SOFTMAX, softmax, 2)              \
    X(ROPE, rope, 2)                    \
    X(DEQUANT, dequant, 2)              \
    X(ADD, add, 3)                      \
    X(SWIGLU, swiglu, 3)                \
    X(ATTENTION, attention, 4)

typedef enum chord_op {
#define CHORD_X(e, n, t) CHORD_OP_##e,
    CHORD_OP_LIST(CHORD_X)
#undef CHORD_X
    CHORD_OP_COUNT
} chord_op;

#define CHORD_MAX_TENSORS 4

const char *chord_op_name(chord_op op);
int chord_op_from_name(const char *name); /* -1 if unknown */
int chord_op_n_tensors(chord_op op);
/* Bytes the op touches from tensor i's offset, from its args alone (attention K/V: the rows up to the last
 * position it reads); 0 for an unknown op or tensor. */
size_t chord_op_tensor_bytes(chord_op op, const void *args, int i);

#include "../matmul/matmul.h"
#include "../rmsnorm/rmsnorm.h"
#include "../softmax/softmax.h"
#include "../rope/rope.h"
#include "../dequant/dequant.h"
#include "../add/add.h"
#include "../swiglu/swiglu.h"
#include "../attention/attention.h"

#endif
