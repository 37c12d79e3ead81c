/* attention, OpenCL launcher: one work-group per (head, token), keys split over work-groups when tokens x heads
 * leave compute units idle (decode), then a combine pass (kernels/attention/opencl.cl). */
#include <stdio.h>

#include "../common/opencl_launch.h"
#include "attention.h"

chord_status chord_attention_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: Q (n_tok, n_head, head_dim), K, V (n_ctx, n_head_kv, head_dim), OUT (n_tok, n_head, head_dim) */
    chord_cl_ctx *c = ctx;
    const chord_attention_args *a = args;
    if (a->head_dim > 1024)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl attention: head_dim %d > 1024", a->head_dim);
    if (!t || a->n_tok == 0) /* a support query, or nothing to do */
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
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_ATTENTION, defs, t, 3, &k));
    cl_mem part = NULL;
    if (n_split > 1) { /* PART (n_tok, n_head, n_split, 2 + head_dim) */
        CHORD_TRY(chord_cl_scratch(c, (size_t)groups * n_split * (2 + (size_t)a->head_dim) * sizeof(float), &part));
        CHORD_CL_ARG(k, 6, part);
        CHORD_CL_ARG(k, 7, (cl_ulong)0);
    } else {
        CHORD_CL_ARG_TENSOR(k, 6, t[3]);
    }
    CHORD_CL_ARG(k, 8, (cl_int)a->n_head);
    CHORD_CL_ARG(k, 9, (cl_int)a->n_head_kv);
    CHORD_CL_ARG(k, 10, (cl_int)a->pos0);
    CHORD_CL_ARG(k, 11, (cl_float)a->scale);
    CHORD_CL_ARG(k, 12, (cl_int)keys_per_split);
    const size_t global[3] = {(size_t)a->n_head * wg, (size_t)a->n_tok, (size_t)n_split};
    const size_t local[3] = {wg, 1, 1};
    CHORD_TRY(chord_cl_launch(c, k, 3, global, local));
    if (n_split == 1)
        return CHORD_OK;
    snprintf(defs, sizeof defs, "-DHEAD_DIM=%d -DATTN_COMBINE", a->head_dim);
    CHORD_TRY(chord_cl_kernel(c, CHORD_OP_ATTENTION, defs, &k));
    CHORD_CL_ARG(k, 0, part);
    CHORD_CL_ARG(k, 1, (cl_ulong)0);
    CHORD_CL_ARG_TENSOR(k, 2, t[3]);
    CHORD_CL_ARG(k, 4, (cl_int)a->n_head);
    CHORD_CL_ARG(k, 5, (cl_int)n_split);
    return chord_cl_launch(c, k, 2, global, local);
}
