/* The launch helpers every OpenCL launcher shares (declared in opencl_launch.h). */
#include "opencl_launch.h"

size_t chord_cl_round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

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
    case CHORD_TYPE_Q4_0_SPLIT: return "-DWTYPE_Q4_0_SPLIT";
    case CHORD_TYPE_Q4_1_SPLIT: return "-DWTYPE_Q4_1_SPLIT";
    case CHORD_TYPE_Q8_0_SPLIT: return "-DWTYPE_Q8_0_SPLIT";
    default: return NULL;
    }
}

chord_status chord_cl_wtype_define(chord_type type, const char *op, const char **def)
{
    *def = wtype_define(type);
    if (!*def)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl %s: weight type %s", op, chord_type_info(type)->name);
    return CHORD_OK;
}

chord_status chord_cl_kernel_for(chord_cl_ctx *c, chord_op op, const char *defines, const chord_tensor *t,
                                 int n_tensors, cl_kernel *out)
{
    CHORD_TRY(chord_cl_kernel(c, op, defines, out));
    for (int i = 0; i < n_tensors; i++)
        CHORD_CL_ARG_TENSOR(*out, 2 * i, t[i]);
    return CHORD_OK;
}

chord_status chord_cl_elementwise(chord_cl_ctx *c, chord_op op, const chord_tensor *t, int n_in, int64_t n)
{
    if (!t || n == 0)
        return CHORD_OK;
    cl_kernel k;
    CHORD_TRY(chord_cl_kernel_for(c, op, "", t, n_in + 1, &k));
    CHORD_CL_ARG(k, 2 * (n_in + 1), (cl_ulong)n);
    const size_t local = (size_t)c->tune.ew_wg, per_group = local * (size_t)c->tune.ew_vpi;
    const size_t global = ((size_t)n + per_group - 1) / per_group * local;
    return chord_cl_launch(c, k, 1, &global, &local);
}
