/* matmul, OpenCL launcher: the weight type and X rows per work-group are -D defines of kernels/matmul/opencl.cl;
 * the split types add their k slices, prefetch depth and the alignment of W and X. */
#include <stdio.h>

#include "../common/opencl_launch.h"
#include "matmul.h"
#include "opencl_matmul.h"

/* X rows per work-group: 1 for decode; a batch re-reads W once per group of rows, so larger batches take the
 * tunable's maximum (registers permitting) */
static int x_rows(const chord_cl_ctx *c, const chord_matmul_args *a)
{
    if (a->m == 1)
        return 1;
    return a->m <= 4 && c->tune.mm_rows > 4 ? 4 : c->tune.mm_rows;
}

/* k slices of the split kernel: doubled while the work-items (8 lanes per W row and slice, per group of X rows)
 * fall short of the tunable's target for the device, each slice keeping at least 2 super-blocks, and a work-group
 * keeping at least one row */
static int split_slices(const chord_cl_ctx *c, const chord_matmul_args *a, int rows)
{
    const long long target = (long long)c->compute_units * c->tune.mm_split_items;
    const long long items = 8ll * a->n * ((a->m + rows - 1) / rows);
    const int n_sb = a->k / 256;
    int ks = 1;
    while (8 * 2 * ks <= c->tune.mm_wg && items * ks < target && n_sb >= 4 * ks)
        ks *= 2;
    return ks;
}

/* k slices for ROPE: each pair's partner row in the same work-group, so an even number of rows per group */
static int rope_slices(const chord_cl_ctx *c, int ks)
{
    while (ks > 1 && c->tune.mm_wg / (8 * ks) < 2)
        ks /= 2;
    return ks;
}

chord_status chord_cl_matmul_launch(chord_cl_ctx *c, const chord_matmul_args *a, chord_cl_mm_store store,
                                    const chord_tensor *w, const chord_tensor *x, const chord_tensor *y,
                                    const chord_tensor *r, const chord_cl_mm_rope *rope)
{
    static const char *const ops[] = {"matmul", "matmul_add", "matmul_swiglu", "matmul_qkv"};
    static const char *const stores[] = {"", " -DADD=1", " -DSWIGLU=1", " -DROPE=1"}; /* by chord_cl_mm_store */
    const char *wdef;
    const char *op = ops[store];
    CHORD_TRY(chord_cl_wtype_define(a->wtype, op, &wdef));
    const int split = chord_type_info(a->wtype)->internal; /* the chord-only types are the split ones */
    if (split && c->tune.mm_wg < 8)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl %s: the split types need work-groups of 8 or more", op);
    if (store != CHORD_CL_MM_PLAIN && (!split || a->m != 1))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl %s: %s, m = %d (only m = 1 on the split layouts)", op,
                          chord_type_info(a->wtype)->name, a->m);
    if (store == CHORD_CL_MM_ROPE && (!c->fp64 || c->tune.mm_wg < 16))
        return chord_fail(CHORD_ERR_UNSUPPORTED,
                          "opencl %s: the rotating store needs cl_khr_fp64 and work-groups of "
                          "16 or more (fp64 %s, %d)",
                          op, c->fp64 ? "yes" : "no", c->tune.mm_wg);
    if (!w) /* a support query */
        return CHORD_OK;
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    const int rows = x_rows(c, a);
    const int ks = !split                      ? 1
                   : store == CHORD_CL_MM_ROPE ? rope_slices(c, split_slices(c, a, rows))
                                               : split_slices(c, a, rows);
    const int rows_per_group = split ? c->tune.mm_wg / (8 * ks) : 1; /* W rows */
    char defs[160];
    const int w16 = w->offset % 16 == 0 && (store != CHORD_CL_MM_SWIGLU || r->offset % 16 == 0); /* WU too */
    if (split)
        snprintf(defs, sizeof defs, "%s -DROWS=%d -DKS=%d -DSPLIT_U=%d -DW16=%d -DX16=%d%s", wdef, rows, ks,
                 c->tune.mm_split_u, w16, x->offset % 16 == 0, stores[store]);
    else
        snprintf(defs, sizeof defs, "%s -DROWS=%d", wdef, rows);
    const int with_r = store == CHORD_CL_MM_ADD || store == CHORD_CL_MM_SWIGLU;
    const chord_tensor t[4] = {*w, *x, *y, with_r ? *r : (chord_tensor){0}};
    const int n_t = with_r ? 4 : 3;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_MATMUL, defs, t, n_t, &k));
    CHORD_CL_ARG(k, 2 * n_t, (cl_int)a->m);
    CHORD_CL_ARG(k, 2 * n_t + 1, (cl_int)a->n);
    CHORD_CL_ARG(k, 2 * n_t + 2, (cl_int)a->k);
    CHORD_CL_ARG(k, 2 * n_t + 3, (cl_ulong)chord_type_row_bytes(a->wtype, a->k));
    if (store == CHORD_CL_MM_ROPE) {
        CHORD_CL_ARG(k, 2 * n_t + 4, (cl_int)rope->head_dim);
        CHORD_CL_ARG(k, 2 * n_t + 5, (cl_int)rope->n_rot);
        CHORD_CL_ARG(k, 2 * n_t + 6, (cl_float)rope->theta_base);
        CHORD_CL_ARG(k, 2 * n_t + 7, (cl_int)rope->pos0);
    }
    const size_t wg = (size_t)c->tune.mm_wg;
    const size_t groups = ((size_t)a->n + rows_per_group - 1) / rows_per_group;
    const size_t global[2] = {groups * wg, (size_t)(a->m + rows - 1) / rows};
    const size_t local[2] = {wg, 1};
    return chord_cl_launch(c, k, 2, global, local);
}

chord_status chord_matmul_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: W (n, k) of wtype, X (m, k), Y (m, n) */
    if (!t)
        return chord_cl_matmul_launch(ctx, args, CHORD_CL_MM_PLAIN, NULL, NULL, NULL, NULL, NULL);
    return chord_cl_matmul_launch(ctx, args, CHORD_CL_MM_PLAIN, &t[0], &t[1], &t[2], NULL, NULL);
}
