/* rope, OpenCL launcher: pairs and the copied tail of ROPE_HPI heads per work-item (kernels/rope/opencl.cl). */
#include <stdio.h>

#include "../common/opencl_launch.h"
#include "rope.h"

/* Without fp64, rope's float angles are off by ~p * 1e-7 rad: beyond this position that exceeds the
 * bound (measured: ratio 0.9 near 1000, 4.5 near 2047), so such launches are refused, not run wrong. */
#define ROPE_F32_MAX_POS 512

#define ROPE_HPI 16 /* heads per work-item, passed to kernels/rope/opencl.cl */

chord_status chord_rope_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: X (n_tok, n_head, head_dim), Y likewise */
    chord_cl_ctx *c = ctx;
    const chord_rope_args *a = args;
    if (!c->fp64 && (long)a->pos0 + a->n_tok > ROPE_F32_MAX_POS)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl rope: positions past %d need cl_khr_fp64", ROPE_F32_MAX_POS);
    if (!t) /* a support query */
        return CHORD_OK;
    const int per_tok = a->n_rot / 2 + (a->head_dim - a->n_rot); /* items per token */
    if (a->n_tok == 0 || a->n_head == 0 || per_tok == 0)
        return CHORD_OK;
    cl_kernel k;
    char defs[32];
    snprintf(defs, sizeof defs, "-DROPE_HPI=%d", ROPE_HPI);
    CHORD_TRY(chord_cl_kernel_for(c, CHORD_OP_ROPE, defs, t, 2, &k));
    CHORD_CL_ARG(k, 4, (cl_int)a->n_head);
    CHORD_CL_ARG(k, 5, (cl_int)a->head_dim);
    CHORD_CL_ARG(k, 6, (cl_int)a->n_rot);
    CHORD_CL_ARG(k, 7, (cl_int)((a->mode & CHORD_ROPE_NEOX) != 0));
    CHORD_CL_ARG(k, 8, (cl_float)a->theta_base);
    CHORD_CL_ARG(k, 9, (cl_int)a->pos0);
    const size_t l0 = per_tok < 64 ? (size_t)chord_cl_round_up((size_t)per_tok, 8) : 64;
    const size_t global[3] = {chord_cl_round_up((size_t)per_tok, l0), (size_t)a->n_tok,
                              (size_t)(a->n_head + ROPE_HPI - 1) / ROPE_HPI};
    const size_t local[3] = {l0, 1, 1};
    return chord_cl_launch(c, k, 3, global, local);
}
