/* The cpu backend: host memory as the ref backend's (runtime/host.h), the thread pool made once at init, and the
 * launchers chord_<op>_cpu of kernels/<op>/cpu.c, which pick their SIMD path from the ISA selected here
 * (kernels/common/cpu_isa.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "common/cpu_launch.h"
#include "host.h"

#define COPY_PIECE (4u << 20) /* bytes a thread copies at a time: large copies spread over the pool */

typedef struct cpu_ctx {
    struct timespec t0; /* first: the host timer's */
    chord_cpu_pool *pool;
    chord_cpu_isa isa;
    int q8_act;           /* CHORD_CPU_Q8_ACT=1: the opt-in 8-bit-activation GEMM (kernels/matmul/cpu_q8_avx512.c) */
    void *scratch;        /* (scratch_bytes) 64-aligned, a launcher's own, grown on demand */
    size_t scratch_bytes;
} cpu_ctx;

chord_cpu_pool *chord_cpu_ctx_pool(void *ctx) { return ((cpu_ctx *)ctx)->pool; }
chord_cpu_isa chord_cpu_ctx_isa(void *ctx) { return ((cpu_ctx *)ctx)->isa; }
int chord_cpu_ctx_q8_act(void *ctx) { return ((cpu_ctx *)ctx)->q8_act; }

void *chord_cpu_ctx_scratch(void *ctx, size_t bytes)
{
    cpu_ctx *c = ctx;
    if (bytes > c->scratch_bytes) {
        free(c->scratch);
        c->scratch_bytes = 0;
        if (!(c->scratch = aligned_alloc(64, (bytes + 63) / 64 * 64)))
            return NULL;
        c->scratch_bytes = bytes;
    }
    return c->scratch;
}

/* CHORD_CPU_Q8_ACT=1 asks for the 8-bit activations; anything else (or unset) keeps the exact f32 path. */
static int q8_act_asked(void)
{
    const char *env = getenv("CHORD_CPU_Q8_ACT");
    return env && !strcmp(env, "1");
}

static chord_status cpu_probe(chord_device_info *devs, int max, int *n_out)
{
    chord_cpu_isa isa;
    CHORD_TRY(chord_cpu_isa_select(&isa)); /* a bad CHORD_CPU_ISA fails here, with the reason */
    if (max > 0) {
        devs[0].software = 1;
        strcpy(devs[0].name, "host CPU (SIMD C, thread pool)");
        snprintf(devs[0].detail, sizeof devs[0].detail, "isa %s (CHORD_CPU_ISA), %d threads (CHORD_CPU_THREADS, -t)%s",
                 chord_cpu_isa_name(isa), chord_cpu_default_threads(),
                 q8_act_asked() ? ", 8-bit activations in the q4 prefill GEMM (CHORD_CPU_Q8_ACT=1)" : "");
        devs[0].mem_bytes = devs[0].max_alloc_bytes = chord_host_mem_bytes();
    }
    *n_out = 1;
    return CHORD_OK;
}

static chord_status cpu_init(int device, void **ctx_out)
{
    (void)device;
    cpu_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return chord_fail(CHORD_ERR_NOMEM, "cpu: out of host memory");
    c->q8_act = q8_act_asked();
    chord_status s = chord_cpu_isa_select(&c->isa);
    if (s == CHORD_OK)
        s = chord_cpu_pool_create(chord_cpu_default_threads(), &c->pool);
    if (s != CHORD_OK) {
        free(c);
        return s;
    }
    *ctx_out = c;
    return CHORD_OK;
}

static void cpu_shutdown(void *ctx)
{
    cpu_ctx *c = ctx;
    chord_cpu_pool_destroy(c->pool);
    free(c->scratch);
    free(c);
}

typedef struct copy_job {
    unsigned char *dst;
    const unsigned char *src;
} copy_job;

static void copy_range(void *arg, int64_t i0, int64_t i1)
{
    const copy_job *j = arg;
    memcpy(j->dst + i0, j->src + i0, (size_t)(i1 - i0));
}

/* memcpy over the pool when the ranges are disjoint (one thread alone does not reach the memory's bandwidth);
 * memmove otherwise. */
static void host_copy(cpu_ctx *c, unsigned char *dst, const unsigned char *src, size_t bytes)
{
    if (bytes < 2 * COPY_PIECE || (dst < src + bytes && src < dst + bytes)) {
        memmove(dst, src, bytes);
        return;
    }
    copy_job j = {dst, src};
    chord_cpu_parallel_range(c->pool, (int64_t)bytes, COPY_PIECE, CHORD_HOST_ALIGN, copy_range, &j);
}

static chord_status cpu_upload(void *ctx, chord_buf *dst, size_t off, const void *src, size_t bytes)
{
    host_copy(ctx, dst->data + off, src, bytes);
    return CHORD_OK;
}

static chord_status cpu_download(void *ctx, const chord_buf *src, size_t off, void *dst, size_t bytes)
{
    host_copy(ctx, dst, src->data + off, bytes);
    return CHORD_OK;
}

static chord_status cpu_copy(void *ctx, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff, size_t bytes)
{
    host_copy(ctx, dst->data + doff, src->data + soff, bytes);
    return CHORD_OK;
}

const chord_backend chord_backend_cpu = {CHORD_HOST_BACKEND_FIELDS(cpu, "cpu", CHORD_REGISTER_CPU)};
