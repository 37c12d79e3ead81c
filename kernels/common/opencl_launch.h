/* What the OpenCL backend (runtime/opencl*.c) and its launchers (kernels/<op>/opencl.c) share: the context, the
 * check macro, the program cache, the per-device tunables and the launch helpers. Not a public header: callers
 * see only chord_backend_opencl. */
#ifndef CHORD_OPENCL_LAUNCH_H
#define CHORD_OPENCL_LAUNCH_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "../ops.h"

/* Settles PoCL's kernel cache directory before the platform starts (runtime/opencl_pocl.c); once per process. */
void chord_cl_prepare_env(void);

/* The name of an OpenCL error code ("CL_INVALID_VALUE"), or "CL_UNKNOWN_ERROR". */
const char *chord_cl_error_name(cl_int err);

/* Checks one OpenCL call returning cl_int; on failure returns CHORD_ERR_DEVICE from the enclosing
 * function with the call text, file, line and the error's name. */
#define CHORD_CL_CHECK(call)                                                                                      \
    do {                                                                                                          \
        cl_int chord_cl_e_ = (call);                                                                              \
        if (chord_cl_e_ != CL_SUCCESS)                                                                            \
            return chord_fail(CHORD_ERR_DEVICE, "opencl: %s failed at %s:%d: %s (%d)", #call, __FILE__, __LINE__, \
                              chord_cl_error_name(chord_cl_e_), (int)chord_cl_e_);                                \
    } while (0)

struct chord_buf {
    cl_mem mem;
    size_t bytes;
};

/* Tunables of one device, chosen from a small table at init (runtime/opencl.c) and passed to every
 * program as -D defines. */
typedef struct chord_cl_tune {
    int red_wg;         /* work-group of the row reductions (rmsnorm, softmax, matmul rows); a power of 2 */
    int row_reg;        /* values per work-item a row reduction keeps in registers (one read of the row) */
    int ew_wg;          /* work-group of the elementwise ops */
    int ew_vpi;         /* values per work-item of the elementwise ops */
    int mm_wg;          /* matmul (GEMV): work-group per output row; a power of 2 */
    int mm_rows;        /* matmul: X rows per work-group */
    int mm_split_u;     /* matmul on the split types: super-blocks in flight per work-item (the rolling prefetch) */
    int mm_split_items; /* matmul on the split types: k is split until rows x 8 lanes x slices reaches this per CU */
    int gemm_bm, gemm_bn, gemm_bk, gemm_tm, gemm_tn; /* matmul_tiled tile shape */
    int attn_wg;            /* attention: work-group per (query, head[, key range]); a power of 2 */
    int attn_groups_per_cu; /* attention splits keys until tokens x heads x splits reaches this per CU */
} chord_cl_tune;

typedef struct chord_cl_program {
    int op;
    char defines[256];
    cl_program program;
    cl_kernel kernel; /* the program's one kernel, named after the op */
} chord_cl_program;

#define CHORD_CL_MAX_PROGRAMS 256

typedef struct chord_cl_ctx {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue; /* in-order, profiling enabled */
    int fp64;               /* cl_khr_fp64: rope reduces angles in double */
    int is_cpu;
    int compute_units;
    chord_cl_tune tune;
    chord_cl_program programs[CHORD_CL_MAX_PROGRAMS];
    int n_programs;
    /* device scratch (attention's split partials), grown on demand; the in-order queue serializes its users */
    cl_mem scratch;
    size_t scratch_bytes;
    /* timer: the first and the last event enqueued since timer_start */
    int timing;
    cl_event first, last;
} chord_cl_ctx;

/* The kernel for op built with these defines (plus the device's tunables), built on first use. */
chord_status chord_cl_kernel(chord_cl_ctx *c, chord_op op, const char *defines, cl_kernel *out);
void chord_cl_release_programs(chord_cl_ctx *c);
/* The context's scratch buffer, at least bytes large. */
chord_status chord_cl_scratch(chord_cl_ctx *c, size_t bytes, cl_mem *out);

/* Where an enqueue should store its event: non-NULL while the timer runs (the event is then kept by
 * chord_cl_track). Use as: cl_event ev, *evp = chord_cl_event_slot(c, &ev); enqueue(..., evp);
 * chord_cl_track(c, evp). */
cl_event *chord_cl_event_slot(chord_cl_ctx *c, cl_event *ev);
void chord_cl_track(chord_cl_ctx *c, cl_event *evp);

/* Enqueues kernel over global[0..dims) with local work size local[] and tracks its event for the timer. */
chord_status chord_cl_launch(chord_cl_ctx *c, cl_kernel k, int dims, const size_t *global, const size_t *local);

/* ---- for the launchers, chord_<op>_opencl (kernels/<op>/opencl.c): validate, pick a variant, launch ---- */

CHORD_OPS(CHORD_DECLARE_OPENCL)

/* Sets argument i of kernel from a value: every argument is checked like any other call. */
#define CHORD_CL_ARG(kernel, i, v)                                                     \
    do {                                                                               \
        __typeof__(v) chord_arg_ = (v);                                                \
        CHORD_CL_CHECK(clSetKernelArg((kernel), (i), sizeof chord_arg_, &chord_arg_)); \
    } while (0)
/* A tensor is two arguments: its buffer and its byte offset. */
#define CHORD_CL_ARG_TENSOR(kernel, i, tensor)                    \
    do {                                                          \
        CHORD_CL_ARG(kernel, i, (tensor).buf->mem);               \
        CHORD_CL_ARG(kernel, (i) + 1, (cl_ulong)(tensor).offset); \
    } while (0)

/* x rounded up to a multiple of m. */
size_t chord_cl_round_up(size_t x, size_t m);
/* The -DWTYPE_<T> define of a weight type in *def; CHORD_ERR_UNSUPPORTED, naming op, when the kernels cannot decode
 * it (what a support query of op then answers). */
chord_status chord_cl_wtype_define(chord_type type, const char *op, const char **def);
/* The kernel of op with these defines, its arguments 0 .. 2 n_tensors - 1 set to t[0 .. n_tensors) as (buffer,
 * offset) pairs; the op's own arguments follow. */
chord_status chord_cl_kernel_for(chord_cl_ctx *c, chord_op op, const char *defines, const chord_tensor *t,
                                 int n_tensors, cl_kernel *out);
/* An elementwise op over n values: t[0 .. n_in) inputs then the output, each (n) f32, then n as the last
 * argument; the tunables' work-group and values per item. Every n runs: t == NULL (a support query) is CHORD_OK. */
chord_status chord_cl_elementwise(chord_cl_ctx *c, chord_op op, const chord_tensor *t, int n_in, int64_t n);

#endif
