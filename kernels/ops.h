/* The op list: one line per kernels/<op>/ folder, and which APIs implement the op.
 *
 *   X(ENUM, name, ref, cpu, cuda, opencl, vulkan)
 *
 * Each API cell is the API's name when kernels/<op>/ holds its launcher chord_<name>_<api> (ref.c, cpu.c,
 * cuda.cu, opencl.c, vulkan.c), or `none` when the API lacks the op: its backend table then has NULL there, which
 * chord_supports() and `chord info` report. Everything else about an op is its descriptor, chord_<name>_op in
 * kernels/<op>/op.c (kernels/common/op.h says what a descriptor holds). Adding an op is one folder and one line
 * here; adding an API is one column, its runtime file and one launcher file per op. */
#ifndef CHORD_OPS_H
#define CHORD_OPS_H

#include "common/op.h"

/* clang-format off */
#define CHORD_OPS(X)                                                  \
    X(MATMUL,       matmul,       ref, cpu, cuda, opencl, vulkan)     \
    X(MATMUL_TILED, matmul_tiled, ref, cpu, cuda, opencl, vulkan)     \
    X(RMSNORM,      rmsnorm,      ref, cpu, cuda, opencl, vulkan)     \
    X(SOFTMAX,      softmax,      ref, cpu, cuda, opencl, vulkan)     \
    X(ROPE,         rope,         ref, cpu, cuda, opencl, vulkan)     \
    X(DEQUANT,      dequant,      ref, cpu, cuda, opencl, vulkan)     \
    X(ADD,          add,          ref, cpu, cuda, opencl, vulkan)     \
    X(SWIGLU,       swiglu,       ref, cpu, cuda, opencl, vulkan)     \
    X(ATTENTION,    attention,    ref, cpu, cuda, opencl, vulkan)     \
    X(GELU,         gelu,         ref, cpu, cuda, opencl, vulkan)     \
    X(MATMUL_SWIGLU, matmul_swiglu, ref, cpu, cuda, opencl, vulkan) \
    X(MATMUL_QKV,   matmul_qkv,   ref, cpu, cuda, opencl, vulkan) \
    X(MATMUL_ADD,   matmul_add,   ref, cpu, cuda, opencl, vulkan) \
    X(RMSNORM_QKV,  rmsnorm_qkv,  ref, cpu, cuda, none, none)     \
    X(RMSNORM_SWIGLU, rmsnorm_swiglu, ref, cpu, cuda, none, none)  \
    /* one line per op above, each ending in a backslash */
/* clang-format on */

typedef enum chord_op {
#define CHORD_X(e, n, ...) CHORD_OP_##e,
    CHORD_OPS(CHORD_X)
#undef CHORD_X
        CHORD_OP_COUNT
} chord_op;

/* The descriptors, one per op (kernels/<op>/op.c). */
#define CHORD_X(e, n, ...) extern const chord_op_desc chord_##n##_op;
CHORD_OPS(CHORD_X)
#undef CHORD_X

/* The descriptor of op; NULL for a value outside the list. */
const chord_op_desc *chord_op_desc_of(chord_op op);
const char *chord_op_name(chord_op op);   /* "unknown" outside the list */
int chord_op_from_name(const char *name); /* -1 if unknown */
int chord_op_n_tensors(chord_op op);
int chord_op_n_outputs(chord_op op); /* the last this many tensors are written; 1 for most ops */
/* Bytes the op touches from tensor i's offset, from its args alone; 0 for an unknown op or tensor. */
size_t chord_op_tensor_bytes(chord_op op, const void *args, int i);

/* ---- registration: a backend's table of launchers is its column of CHORD_OPS ----
 * In runtime/<api>.c:  .ops = {CHORD_OPS(CHORD_REGISTER_<API>)}  where CHORD_REGISTER_<API> picks the column. */
#define CHORD_LAUNCHER(name, cell) CHORD_LAUNCHER_(name, cell)
#define CHORD_LAUNCHER_(name, cell) CHORD_LAUNCHER_##cell(name)
#define CHORD_LAUNCHER_none(name) NULL
#define CHORD_LAUNCHER_ref(name) chord_##name##_ref
#define CHORD_LAUNCHER_cpu(name) chord_##name##_cpu
#define CHORD_LAUNCHER_cuda(name) chord_##name##_cuda
#define CHORD_LAUNCHER_opencl(name) chord_##name##_opencl
#define CHORD_LAUNCHER_vulkan(name) chord_##name##_vulkan

#define CHORD_REGISTER_REF(e, name, ref, cpu, cuda, opencl, vulkan) [CHORD_OP_##e] = CHORD_LAUNCHER(name, ref),
#define CHORD_REGISTER_CPU(e, name, ref, cpu, cuda, opencl, vulkan) [CHORD_OP_##e] = CHORD_LAUNCHER(name, cpu),
#define CHORD_REGISTER_CUDA(e, name, ref, cpu, cuda, opencl, vulkan) [CHORD_OP_##e] = CHORD_LAUNCHER(name, cuda),
#define CHORD_REGISTER_OPENCL(e, name, ref, cpu, cuda, opencl, vulkan) [CHORD_OP_##e] = CHORD_LAUNCHER(name, opencl),
#define CHORD_REGISTER_VULKAN(e, name, ref, cpu, cuda, opencl, vulkan) [CHORD_OP_##e] = CHORD_LAUNCHER(name, vulkan),

/* The launchers a column names, declared for the backend that registers them: one signature for every API. */
#define CHORD_DECLARE_LAUNCHER(name, cell) CHORD_DECLARE_LAUNCHER_(name, cell)
#define CHORD_DECLARE_LAUNCHER_(name, cell) CHORD_DECLARE_LAUNCHER_##cell(name)
#define CHORD_DECLARE_LAUNCHER_none(name)
#define CHORD_DECLARE_LAUNCHER_ref(name) chord_launcher chord_##name##_ref;
#define CHORD_DECLARE_LAUNCHER_cpu(name) chord_launcher chord_##name##_cpu;
#define CHORD_DECLARE_LAUNCHER_cuda(name) chord_launcher chord_##name##_cuda;
#define CHORD_DECLARE_LAUNCHER_opencl(name) chord_launcher chord_##name##_opencl;
#define CHORD_DECLARE_LAUNCHER_vulkan(name) chord_launcher chord_##name##_vulkan;
#define CHORD_DECLARE_REF(e, name, ref, cpu, cuda, opencl, vulkan) CHORD_DECLARE_LAUNCHER(name, ref)
#define CHORD_DECLARE_CPU(e, name, ref, cpu, cuda, opencl, vulkan) CHORD_DECLARE_LAUNCHER(name, cpu)
#define CHORD_DECLARE_CUDA(e, name, ref, cpu, cuda, opencl, vulkan) CHORD_DECLARE_LAUNCHER(name, cuda)
#define CHORD_DECLARE_OPENCL(e, name, ref, cpu, cuda, opencl, vulkan) CHORD_DECLARE_LAUNCHER(name, opencl)
#define CHORD_DECLARE_VULKAN(e, name, ref, cpu, cuda, opencl, vulkan) CHORD_DECLARE_LAUNCHER(name, vulkan)

#endif
