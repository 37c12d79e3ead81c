/* OpenCL programs: the source of an op is the shared common text followed by kernels/<op>/opencl.cl,
 * both embedded at build time (runtime/opencl.cmake) or, with CHORD_OPENCL_SRC_DIR=<tree>/kernels,
 * read from disk for development. Each (op, defines) is built once per context and cached; a failed
 * build reports its log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "common/opencl_launch.h"
#include "opencl_sources.h"

/* Reads DIR/rel into a NUL-terminated malloc'd string. */
static chord_status read_source(const char *dir, const char *rel, char **out)
{
    char *path = malloc(strlen(dir) + strlen(rel) + 2); /* the directory is the user's: any length */
    if (!path)
        return chord_fail(CHORD_ERR_NOMEM, "opencl: out of host memory");
    sprintf(path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        chord_fail(CHORD_ERR_IO, "opencl: cannot open %s (CHORD_OPENCL_SRC_DIR)", path);
        free(path);
        return CHORD_ERR_IO;
    }
    char *s = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1)))
        if (fread(s, 1, (size_t)n, f) != (size_t)n) {
            free(s);
            s = NULL;
        }
    fclose(f);
    if (!s)
        chord_fail(CHORD_ERR_IO, "opencl: cannot read %s", path);
    free(path);
    if (!s)
        return CHORD_ERR_IO;
    s[n] = 0;
    *out = s;
    return CHORD_OK;
}

/* The text of source rel: embedded, or from CHORD_OPENCL_SRC_DIR. *owned is set when the caller must free it. */
static chord_status source_text(const char *rel, const char **text, char **owned)
{
    *owned = NULL;
    const char *dir = getenv("CHORD_OPENCL_SRC_DIR");
    if (dir && *dir) {
        CHORD_TRY(read_source(dir, rel, owned));
        *text = *owned;
        return CHORD_OK;
    }
    for (int i = 0; i < chord_cl_n_sources; i++)
        if (strcmp(chord_cl_sources[i].path, rel) == 0) {
            *text = (const char *)chord_cl_sources[i].text;
            return CHORD_OK;
        }
    return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl: no embedded source %s", rel);
}

static chord_status create_program(chord_cl_ctx *c, cl_uint n, const char **texts, cl_program *out)
{
    cl_int e = CL_SUCCESS;
    CHORD_CL_CHECK((*out = clCreateProgramWithSource(c->context, n, texts, NULL, &e), e));
    return CHORD_OK;
}

static chord_status create_kernel(cl_program prog, const char *name, cl_kernel *out)
{
    cl_int e = CL_SUCCESS;
    CHORD_CL_CHECK((*out = clCreateKernel(prog, name, &e), e));
    return CHORD_OK;
}

static chord_status build(chord_cl_ctx *c, chord_op op, const char *defines, chord_cl_program *p)
{
    /* common sources first, in the table's order, then the op's file; each preceded by a #line so
     * build logs name the file and line rather than a place in the concatenation */
    enum { MAX_PARTS = 8 };
    const char *texts[2 * MAX_PARTS];
    char *owned[MAX_PARTS] = {0};
    char lines[MAX_PARTS][160];
    cl_uint n = 0, parts = 0;
    chord_status s = CHORD_OK;
    char rel[128];
    snprintf(rel, sizeof rel, "%s/opencl.cl", chord_op_name(op));
    for (int i = 0; i <= chord_cl_n_sources && parts < MAX_PARTS && s == CHORD_OK; i++) {
        const char *path = i < chord_cl_n_sources ? chord_cl_sources[i].path : rel; /* the op's file last */
        if (i < chord_cl_n_sources && strncmp(path, "common/", 7) != 0)
            continue;
        snprintf(lines[parts], sizeof lines[parts], "\n#line 1 \"%s\"\n", path);
        texts[n++] = lines[parts];
        s = source_text(path, &texts[n++], &owned[parts]);
        parts++;
    }
    cl_program prog = NULL;
    if (s == CHORD_OK)
        s = create_program(c, n, texts, &prog);
    for (cl_uint i = 0; i < parts; i++)
        free(owned[i]);
    if (s != CHORD_OK)
        return s;

    const chord_cl_tune *t = &c->tune;
    char opts[1024];
    snprintf(opts, sizeof opts,
             "-cl-std=CL1.2 -DRED_WG=%d -DROW_REG=%d -DEW_WG=%d -DEW_VPI=%d -DMM_WG=%d -DMM_ROWS=%d "
             "-DBM=%d -DBN=%d -DBK=%d -DTM=%d -DTN=%d -DATTN_WG=%d -DCHORD_FP64=%d %s",
             t->red_wg, t->row_reg, t->ew_wg, t->ew_vpi, t->mm_wg, t->mm_rows, t->gemm_bm, t->gemm_bn, t->gemm_bk,
             t->gemm_tm, t->gemm_tn, t->attn_wg, c->fp64, defines);
    cl_int e = clBuildProgram(prog, 1, &c->device, opts, NULL, NULL);
    if (e != CL_SUCCESS) {
        /* the log is the compiler's, any length: sized first; a log that cannot be read is said so */
        size_t len = 0;
        char *log = NULL;
        if (clGetProgramBuildInfo(prog, c->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &len) == CL_SUCCESS &&
            (log = calloc(len + 1, 1)) != NULL &&
            clGetProgramBuildInfo(prog, c->device, CL_PROGRAM_BUILD_LOG, len, log, NULL) != CL_SUCCESS) {
            free(log);
            log = NULL;
        }
        clReleaseProgram(prog);
        chord_fail(CHORD_ERR_DEVICE, "opencl: building %s with '%s' failed: %s\n%s", rel, opts, chord_cl_error_name(e),
                   log ? log : "(no build log)");
        free(log);
        return CHORD_ERR_DEVICE;
    }
    cl_kernel k = NULL;
    if ((s = create_kernel(prog, chord_op_name(op), &k)) != CHORD_OK) {
        clReleaseProgram(prog);
        return s;
    }
    p->op = (int)op;
    snprintf(p->defines, sizeof p->defines, "%s", defines);
    p->program = prog;
    p->kernel = k;
    return CHORD_OK;
}

chord_status chord_cl_kernel(chord_cl_ctx *c, chord_op op, const char *defines, cl_kernel *out)
{
    for (int i = 0; i < c->n_programs; i++)
        if (c->programs[i].op == (int)op && strcmp(c->programs[i].defines, defines) == 0) {
            *out = c->programs[i].kernel;
            return CHORD_OK;
        }
    if (strlen(defines) >= sizeof c->programs[0].defines)
        return chord_fail(CHORD_ERR_INVALID, "opencl: defines too long: %s", defines);
    if (c->n_programs == CHORD_CL_MAX_PROGRAMS)
        return chord_fail(CHORD_ERR_NOMEM, "opencl: more than %d program variants in one context",
                          CHORD_CL_MAX_PROGRAMS);
    chord_cl_program *p = &c->programs[c->n_programs];
    CHORD_TRY(build(c, op, defines, p));
    c->n_programs++;
    *out = p->kernel;
    return CHORD_OK;
}

void chord_cl_release_programs(chord_cl_ctx *c)
{
    for (int i = 0; i < c->n_programs; i++) {
        clReleaseKernel(c->programs[i].kernel);
        clReleaseProgram(c->programs[i].program);
    }
    c->n_programs = 0;
}
