/* The OpenCL backend: devices of every platform in one flat list (`-b opencl:N`), buffers as cl_mem
 * with byte offsets passed to kernels (sub-buffer origins would need CL_DEVICE_MEM_BASE_ADDR_ALIGN),
 * one in-order profiling queue, and event timing from the first launch's start to the last's end.
 * Programs live in runtime/opencl_program.c, the launchers in kernels/<op>/opencl.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "common/opencl_launch.h"

const char *chord_cl_error_name(cl_int err)
{
    switch (err) {
#define E(x) \
    case x: return #x;
        E(CL_SUCCESS)
        E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE) E(CL_COMPILER_NOT_AVAILABLE)
            E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY)
                E(CL_PROFILING_INFO_NOT_AVAILABLE) E(CL_MEM_COPY_OVERLAP) E(CL_IMAGE_FORMAT_MISMATCH) E(
                    CL_IMAGE_FORMAT_NOT_SUPPORTED) E(CL_BUILD_PROGRAM_FAILURE) E(CL_MAP_FAILURE)
                    E(CL_MISALIGNED_SUB_BUFFER_OFFSET) E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) E(
                        CL_COMPILE_PROGRAM_FAILURE) E(CL_LINKER_NOT_AVAILABLE) E(CL_LINK_PROGRAM_FAILURE)
                        E(CL_DEVICE_PARTITION_FAILED) E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) E(CL_INVALID_VALUE) E(
                            CL_INVALID_DEVICE_TYPE) E(CL_INVALID_PLATFORM) E(CL_INVALID_DEVICE) E(CL_INVALID_CONTEXT)
                            E(CL_INVALID_QUEUE_PROPERTIES) E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_HOST_PTR)
                                E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) E(CL_INVALID_IMAGE_SIZE)
                                    E(CL_INVALID_SAMPLER) E(CL_INVALID_BINARY) E(CL_INVALID_BUILD_OPTIONS)
                                        E(CL_INVALID_PROGRAM) E(CL_INVALID_PROGRAM_EXECUTABLE) E(CL_INVALID_KERNEL_NAME)
                                            E(CL_INVALID_KERNEL_DEFINITION) E(CL_INVALID_KERNEL) E(CL_INVALID_ARG_INDEX)
                                                E(CL_INVALID_ARG_VALUE) E(CL_INVALID_ARG_SIZE) E(CL_INVALID_KERNEL_ARGS)
                                                    E(CL_INVALID_WORK_DIMENSION) E(CL_INVALID_WORK_GROUP_SIZE)
                                                        E(CL_INVALID_WORK_ITEM_SIZE) E(CL_INVALID_GLOBAL_OFFSET)
                                                            E(CL_INVALID_EVENT_WAIT_LIST) E(CL_INVALID_EVENT) E(
                                                                CL_INVALID_OPERATION) E(CL_INVALID_GL_OBJECT)
                                                                E(CL_INVALID_BUFFER_SIZE) E(CL_INVALID_MIP_LEVEL) E(
                                                                    CL_INVALID_GLOBAL_WORK_SIZE) E(CL_INVALID_PROPERTY)
                                                                    E(CL_INVALID_IMAGE_DESCRIPTOR)
                                                                        E(CL_INVALID_COMPILER_OPTIONS)
                                                                            E(CL_INVALID_LINKER_OPTIONS)
                                                                                E(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef E
                                                                                    case -69
            : return "CL_INVALID_PIPE_SIZE";
    case -70: return "CL_INVALID_DEVICE_QUEUE";
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "CL_UNKNOWN_ERROR";
    }
}

/* The flat device list: every device of every platform, GPUs and accelerators first (so opencl:0 is
 * the GPU where a CPU runtime such as PoCL is installed beside it), then in platform order. */
static chord_status list_devices(cl_platform_id *plat, cl_device_id *dev, int max, int *n_out)
{
    cl_platform_id plats[8];
    cl_uint np = 0;
    *n_out = 0;
    chord_cl_prepare_env(); /* before the first OpenCL call of the process */
    cl_int e = clGetPlatformIDs(8, plats, &np);
    if (e == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || np == 0)
        return CHORD_OK;
    CHORD_CL_CHECK(e);
    int n = 0;
    for (int pass = 0; pass < 2; pass++) /* pass 0: GPUs and accelerators, pass 1: the rest */
        for (cl_uint p = 0; p < np && p < 8; p++) {
            cl_device_id ids[CHORD_MAX_DEVICES];
            cl_uint nd = 0;
            e = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, CHORD_MAX_DEVICES, ids, &nd);
            if (e == CL_DEVICE_NOT_FOUND)
                continue;
            CHORD_CL_CHECK(e);
            for (cl_uint d = 0; d < nd && d < CHORD_MAX_DEVICES && n < max; d++) {
                cl_device_type type = 0;
                CHORD_CL_CHECK(clGetDeviceInfo(ids[d], CL_DEVICE_TYPE, sizeof type, &type, NULL));
                const int fast = (type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)) != 0;
                if (fast != (pass == 0))
                    continue;
                plat[n] = plats[p];
                dev[n] = ids[d];
                n++;
            }
        }
    *n_out = n;
    return CHORD_OK;
}

static int has_extension(cl_device_id d, const char *ext)
{
    size_t len = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &len) != CL_SUCCESS || len == 0)
        return 0;
    char *s = malloc(len + 1);
    if (!s)
        return 0;
    int found = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, len, s, NULL) == CL_SUCCESS) {
        s[len] = 0;
        size_t el = strlen(ext);
        for (char *p = strstr(s, ext); p && !found; p = strstr(p + 1, ext))
            found = (p == s || p[-1] == ' ') && (p[el] == ' ' || p[el] == 0);
    }
    free(s);
    return found;
}

/* A device string (dev set) or a platform string (dev NULL) of any length (PoCL's CL_DEVICE_VERSION
 * on a Xeon is 65 bytes): the size is asked first, then a buffer of that size filled. The caller frees *out. */
static chord_status info_string(cl_platform_id plat, cl_device_id dev, cl_uint param, const char *what, char **out)
{
    size_t len = 0;
    cl_int e = dev ? clGetDeviceInfo(dev, param, 0, NULL, &len) : clGetPlatformInfo(plat, param, 0, NULL, &len);
    char *s = e == CL_SUCCESS ? calloc(len + 1, 1) : NULL;
    if (e == CL_SUCCESS && !s)
        return chord_fail(CHORD_ERR_NOMEM, "opencl: out of host memory");
    if (e == CL_SUCCESS)
        e = dev ? clGetDeviceInfo(dev, param, len, s, NULL) : clGetPlatformInfo(plat, param, len, s, NULL);
    if (e != CL_SUCCESS) {
        free(s);
        return chord_fail(CHORD_ERR_DEVICE, "opencl: clGet%sInfo(%s) failed: %s (%d)", dev ? "Device" : "Platform",
                          what, chord_cl_error_name(e), (int)e);
    }
    *out = s;
    return CHORD_OK;
}

/* One device's line for `chord info`; the strings are freed by the caller whatever this returns. */
static chord_status describe_device(cl_platform_id plat, cl_device_id dev, chord_device_info *info, char **name,
                                    char **pname, char **version)
{
    cl_ulong mem = 0;
    cl_uint cus = 0;
    CHORD_TRY(info_string(plat, dev, CL_DEVICE_NAME, "CL_DEVICE_NAME", name));
    CHORD_TRY(info_string(plat, NULL, CL_PLATFORM_NAME, "CL_PLATFORM_NAME", pname));
    CHORD_TRY(info_string(plat, dev, CL_DEVICE_VERSION, "CL_DEVICE_VERSION", version));
    cl_ulong max_alloc = 0;
    CHORD_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL));
    CHORD_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, NULL));
    info->mem_bytes = mem;
    info->max_alloc_bytes = max_alloc;
    CHORD_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cus, &cus, NULL));
    cl_device_type type = 0;
    CHORD_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL));
    info->software = (type & CL_DEVICE_TYPE_CPU) != 0;
    int sub = has_extension(dev, "cl_khr_subgroups") || has_extension(dev, "cl_intel_subgroups");
    /* the table's fields are fixed-size: a longer name is cut, never overrun */
    snprintf(info->name, sizeof info->name, "%s", *name);
    snprintf(info->detail, sizeof info->detail, "%s; %s; %u CUs; %.1f GiB; fp64 %s, fp16 %s, subgroups %s", *pname,
             *version, cus, (double)mem / (1024.0 * 1024.0 * 1024.0), has_extension(dev, "cl_khr_fp64") ? "yes" : "no",
             has_extension(dev, "cl_khr_fp16") ? "yes" : "no", sub ? "yes" : "no");
    return CHORD_OK;
}

static chord_status cl_probe(chord_device_info *devs, int max, int *n_out)
{
    cl_platform_id plat[CHORD_MAX_DEVICES];
    cl_device_id dev[CHORD_MAX_DEVICES];
    int n = 0;
    CHORD_TRY(list_devices(plat, dev, CHORD_MAX_DEVICES, &n));
    for (int i = 0; i < n && i < max; i++) {
        char *name = NULL, *pname = NULL, *version = NULL;
        chord_status st = describe_device(plat[i], dev[i], &devs[i], &name, &pname, &version);
        free(name);
        free(pname);
        free(version);
        CHORD_TRY(st);
    }
    *n_out = n;
    return CHORD_OK;
}

/* The tunables table: a CPU runtime (PoCL) wants few, small work-groups since each runs as a loop
 * on one core; an NVIDIA GPU wants wide groups and the 128x128 GEMM tile; other GPUs a middle ground.
 * CHORD_OPENCL_TUNE=cpu|nvidia|gpu forces a row (to test a GPU's shapes on PoCL, or to compare). */
static void choose_tunables(chord_cl_ctx *c, int nvidia)
{
    static const struct {
        const char *name;
        chord_cl_tune t;
    } table[] = {
        /* the CPU row asks for many attention groups and many split-matmul items so that tests here take the
         * attention's split path and the matmul's k slices too */
        {"cpu",
         {.red_wg = 64,
          .row_reg = 8,
          .ew_wg = 64,
          .ew_vpi = 4,
          .mm_wg = 64,
          .mm_rows = 4,
          .mm_split_u = 2,
          .mm_split_items = 8192,
          .gemm_bm = 32,
          .gemm_bn = 32,
          .gemm_bk = 8,
          .gemm_tm = 4,
          .gemm_tn = 4,
          .attn_wg = 64,
          .attn_groups_per_cu = 32}},
        {"nvidia",
         {.red_wg = 256,
          .row_reg = 16,
          .ew_wg = 256,
          .ew_vpi = 8,
          .mm_wg = 128,
          .mm_rows = 8,
          .mm_split_u = 2,
          .mm_split_items = 1536,
          .gemm_bm = 128,
          .gemm_bn = 128,
          .gemm_bk = 16,
          .gemm_tm = 8,
          .gemm_tn = 8,
          .attn_wg = 128,
          .attn_groups_per_cu = 4}},
        {"gpu",
         {.red_wg = 256,
          .row_reg = 16,
          .ew_wg = 256,
          .ew_vpi = 4,
          .mm_wg = 128,
          .mm_rows = 8,
          .mm_split_u = 2,
          .mm_split_items = 1024,
          .gemm_bm = 64,
          .gemm_bn = 64,
          .gemm_bk = 16,
          .gemm_tm = 4,
          .gemm_tn = 4,
          .attn_wg = 128,
          .attn_groups_per_cu = 4}},
    };
    int row = c->is_cpu ? 0 : nvidia ? 1 : 2;
    const char *force = getenv("CHORD_OPENCL_TUNE");
    for (int i = 0; force && i < (int)(sizeof table / sizeof table[0]); i++)
        if (strcmp(force, table[i].name) == 0)
            row = i;
    c->tune = table[row].t;
    /* Groups never exceed what the device allows (the GEMM's is (BM/TM)*(BN/TN)). */
    size_t max_wg = 0;
    if (clGetDeviceInfo(c->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL) != CL_SUCCESS)
        max_wg = 64;
    chord_cl_tune *t = &c->tune;
    while ((size_t)t->red_wg > max_wg)
        t->red_wg /= 2;
    while ((size_t)t->ew_wg > max_wg)
        t->ew_wg /= 2;
    while ((size_t)t->mm_wg > max_wg)
        t->mm_wg /= 2;
    while ((size_t)t->attn_wg > max_wg)
        t->attn_wg /= 2;
    /* and the GEMM's two local stages of (BM + 4) x BK and (BN + 4) x BK floats fit */
    cl_ulong local_mem = 0;
    if (clGetDeviceInfo(c->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local_mem, &local_mem, NULL) != CL_SUCCESS)
        local_mem = 16384;
    const cl_ulong gemm_local = 2ull * t->gemm_bk * (t->gemm_bm + 4 + t->gemm_bn + 4) * sizeof(float);
    /* the tile loads need WGS a multiple of BK and whole rows per item (kernels/matmul_tiled/opencl.cl) */
    const int wgs = (t->gemm_bm / t->gemm_tm) * (t->gemm_bn / t->gemm_tn);
    const int loads_ok = wgs % t->gemm_bk == 0 && t->gemm_bm % (wgs / t->gemm_bk) == 0 &&
                         t->gemm_bn % (wgs / t->gemm_bk) == 0 && t->gemm_tm % 4 == 0 && t->gemm_tn % 4 == 0;
    if ((size_t)wgs > max_wg || gemm_local > local_mem || !loads_ok) {
        t->gemm_bm = t->gemm_bn = 32; /* 64 items, 5 KiB at BK = 8 */
        t->gemm_tm = t->gemm_tn = 4;
        t->gemm_bk = 8;
    }
}

static void cl_shutdown(void *ctx);

/* Fills c for its device: identity, features, tunables, context and the profiling queue. Calls that
 * create an object report through their errcode: (obj = clCreateX(..., &e), e) keeps the call text. */
static chord_status open_device(chord_cl_ctx *c)
{
    cl_int e = CL_SUCCESS;
    char *vendor = NULL;
    cl_device_type type = 0;
    CHORD_TRY(info_string(c->platform, c->device, CL_DEVICE_VENDOR, "CL_DEVICE_VENDOR", &vendor));
    const int nvidia = strstr(vendor, "NVIDIA") != NULL;
    free(vendor);
    CHORD_CL_CHECK(clGetDeviceInfo(c->device, CL_DEVICE_TYPE, sizeof type, &type, NULL));
    c->is_cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
    c->fp64 = has_extension(c->device, "cl_khr_fp64");
    cl_uint cus = 1;
    CHORD_CL_CHECK(clGetDeviceInfo(c->device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cus, &cus, NULL));
    c->compute_units = cus > 0 ? (int)cus : 1;
    choose_tunables(c, nvidia);
    CHORD_CL_CHECK((c->context = clCreateContext(NULL, 1, &c->device, NULL, NULL, &e), e));
    /* clCreateCommandQueue is deprecated in 2.0 but is the one call both 1.2 and 3.0 platforms accept */
    CHORD_CL_CHECK((c->queue = clCreateCommandQueue(c->context, c->device, CL_QUEUE_PROFILING_ENABLE, &e), e));
    return CHORD_OK;
}

static chord_status cl_init(int device, void **ctx_out)
{
    cl_platform_id plat[CHORD_MAX_DEVICES];
    cl_device_id dev[CHORD_MAX_DEVICES];
    int n = 0;
    CHORD_TRY(list_devices(plat, dev, CHORD_MAX_DEVICES, &n));
    if (device < 0 || device >= n)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "opencl: device %d does not exist (%d found)", device, n);
    chord_cl_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return chord_fail(CHORD_ERR_NOMEM, "opencl: out of host memory");
    c->platform = plat[device];
    c->device = dev[device];
    chord_status s = open_device(c);
    if (s != CHORD_OK) {
        cl_shutdown(c);
        return s;
    }
    *ctx_out = c;
    return CHORD_OK;
}

static void drop_timer_events(chord_cl_ctx *c)
{
    if (c->first)
        clReleaseEvent(c->first);
    if (c->last && c->last != c->first)
        clReleaseEvent(c->last);
    c->first = c->last = NULL;
}

static void cl_shutdown(void *ctx)
{
    chord_cl_ctx *c = ctx;
    if (!c)
        return;
    if (c->queue)
        clFinish(c->queue);
    drop_timer_events(c);
    chord_cl_release_programs(c);
    if (c->scratch)
        clReleaseMemObject(c->scratch);
    if (c->queue)
        clReleaseCommandQueue(c->queue);
    if (c->context)
        clReleaseContext(c->context);
    free(c);
}

static chord_status cl_alloc(void *ctx, size_t bytes, chord_buf **out)
{
    chord_cl_ctx *c = ctx;
    cl_int e = CL_SUCCESS;
    cl_mem mem = NULL;
    CHORD_CL_CHECK((mem = clCreateBuffer(c->context, CL_MEM_READ_WRITE, bytes, NULL, &e), e));
    chord_buf *b = malloc(sizeof *b);
    if (!b) {
        clReleaseMemObject(mem);
        return chord_fail(CHORD_ERR_NOMEM, "opencl: out of host memory");
    }
    b->mem = mem;
    b->bytes = bytes;
    *out = b;
    return CHORD_OK;
}

chord_status chord_cl_scratch(chord_cl_ctx *c, size_t bytes, cl_mem *out)
{
    if (c->scratch_bytes < bytes) {
        if (c->scratch) /* commands still using it keep it alive until they finish */
            clReleaseMemObject(c->scratch);
        c->scratch = NULL;
        c->scratch_bytes = 0;
        cl_int e = CL_SUCCESS;
        CHORD_CL_CHECK((c->scratch = clCreateBuffer(c->context, CL_MEM_READ_WRITE, bytes, NULL, &e), e));
        c->scratch_bytes = bytes;
    }
    *out = c->scratch;
    return CHORD_OK;
}

static void cl_free(void *ctx, chord_buf *b)
{
    (void)ctx;
    clReleaseMemObject(b->mem);
    free(b);
}

static size_t cl_buf_bytes(const chord_buf *b) { return b->bytes; }

cl_event *chord_cl_event_slot(chord_cl_ctx *c, cl_event *ev) { return c->timing ? ev : NULL; }

void chord_cl_track(chord_cl_ctx *c, cl_event *evp)
{
    if (!evp)
        return;
    if (!c->first) {
        c->first = *evp;
    } else {
        if (c->last && c->last != c->first)
            clReleaseEvent(c->last);
        c->last = *evp;
    }
}

static chord_status cl_upload(void *ctx, chord_buf *dst, size_t off, const void *src, size_t bytes)
{
    chord_cl_ctx *c = ctx;
    /* blocking: the caller may reuse src as soon as this returns */
    CHORD_CL_CHECK(clEnqueueWriteBuffer(c->queue, dst->mem, CL_TRUE, off, bytes, src, 0, NULL, NULL));
    return CHORD_OK;
}

static chord_status cl_download(void *ctx, const chord_buf *src, size_t off, void *dst, size_t bytes)
{
    chord_cl_ctx *c = ctx;
    CHORD_CL_CHECK(clEnqueueReadBuffer(c->queue, src->mem, CL_TRUE, off, bytes, dst, 0, NULL, NULL));
    return CHORD_OK;
}

static chord_status cl_copy(void *ctx, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff, size_t bytes)
{
    chord_cl_ctx *c = ctx;
    cl_event ev, *evp = chord_cl_event_slot(c, &ev);
    if (dst == src && doff < soff + bytes && soff < doff + bytes) {
        /* OpenCL refuses overlapping copies (CL_MEM_COPY_OVERLAP): move through the scratch buffer */
        cl_mem tmp = NULL;
        CHORD_TRY(chord_cl_scratch(c, bytes, &tmp));
        CHORD_CL_CHECK(clEnqueueCopyBuffer(c->queue, src->mem, tmp, soff, 0, bytes, 0, NULL, evp));
        chord_cl_track(c, evp);
        evp = chord_cl_event_slot(c, &ev);
        CHORD_CL_CHECK(clEnqueueCopyBuffer(c->queue, tmp, dst->mem, 0, doff, bytes, 0, NULL, evp));
        chord_cl_track(c, evp);
        return CHORD_OK;
    }
    CHORD_CL_CHECK(clEnqueueCopyBuffer(c->queue, src->mem, dst->mem, soff, doff, bytes, 0, NULL, evp));
    chord_cl_track(c, evp);
    return CHORD_OK;
}

chord_status chord_cl_launch(chord_cl_ctx *c, cl_kernel k, int dims, const size_t *global, const size_t *local)
{
    cl_event ev, *evp = chord_cl_event_slot(c, &ev);
    CHORD_CL_CHECK(clEnqueueNDRangeKernel(c->queue, k, (cl_uint)dims, NULL, global, local, 0, NULL, evp));
    chord_cl_track(c, evp);
    return CHORD_OK;
}

static chord_status cl_sync(void *ctx)
{
    chord_cl_ctx *c = ctx;
    CHORD_CL_CHECK(clFinish(c->queue));
    return CHORD_OK;
}

static chord_status cl_timer_start(void *ctx)
{
    chord_cl_ctx *c = ctx;
    drop_timer_events(c);
    c->timing = 1;
    return CHORD_OK;
}

/* Elapsed from the first tracked command's start to the last one's end: the queue is in order, so this
 * is the device time of everything launched in between, without the host's enqueue overhead. */
static chord_status cl_timer_stop(void *ctx, double *ms)
{
    chord_cl_ctx *c = ctx;
    c->timing = 0;
    *ms = 0;
    if (!c->first)
        return CHORD_OK;
    CHORD_CL_CHECK(clFinish(c->queue));
    cl_event last = c->last ? c->last : c->first;
    cl_ulong t0 = 0, t1 = 0;
    CHORD_CL_CHECK(clGetEventProfilingInfo(c->first, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL));
    CHORD_CL_CHECK(clGetEventProfilingInfo(last, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL));
    drop_timer_events(c);
    *ms = t1 > t0 ? (double)(t1 - t0) * 1e-6 : 0.0;
    return CHORD_OK;
}

const chord_backend chord_backend_opencl = {CHORD_BACKEND_FIELDS(cl, "opencl", CHORD_REGISTER_OPENCL)};
