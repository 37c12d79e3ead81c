/* The OpenCL launchers, chord_<op>_opencl: validate the args, pick the program variant (-D defines),
 * set the kernel arguments (buffers and byte offsets) and enqueue. Kernels: kernels/<op>/opencl.cl. */
#include <stdio.h>
#include <string.h>

#include "opencl_internal.h"

/* Sets argument i of k from a value: every argument is checked like any other call. */
#define ARG(k, i, v)                                                        \
    do {                                                                    \
        __typeof__(v) chord_arg_ = (v);                                     \
        CHORD_CL_CHECK(clSetKernelArg((k), (i), sizeof chord_arg_, &chord_arg_)); \
    } while (0)
#define ARG_TENSOR(k, i, tensor)                                             \
    do {                                                                     \
        ARG(k, i, (tensor).buf->mem);                                        \
        ARG(k, (i) + 1, (cl_ulong)(tensor).offset);                          \
    } while (0)

static size_t round_up(size_t x, size_t m)
{
    return (x + m - 1) / m * m;
}

/* The -DWTYPE_<T> define of a weight type, or NULL when the kernels cannot decode it. */
static const char *wtype_define(chord_type t)
{
    switch (t) {
    case CHORD_TYPE_F32: return "-DWTYPE_F32";
    case CHORD_TYPE_F16: return "-DWTYPE_F16";
    case CHORD_TYPE_BF16: return "-DWTYPE_BF16";
    case CHORD_TYPE_Q4_0: return "-DWTYPE_Q4_0";
    case CHORD_TYPE_Q4_1: return "-DWTYPE_Q4_1";
    case CHORD_TYPE_Q5_0: return "-DWTYPE_Q5_0";
    case CHORD_TYPE_Q5_1: return "-DWTYPE_Q5_1";
    case CHORD_TYPE_Q8_0: return "-DWTYPE_Q8_0";
    case CHORD_TYPE_Q4_K: return "-DWTYPE_Q4_K";
    case CHORD_TYPE_Q5_K: return "-DWTYPE_Q5_K";
    case CHORD_TYPE_Q6_K: return "-DWTYPE_Q6_K";
    default: return NULL;
    }
}

/* Without fp64, rope's float angles are off by ~p * 1e-7 rad: beyond this position that exceeds the
 * bound (measured: ratio 0.9 near 1000, 4.5 near 2047), so such launches are refused, not run wrong. */
#define ROPE_F32_MAX_POS 512

int chord_cl_supports(void *ctx, chord_op op, const void *args)
{
    const chord_cl_ctx *c = ctx;
    switch (op) {
    case CHORD_OP_ROPE: {
        const chord_rope_args *r = args;
        return c->fp64 || (long)r->pos0 + r->n_tok <= ROPE_F32_MAX_POS;
    }
    case CHORD_OP_MATMUL:
        return wtype_define(((const chord_matmul_args *)args)->wtype) != NULL;
    case CHORD_OP_MATMUL_TILED:
        return ((const chord_matmul_args *)args)->wtype == CHORD_TYPE_F32;
    case CHORD_OP_DEQUANT:
        return wtype_define(((const chord_dequant_args *)args)->type) != NULL;
    default:
        return 1;
    }
}

chord_status chord_matmul_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: W (n, k) of wtype, X (m, k), Y (m, n) */
    chord_cl_ctx *c = ctx;
    const chord_matmul_args *a = args;
    const char *wdef = wtype_define(a->wtype);
    if (!wdef)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl matmul: weight type %s", chord_type_info(a->wtype)->name);
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    /* X rows per work-group: 1 for decode; a batch re-reads W once per group of rows, so larger
     * batches take the tunable's maximum (registers permitting) */
    int rows = c->tune.mm_rows;
    if (a->m == 1)
        rows = 1;
    else if (a->m <= 4 && rows > 4)
        rows = 4;
    char defs[96];
    snprintf(defs, sizeof defs, "%s -DROWS=%d", wdef, rows);
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_MATMUL, defs, &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG_TENSOR(k, 4, t[2]);
    ARG(k, 6, (cl_int)a->m);
    ARG(k, 7, (cl_int)a->n);
    ARG(k, 8, (cl_int)a->k);
    ARG(k, 9, (cl_ulong)chord_type_row_bytes(a->wtype, a->k));
    const size_t wg = (size_t)c->tune.mm_wg;
    const size_t global[2] = {(size_t)a->n * wg, (size_t)(a->m + rows - 1) / rows};
    const size_t local[2] = {wg, 1};
    return chord_cl_launch(c, k, 2, global, local);
}

chord_status chord_matmul_tiled_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: W (n, k) f32, X (m, k), Y (m, n) */
    chord_cl_ctx *c = ctx;
    const chord_matmul_args *a = args;
    if (a->wtype != CHORD_TYPE_F32)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl matmul_tiled: f32 weights only (got %s)",
                          chord_type_info(a->wtype)->name);
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    const chord_cl_tune *tu = &c->tune;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_MATMUL_TILED, "", &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG_TENSOR(k, 4, t[2]);
    ARG(k, 6, (cl_int)a->m);
    ARG(k, 7, (cl_int)a->n);
    ARG(k, 8, (cl_int)a->k);
    const size_t wg = (size_t)(tu->gemm_bm / tu->gemm_tm) * (size_t)(tu->gemm_bn / tu->gemm_tn);
    const size_t global[2] = {(size_t)(a->n + tu->gemm_bn - 1) / tu->gemm_bn * wg,
                              (size_t)(a->m + tu->gemm_bm - 1) / tu->gemm_bm};
    const size_t local[2] = {wg, 1};
    return chord_cl_launch(c, k, 2, global, local);
}

chord_status chord_rmsnorm_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: X (n_rows, n_cols), weight (n_cols), Y (n_rows, n_cols) */
    chord_cl_ctx *c = ctx;
    const chord_rmsnorm_args *a = args;
    if (a->n_rows == 0 || a->n_cols == 0)
        return CHORD_OK;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_RMSNORM, "", &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG_TENSOR(k, 4, t[2]);
    ARG(k, 6, (cl_int)a->n_cols);
    ARG(k, 7, (cl_float)a->eps);
    const size_t local = (size_t)c->tune.red_wg, global = (size_t)a->n_rows * local;
    return chord_cl_launch(c, k, 1, &global, &local);
}

chord_status chord_softmax_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: X (n_rows, n_cols), Y (n_rows, n_cols) */
    chord_cl_ctx *c = ctx;
    const chord_softmax_args *a = args;
    if (a->n_rows == 0 || a->n_cols == 0)
        return CHORD_OK;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_SOFTMAX, "", &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG(k, 4, (cl_int)a->n_cols);
    ARG(k, 5, (cl_float)a->scale);
    ARG(k, 6, (cl_int)(a->causal != 0));
    ARG(k, 7, (cl_int)a->pos0);
    ARG(k, 8, (cl_int)(a->rows_per_pos > 0 ? a->rows_per_pos : 1));
    const size_t local = (size_t)c->tune.red_wg, global = (size_t)a->n_rows * local;
    return chord_cl_launch(c, k, 1, &global, &local);
}

#define ROPE_HPI 16 /* heads per work-item, passed to kernels/rope/opencl.cl */

chord_status chord_rope_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: X (n_tok, n_head, head_dim), Y likewise */
    chord_cl_ctx *c = ctx;
    const chord_rope_args *a = args;
    const int per_tok = a->n_rot / 2 + (a->head_dim - a->n_rot); /* items per token */
    if (a->n_tok == 0 || a->n_head == 0 || per_tok == 0)
        return CHORD_OK;
    cl_kernel k;
    char defs[32];
    snprintf(defs, sizeof defs, "-DROPE_HPI=%d", ROPE_HPI);
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_ROPE, defs, &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG(k, 4, (cl_int)a->n_head);
    ARG(k, 5, (cl_int)a->head_dim);
    ARG(k, 6, (cl_int)a->n_rot);
    ARG(k, 7, (cl_int)((a->mode & CHORD_ROPE_NEOX) != 0));
    ARG(k, 8, (cl_float)a->theta_base);
    ARG(k, 9, (cl_int)a->pos0);
    const size_t l0 = per_tok < 64 ? (size_t)round_up((size_t)per_tok, 8) : 64;
    const size_t global[3] = {round_up((size_t)per_tok, l0), (size_t)a->n_tok, (size_t)(a->n_head + ROPE_HPI - 1) / ROPE_HPI};
    const size_t local[3] = {l0, 1, 1};
    return chord_cl_launch(c, k, 3, global, local);
}

chord_status chord_dequant_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: SRC (n values of type), DST (n) f32 */
    chord_cl_ctx *c = ctx;
    const chord_dequant_args *a = args;
    const char *wdef = wtype_define(a->type);
    if (!wdef)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl dequant: type %s", chord_type_info(a->type)->name);
    if (a->n == 0)
        return CHORD_OK;
    if (a->n / 8 >= (1ll << 32))
        return chord_fail(CHORD_ERR_INVALID, "opencl dequant: n=%lld too large", (long long)a->n);
    char defs[64];
    snprintf(defs, sizeof defs, "%s -DDST16=%d", wdef, t[1].offset % 16 == 0);
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_DEQUANT, defs, &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG(k, 4, (cl_ulong)a->n);
    const size_t local = (size_t)c->tune.ew_wg;
    const size_t global = round_up((size_t)(a->n + 7) / 8, local);
    return chord_cl_launch(c, k, 1, &global, &local);
}

/* add and swiglu: two inputs, one output, n values, same launch shape. */
static chord_status binary(chord_cl_ctx *c, chord_op op, const chord_tensor *t, int64_t n)
{
    if (n == 0)
        return CHORD_OK;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel(c, op, "", &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG_TENSOR(k, 4, t[2]);
    ARG(k, 6, (cl_ulong)n);
    const size_t local = (size_t)c->tune.ew_wg, per_group = local * (size_t)c->tune.ew_vpi;
    const size_t global = ((size_t)n + per_group - 1) / per_group * local;
    return chord_cl_launch(c, k, 1, &global, &local);
}

chord_status chord_add_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    return binary(ctx, CHORD_OP_ADD, t, ((const chord_add_args *)args)->n);
}

chord_status chord_swiglu_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    return binary(ctx, CHORD_OP_SWIGLU, t, ((const chord_swiglu_args *)args)->n);
}

chord_status chord_attention_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: Q (n_tok, n_head, head_dim), K, V (n_ctx, n_head_kv, head_dim), OUT (n_tok, n_head, head_dim) */
    chord_cl_ctx *c = ctx;
    const chord_attention_args *a = args;
    if (a->head_dim > 1024)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl attention: head_dim %d > 1024", a->head_dim);
    if (a->n_tok == 0)
        return CHORD_OK;
    const chord_cl_tune *tu = &c->tune;
    const size_t wg = (size_t)tu->attn_wg;
    /* Split the keys over work-groups when tokens x heads leave compute units idle (decode). */
    const int n_kv = a->pos0 + a->n_tok;
    const int tiles = (n_kv + tu->attn_wg - 1) / tu->attn_wg;
    const long target = (long)tu->attn_groups_per_cu * c->compute_units;
    const long groups = (long)a->n_tok * a->n_head;
    int n_split = groups >= target ? 1 : (int)((target + groups - 1) / groups);
    if (n_split > tiles)
        n_split = tiles;
    const int keys_per_split = (tiles + n_split - 1) / n_split * tu->attn_wg;
    n_split = (n_kv + keys_per_split - 1) / keys_per_split; /* no split left without keys for the last token */
    char defs[64];
    const int kv16 = a->head_dim % 4 == 0 && t[1].offset % 16 == 0; /* K rows 16-byte aligned */
    snprintf(defs, sizeof defs, "-DHEAD_DIM=%d -DKV16=%d%s", a->head_dim, kv16, n_split > 1 ? " -DATTN_SPLIT" : "");
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_ATTENTION, defs, &k));
    ARG_TENSOR(k, 0, t[0]);
    ARG_TENSOR(k, 2, t[1]);
    ARG_TENSOR(k, 4, t[2]);
    cl_mem part = NULL;
    if (n_split > 1) { /* PART (n_tok, n_head, n_split, 2 + head_dim) */
        CHORD_TRY(chord_cl_scratch(c, (size_t)groups * n_split * (2 + (size_t)a->head_dim) * sizeof(float), &part));
        ARG(k, 6, part);
        ARG(k, 7, (cl_ulong)0);
    } else {
        ARG_TENSOR(k, 6, t[3]);
    }
    ARG(k, 8, (cl_int)a->n_head);
    ARG(k, 9, (cl_int)a->n_head_kv);
    ARG(k, 10, (cl_int)a->pos0);
    ARG(k, 11, (cl_float)a->scale);
    ARG(k, 12, (cl_int)keys_per_split);
    const size_t global[3] = {(size_t)a->n_head * wg, (size_t)a->n_tok, (size_t)n_split};
    const size_t local[3] = {wg, 1, 1};
    CHORD_TRY(chord_cl_launch(c, k, 3, global, local));
    if (n_split == 1)
        return CHORD_OK;
    snprintf(defs, sizeof defs, "-DHEAD_DIM=%d -DATTN_COMBINE", a->head_dim);
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_ATTENTION, defs, &k));
    ARG(k, 0, part);
    ARG(k, 1, (cl_ulong)0);
    ARG_TENSOR(k, 2, t[3]);
    ARG(k, 4, (cl_int)a->n_head);
    ARG(k, 5, (cl_int)n_split);
    return chord_cl_launch(c, k, 2, global, local);
}
