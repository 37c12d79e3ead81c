/* The Vulkan backend's host side beyond the op cases (test_ops): transfers bigger than the staging
 * buffer, device copies (overlapping ones both ways; the copy shader at every alignment), more
 * dispatches than one command buffer holds, ops split into several dispatches when a tensor exceeds one
 * binding, the split-layout GEMV in every geometry and without subgroup operations, the timestamp timer, and
 * validation-layer errors turning into CHORD_ERR_DEVICE. Skipped where no Vulkan device starts. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef CHORD_HAVE_VULKAN
#include "add/add.h"
#include "check.h"
#include "matmul/matmul.h"
#include "rmsnorm/rmsnorm.h"
#include "softmax/softmax.h"
#include "swiglu/swiglu.h"
#include "vulkan_ctx.h"

static void open_vulkan(chord_rt *rt)
{
    if (chord_open("vulkan", rt, NULL) != CHORD_OK)
        cr_skip_test("vulkan unavailable here: %s", chord_last_error());
}

/* open_vulkan with the environment variable `name` set to value while the context reads it. */
static void open_vulkan_with(chord_rt *rt, const char *name, const char *value)
{
    setenv(name, value, 1);
    open_vulkan(rt);
    unsetenv(name);
}

/* Checks case c on rt with seed: it must run and pass (or, where may_skip, be skipped by the checker); returns
 * whether it ran. */
static int expect_case_passes(chord_rt *rt, const chord_case *c, uint64_t seed, int may_skip)
{
    chord_check_result r;
    chord_status s = chord_check_case(rt, c, seed, &r);
    cr_expect_eq(s, CHORD_OK, "%s %s: %s", chord_op_name(c->op), c->name, chord_last_error());
    cr_expect(s != CHORD_OK || (may_skip && r.skipped) || r.passed, "%s %s: nmse %.3e max_err %.3e: %s",
              chord_op_name(c->op), c->name, r.nmse, r.max_abs_err, r.message);
    return s == CHORD_OK && !r.skipped;
}

static void fill_bytes(unsigned char *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (unsigned char)(seed >> 56);
    }
}

#define CHECK(call) cr_assert_eq((call), CHORD_OK, "%s: %s", #call, chord_last_error())

Test(vulkan, transfers_and_copies, .timeout = 300)
{
    chord_rt rt;
    open_vulkan(&rt);
    /* more than the staging buffer, and not a multiple of anything */
    const size_t n = CHORD_VK_STAGING_BYTES + (CHORD_VK_STAGING_BYTES >> 3) + 13, off = 7;
    unsigned char *host = malloc(n), *back = malloc(n);
    cr_assert(host && back);
    fill_bytes(host, n, 1);
    chord_buf *a, *b;
    CHECK(chord_alloc(&rt, n + off, &a));
    CHECK(chord_alloc(&rt, n, &b));
    CHECK(chord_upload(&rt, a, off, host, n));
    CHECK(chord_download(&rt, a, off, back, n));
    cr_expect(memcmp(host, back, n) == 0, "upload/download through staging chunks");

    CHECK(chord_copy(&rt, b, 0, a, off, n));
    memset(back, 0, n);
    CHECK(chord_download(&rt, b, 0, back, n));
    cr_expect(memcmp(host, back, n) == 0, "device copy");

    /* overlapping copies within one buffer behave as memmove, also across staging chunks */
    const size_t shift = 4 << 20, len = n - shift;
    CHECK(chord_copy(&rt, b, shift, b, 0, len)); /* destination after the source: back to front */
    memmove(host + shift, host, len);
    CHECK(chord_download(&rt, b, 0, back, n));
    cr_expect(memcmp(host, back, n) == 0, "overlapping copy forward");
    CHECK(chord_copy(&rt, b, 0, b, shift, len));
    memmove(host, host + shift, len);
    CHECK(chord_download(&rt, b, 0, back, n));
    cr_expect(memcmp(host, back, n) == 0, "overlapping copy backward");

    cr_expect_neq(chord_download(&rt, b, 1, back, n), CHORD_OK, "a range past the end is refused");
    chord_free(&rt, a);
    chord_free(&rt, b);
    CHECK(chord_sync(&rt));
    chord_close(&rt);
    free(host);
    free(back);
}

/* Descriptor sets the current frame has allocated: one per dispatch recorded since its last submit. */
static int sets_in_frame(const chord_rt *rt)
{
    const chord_vk *vk = rt->ctx;
    return vk->frames[vk->cur].recording ? vk->frames[vk->cur].n_sets : 0;
}

/* vk_copy runs the copy_u32 shader for 4-byte aligned offsets (uvec4 when both are 16-byte aligned),
 * vkCmdCopyBuffer for tails and odd offsets, and splits ranges bigger than one binding: every case is
 * compared byte for byte with the same copy on the host, bytes outside the destination range included.
 * Run with one binding limited to 5000 bytes (many dispatches per copy), with the device's limit, and
 * with the shader off (what CPU implementations such as lavapipe use by default). */
Test(vulkan, shader_copies, .timeout = 300)
{
    static const struct {
        size_t soff, doff, bytes;
        int same_buf; /* copy within the source buffer (ranges disjoint unless overlap) */
        int shader;   /* expected to record at least one dispatch */
    } cases[] = {
        {0, 0, 65536, 0, 1},      /* uvec4, no tail */
        {16, 48, 70012, 0, 1},    /* uvec4 + 12 tail bytes */
        {32, 64, 70003, 0, 1},    /* uvec4 + a tail that is not whole words */
        {4, 8, 70001, 0, 1},      /* 4-byte offsets only: uint + 1 tail byte */
        {16, 4, 40000, 0, 1},     /* one side 16-aligned, the other not: uint */
        {8, 16, 3, 0, 0},         /* smaller than a word: vkCmdCopyBuffer only */
        {7, 1, 50001, 0, 0},      /* odd offsets: vkCmdCopyBuffer */
        {0, 0, 0, 0, 0},          /* nothing */
        {0, 80016, 80000, 1, 1},  /* same buffer, disjoint */
        {80020, 12, 80000, 1, 1}, /* same buffer, disjoint, destination first */
        {0, 16, 90000, 1, 0},     /* overlapping: memmove through staging */
        {20, 4, 90001, 1, 0},     /* overlapping the other way */
    };
    enum { BYTES = 200000 };
    unsigned char *hs = malloc(BYTES), *hd = malloc(BYTES), *back = malloc(BYTES);
    cr_assert(hs && hd && back);
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 0)
            setenv("CHORD_VK_MAX_RANGE", "5000", 1);
        setenv("CHORD_VK_COPY_SHADER", pass < 2 ? "1" : "0", 1); /* pass 2: vkCmdCopyBuffer only */
        chord_rt rt;
        open_vulkan(&rt);
        unsetenv("CHORD_VK_MAX_RANGE");
        unsetenv("CHORD_VK_COPY_SHADER");
        cr_assert(pass != 0 || chord_vk_get_caps(rt.ctx)->max_range == 5000);
        cr_assert(chord_vk_has_shader(rt.ctx, "copy_u32") && chord_vk_has_shader(rt.ctx, "copy_u32_v4"));
        chord_buf *s, *d;
        CHECK(chord_alloc(&rt, BYTES, &s));
        CHECK(chord_alloc(&rt, BYTES, &d));
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            fill_bytes(hs, BYTES, 10 + i);
            fill_bytes(hd, BYTES, 100 + i);
            CHECK(chord_upload(&rt, s, 0, hs, BYTES));
            CHECK(chord_upload(&rt, d, 0, hd, BYTES));
            CHECK(chord_sync(&rt));
            chord_buf *dst = cases[i].same_buf ? s : d;
            unsigned char *hdst = cases[i].same_buf ? hs : hd;
            CHECK(chord_copy(&rt, dst, cases[i].doff, s, cases[i].soff, cases[i].bytes));
            const int dispatched = sets_in_frame(&rt) > 0;
            memmove(hdst + cases[i].doff, hs + cases[i].soff, cases[i].bytes);
            CHECK(chord_download(&rt, s, 0, back, BYTES));
            cr_expect(memcmp(back, hs, BYTES) == 0, "pass %d case %zu: source buffer", pass, i);
            CHECK(chord_download(&rt, d, 0, back, BYTES));
            cr_expect(memcmp(back, hd, BYTES) == 0, "pass %d case %zu: destination buffer", pass, i);
            cr_expect_eq(dispatched, pass < 2 && cases[i].shader, "pass %d case %zu: shader used %d", pass, i,
                         dispatched);
        }
        chord_free(&rt, s);
        chord_free(&rt, d);
        CHECK(chord_sync(&rt));
        chord_close(&rt);
    }
    free(hs);
    free(hd);
    free(back);
}

Test(vulkan, many_batches_in_order, .timeout = 300)
{
    chord_rt rt;
    open_vulkan(&rt);
    /* y += b, in place, more times than one command buffer's batch: exact with small integers */
    enum { N = 4099, STEPS = 3 * CHORD_VK_BATCH + 17 };
    float *y = malloc(N * sizeof *y), *bv = malloc(N * sizeof *bv);
    cr_assert(y && bv);
    for (int i = 0; i < N; i++) {
        y[i] = (float)(i % 201 - 100);
        bv[i] = (float)(i % 7 - 3);
    }
    chord_buf *ybuf, *bbuf;
    CHECK(chord_alloc(&rt, N * sizeof(float), &ybuf));
    CHECK(chord_alloc(&rt, N * sizeof(float), &bbuf));
    CHECK(chord_upload(&rt, ybuf, 0, y, N * sizeof(float)));
    CHECK(chord_upload(&rt, bbuf, 0, bv, N * sizeof(float)));
    const chord_add_args args = {N};
    const chord_tensor t[3] = {{ybuf, 0}, {bbuf, 0}, {ybuf, 0}};
    for (int s = 0; s < STEPS; s++)
        CHECK(chord_launch(&rt, CHORD_OP_ADD, t, &args));
    CHECK(chord_download(&rt, ybuf, 0, y, N * sizeof(float)));
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += y[i] != (float)(i % 201 - 100) + (float)STEPS * (float)(i % 7 - 3);
    cr_expect_eq(bad, 0, "%d of %d elements wrong after %d chained adds", bad, N, STEPS);
    chord_free(&rt, ybuf);
    chord_free(&rt, bbuf);
    chord_close(&rt);
    free(y);
    free(bv);
}

/* With one binding limited to ~5 KB, these run as several dispatches each: split points that are
 * not multiples of rows_per_pos check that causal limits follow the op's row index. */
Test(vulkan, tensors_split_across_dispatches, .timeout = 300)
{
    chord_rt rt;
    open_vulkan_with(&rt, "CHORD_VK_MAX_RANGE", "5000");
    cr_assert_eq(chord_vk_get_caps(rt.ctx)->max_range, 5000);
    const chord_case cases[] = {
        {.op = CHORD_OP_ADD, .name = "split 4099", .args = &(const chord_add_args){4099}},
        {.op = CHORD_OP_ADD, .name = "split 4096 inplace", .inplace = 1, .args = &(const chord_add_args){4096}},
        {.op = CHORD_OP_SWIGLU, .name = "split 1537", .args = &(const chord_swiglu_args){1537}},
        {.op = CHORD_OP_RMSNORM,
         .name = "split 33x1000 inplace",
         .inplace = 1,
         .args = &(const chord_rmsnorm_args){33, 1000, 1e-5f}},
        {.op = CHORD_OP_RMSNORM, .name = "split 7x575", .args = &(const chord_rmsnorm_args){7, 575, 1e-5f}},
        {.op = CHORD_OP_SOFTMAX,
         .name = "split 27x301 causal",
         .args = &(const chord_softmax_args){27, 301, 0.35f, 1, 5, 3}},
        {.op = CHORD_OP_SOFTMAX,
         .name = "split 9x300 causal",
         .args = &(const chord_softmax_args){9, 300, 1.0f, 1, 0, 1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_case_passes(&rt, &cases[i], 1234 + i, 0);
    /* a row bigger than one binding cannot be split: refused, not run wrong */
    const chord_case wide = {
        .op = CHORD_OP_SOFTMAX, .name = "row too wide", .args = &(const chord_softmax_args){1, 2000, 1.0f, 0, 0, 1}};
    chord_check_result r;
    cr_expect_eq(chord_check_case(&rt, &wide, 1, &r), CHORD_ERR_UNSUPPORTED);
    chord_close(&rt);
}

/* Devices without shaderFloat64 get float-only variants: run those here too. */
Test(vulkan, float_only_variants, .timeout = 300)
{
    chord_rt rt;
    open_vulkan_with(&rt, "CHORD_VK_NO_F64", "1");
    cr_assert_eq(chord_vk_get_caps(rt.ctx)->has_f64, 0);
    int ran = 0;
    for (int i = 0; i < chord_case_count(); i++) {
        const chord_case *c = chord_case_at(i);
        if ((c->op != CHORD_OP_RMSNORM && c->op != CHORD_OP_ROPE) || c->size != CHORD_CASE_SMALL)
            continue;
        ran += expect_case_passes(&rt, c, 99 + i, 1);
    }
    cr_expect_gt(ran, 0);
    chord_close(&rt);
}

/* The split layouts' matmul (kernels/matmul/vulkan_split.comp) with its k split forced to each slice count, and
 * with the subgroup operations hidden (the _smem variants): the device's own defaults reach only some of these
 * (lavapipe: one slice, shuffles). */
Test(vulkan, split_matmul_geometries, .timeout = 300)
{
    static const char *const slices[] = {"1", "2", "4", "8"};
    for (int no_sg = 0; no_sg < 2; no_sg++) {
        chord_rt rt;
        if (no_sg)
            open_vulkan_with(&rt, "CHORD_VK_NO_SUBGROUP_OPS", "1");
        else
            open_vulkan(&rt);
        cr_assert(!no_sg || !chord_vk_get_caps(rt.ctx)->has_subgroup_shuffle);
        for (size_t s = 0; s < sizeof slices / sizeof slices[0]; s++) {
            setenv("CHORD_VK_SPLIT_KS", slices[s], 1);
            int ran = 0;
            for (int i = 0; i < chord_case_count(); i++) {
                const chord_case *c = chord_case_at(i);
                if (c->op != CHORD_OP_MATMUL || c->size != CHORD_CASE_SMALL ||
                    !chord_type_info(((const chord_matmul_args *)c->args)->wtype)->internal)
                    continue;
                ran += expect_case_passes(&rt, c, 500 + 10 * s + i, 0);
            }
            cr_expect_gt(ran, 0, "no split matmul case ran");
        }
        unsetenv("CHORD_VK_SPLIT_KS");
        chord_close(&rt);
    }
}

/* X at a 4-byte offset: the split GEMV reads X as vec4, so the launcher must give such a matmul to vulkan.comp's
 * unit walk, which reads the split layouts too. Compared with the reference within matmul's bound. */
Test(vulkan, split_matmul_unaligned_x, .timeout = 300)
{
    chord_rt rt;
    open_vulkan(&rt);
    static const chord_type types[] = {CHORD_TYPE_Q4_0_SPLIT, CHORD_TYPE_Q4_1_SPLIT, CHORD_TYPE_Q8_0_SPLIT};
    enum { M = 3, N = 37, K = 512, X_OFF = 4 };
    const chord_tolerance tol = CHORD_MATMUL_TOLERANCE;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const chord_matmul_args a = {M, N, K, types[t]};
        const size_t w_bytes = chord_type_row_bytes(types[t], K) * N;
        unsigned char *w = malloc(w_bytes);
        float *x = malloc(M * K * sizeof *x), *y = malloc(M * N * sizeof *y), *ref = malloc(M * N * sizeof *ref);
        cr_assert(w && x && y && ref);
        uint64_t rng = 77 + t;
        chord_fill_weights(types[t], (int64_t)N * K, w, &rng);
        for (int i = 0; i < M * K; i++)
            x[i] = chord_rand_uniform(&rng, -1, 1);
        chord_matmul_reference(w, x, ref, &a);
        chord_buf *wb, *xb, *yb;
        CHECK(chord_alloc(&rt, w_bytes, &wb));
        CHECK(chord_alloc(&rt, X_OFF + M * K * sizeof *x, &xb));
        CHECK(chord_alloc(&rt, M * N * sizeof *y, &yb));
        CHECK(chord_upload(&rt, wb, 0, w, w_bytes));
        CHECK(chord_upload(&rt, xb, X_OFF, x, M * K * sizeof *x));
        const chord_tensor tens[3] = {{wb, 0}, {xb, X_OFF}, {yb, 0}};
        CHECK(chord_launch(&rt, CHORD_OP_MATMUL, tens, &a));
        CHECK(chord_download(&rt, yb, 0, y, M * N * sizeof *y));
        int bad = 0;
        for (int i = 0; i < M * N; i++)
            bad += !(fabs((double)y[i] - ref[i]) <= tol.abs + tol.rel * fabs((double)ref[i]));
        cr_expect_eq(bad, 0, "%s: %d of %d outputs outside the bound", chord_type_info(types[t])->name, bad, M * N);
        chord_free(&rt, wb);
        chord_free(&rt, xb);
        chord_free(&rt, yb);
        free(w);
        free(x);
        free(y);
        free(ref);
    }
    chord_close(&rt);
}

Test(vulkan, timer, .timeout = 300)
{
    chord_rt rt;
    open_vulkan(&rt);
    cr_expect_eq(rt.be->timer_stop(rt.ctx, &(double){0}), CHORD_ERR_INVALID, "stop without start");
    enum { N = 1 << 20 };
    chord_buf *buf;
    CHECK(chord_alloc(&rt, 3 * N * sizeof(float), &buf));
    const chord_add_args args = {N};
    const chord_tensor t[3] = {{buf, 0}, {buf, N * sizeof(float)}, {buf, 2 * N * sizeof(float)}};
    CHECK(chord_launch(&rt, CHORD_OP_ADD, t, &args)); /* pipeline creation stays outside the timing */
    chord_status s = rt.be->timer_start(rt.ctx);
    if (s == CHORD_ERR_UNSUPPORTED)
        cr_skip_test("no timestamps: %s", chord_last_error());
    CHECK(s);
    for (int i = 0; i < 4; i++)
        CHECK(chord_launch(&rt, CHORD_OP_ADD, t, &args));
    double ms = -1;
    CHECK(rt.be->timer_stop(rt.ctx, &ms));
    /* 4 passes over 12 MiB: more than a microsecond on any device, less than a minute on lavapipe */
    cr_expect(ms > 1e-3 && ms < 6e4, "timed %g ms", ms);
    chord_free(&rt, buf);
    chord_close(&rt);
}

Test(vulkan, validation_error_fails_the_next_call, .timeout = 300)
{
    setenv("CHORD_VK_VALIDATION", "1", 1);
    chord_rt rt;
    open_vulkan(&rt);
    chord_vk *vk = rt.ctx;
    if (!vk->validation)
        cr_skip_test("VK_LAYER_KHRONOS_validation is not installed");
    /* invalid flags: the layer reports it (and skips the call) */
    VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO, .flags = 0x7ff0};
    VkFence fence = VK_NULL_HANDLE;
    VkResult r = vkCreateFence(vk->dev, &fci, NULL, &fence);
    if (r == VK_SUCCESS && fence)
        vkDestroyFence(vk->dev, fence, NULL);
    cr_expect_eq(chord_sync(&rt), CHORD_ERR_DEVICE);
    cr_expect(strstr(chord_last_error(), "VUID-VkFenceCreateInfo-flags") != NULL, "message: %s", chord_last_error());
    cr_expect_eq(chord_sync(&rt), CHORD_OK, "each error is reported once");
    chord_close(&rt);
}
#else
Test(vulkan, not_built) { cr_skip_test("the Vulkan backend is not compiled in"); }
#endif
