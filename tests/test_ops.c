/* Every case of the shared table on every compiled backend, against the reference.
 * One test per (backend, op), so a device context is built once per op rather than once per case;
 * a backend that cannot start here (CUDA without a GPU) is reported as skipped, with the reason. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "add/add.h"
#include "attention/attention.h"
#include "check.h"
#include "dequant/dequant.h"
#include "matmul/matmul.h"
#include "matmul_swiglu/matmul_swiglu.h"
#include "rmsnorm/rmsnorm.h"
#include "rope/rope.h"
#include "softmax/softmax.h"

typedef struct {
    int backend;
    int op;
} op_param;

static uint64_t run_seed(void)
{
    const char *s = getenv("CHORD_SEED");
    return s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
}

ParameterizedTestParameters(ops, cases)
{
    static op_param params[16 * CHORD_OP_COUNT];
    int n = 0;
    for (int b = 0; b < chord_backend_count() && b < 16; b++)
        for (int op = 0; op < CHORD_OP_COUNT; op++)
            params[n++] = (op_param){b, op};
    return cr_make_param_array(op_param, params, n);
}

ParameterizedTest(op_param *p, ops, cases, .timeout = 600)
{
    const chord_backend *be = chord_backend_at(p->backend);
    chord_rt rt;
    if (chord_open(be->name, &rt, NULL) != CHORD_OK)
        cr_skip_test("%s unavailable here: %s", be->name, chord_last_error());
    uint64_t seed = run_seed();
    int ran = 0, skipped = 0;
    for (int i = 0; i < chord_case_count(); i++) {
        const chord_case *c = chord_case_at(i);
        if ((int)c->op != p->op || c->size != CHORD_CASE_SMALL)
            continue;
        chord_check_result r;
        chord_status s = chord_check_case(&rt, c, chord_case_seed(seed, i), &r);
        cr_expect(s == CHORD_OK, "%s %s %s: %s (seed %" PRIu64 ")", be->name, chord_op_name(c->op), c->name, r.message,
                  seed);
        if (s != CHORD_OK)
            continue;
        if (r.skipped) {
            skipped++;
            continue;
        }
        ran++;
        cr_expect(r.passed, "%s %s %s: nmse %.3e max_err %.3e bound ratio %.3f: %s (seed %" PRIu64 ")", be->name,
                  chord_op_name(c->op), c->name, r.nmse, r.max_abs_err, r.worst_ratio, r.message, seed);
    }
    cr_log_info("%s %s: %d cases ran, %d not implemented (seed %" PRIu64 ")", be->name, chord_op_name(p->op), ran,
                skipped, seed);
    chord_close(&rt);
    if (ran == 0)
        cr_skip_test("%s does not implement %s", be->name, chord_op_name(p->op));
}

/* The harness itself must catch what broken kernels do: these backends wrap ref and break one thing each. */
extern const chord_backend chord_backend_ref;
static chord_backend broken;
static int breakage;

static chord_status broken_rmsnorm(void *ctx, const chord_tensor *t, const void *a)
{
    const chord_rmsnorm_args *args = a;
    chord_status s = chord_backend_ref.ops[CHORD_OP_RMSNORM](ctx, t, a);
    if (!t) /* a support query: as ref answers */
        return s;
    size_t n = (size_t)args->n_rows * args->n_cols;
    float v = 0;
    switch (breakage) {
    case 0: /* one element off by a relative 1e-3 */
        chord_backend_ref.download(ctx, t[2].buf, t[2].offset, &v, 4);
        v *= 1.001f;
        return chord_backend_ref.upload(ctx, t[2].buf, t[2].offset, &v, 4);
    case 1: /* the last element never written: it keeps the NaN poison */
        v = 1.0f / 0.0f - 1.0f / 0.0f;
        return chord_backend_ref.upload(ctx, t[2].buf, t[2].offset + (n - 1) * 4, &v, 4);
    case 2: /* one element written past the end */
        return chord_backend_ref.upload(ctx, t[2].buf, t[2].offset + n * 4, &v, 4);
    }
    return s;
}

Test(harness, catches_broken_kernels)
{
    broken = chord_backend_ref;
    broken.ops[CHORD_OP_RMSNORM] = broken_rmsnorm;
    const chord_case *c = NULL;
    for (int i = 0; i < chord_case_count(); i++)
        if (chord_case_at(i)->op == CHORD_OP_RMSNORM &&
            ((const chord_rmsnorm_args *)chord_case_at(i)->args)->n_cols == 576)
            c = chord_case_at(i);
    cr_assert_not_null(c);
    chord_rt rt = {.be = &broken};
    cr_assert_eq(broken.init(0, &rt.ctx), CHORD_OK);
    for (breakage = 0; breakage < 3; breakage++) {
        chord_check_result r;
        cr_assert_eq(chord_check_case(&rt, c, 42, &r), CHORD_OK);
        cr_expect(!r.passed, "breakage %d went unnoticed", breakage);
    }
    breakage = 99; /* the unbroken path passes */
    chord_check_result r;
    cr_assert_eq(chord_check_case(&rt, c, 42, &r), CHORD_OK);
    cr_expect(r.passed, "ref rmsnorm failed: %s", r.message);
    broken.shutdown(rt.ctx);
}

/* An op with per-element bounds (matmul_swiglu: the projections' rounding carried through silu) must still catch
 * one element off by 1e-2 (1 + |y|), far above that rounding, on the fills where those bounds are widest (q8_0;
 * the 1 for the elements silu takes to ~0) */
static chord_status broken_swiglu(void *ctx, const chord_tensor *t, const void *a)
{
    chord_status s = chord_backend_ref.ops[CHORD_OP_MATMUL_SWIGLU](ctx, t, a);
    const chord_matmul_swiglu_args *args = a;
    if (!t || s != CHORD_OK || breakage < 0)
        return s;
    float v = 0; /* Y (m, n): element breakage */
    const size_t at = t[3].offset + (size_t)breakage % ((size_t)args->m * args->n) * 4;
    if ((s = chord_backend_ref.download(ctx, t[3].buf, at, &v, 4)) != CHORD_OK)
        return s;
    v += 0.01f * (1.0f + fabsf(v));
    return chord_backend_ref.upload(ctx, t[3].buf, at, &v, 4);
}

Test(harness, catches_an_element_inside_per_element_bounds)
{
    broken = chord_backend_ref;
    broken.ops[CHORD_OP_MATMUL_SWIGLU] = broken_swiglu;
    const chord_case *c = NULL;
    for (int i = 0; i < chord_case_count(); i++)
        if (chord_case_at(i)->op == CHORD_OP_MATMUL_SWIGLU && !strcmp(chord_case_at(i)->name, "q8_0_split 1x579x1024"))
            c = chord_case_at(i);
    cr_assert_not_null(c);
    chord_rt rt = {.be = &broken};
    cr_assert_eq(broken.init(0, &rt.ctx), CHORD_OK);
    for (breakage = 0; breakage < 579; breakage += 17) {
        chord_check_result r;
        cr_assert_eq(chord_check_case(&rt, c, 42, &r), CHORD_OK);
        cr_expect(!r.passed && r.n_bad == 1, "element %d off by 1e-2 (1 + |y|) went unnoticed (%lld outside)", breakage,
                  (long long)r.n_bad);
    }
    breakage = -1; /* the unbroken path passes */
    chord_check_result r;
    cr_assert_eq(chord_check_case(&rt, c, 42, &r), CHORD_OK);
    cr_expect(r.passed, "ref matmul_swiglu failed: %s", r.message);
    broken.shutdown(rt.ctx);
}

/* Runs check on every backend that opens here (none here: test_ops reports the skip) with a fresh buffer of
 * `bytes`, then syncs, frees the buffer and closes the backend. */
static void on_every_backend(size_t bytes, void (*check)(chord_rt *rt, chord_buf *buf))
{
    for (int b = 0; b < chord_backend_count(); b++) {
        chord_rt rt;
        if (chord_open(chord_backend_at(b)->name, &rt, NULL) != CHORD_OK)
            continue;
        chord_buf *buf = NULL;
        cr_assert_eq(chord_alloc(&rt, bytes, &buf), CHORD_OK, "%s", chord_last_error());
        check(&rt, buf);
        cr_expect_eq(chord_sync(&rt), CHORD_OK, "%s: %s", rt.be->name, chord_last_error());
        chord_free(&rt, buf);
        chord_close(&rt);
    }
}

/* Ranges are checked once, in the registry, for every backend: a tensor or transfer past its buffer's end is
 * refused with a message before any backend code runs. */
static void refuses_out_of_range(chord_rt *rt, chord_buf *buf)
{
    float v[17] = {0};
    cr_expect_eq(chord_upload(rt, buf, 4, v, 64), CHORD_ERR_INVALID, "%s: upload past the end", rt->be->name);
    cr_expect(strstr(chord_last_error(), "upload") != NULL, "%s", chord_last_error());
    cr_expect_eq(chord_download(rt, buf, 65, v, 1), CHORD_ERR_INVALID, "%s: download past the end", rt->be->name);
    cr_expect_eq(chord_copy(rt, buf, 0, buf, 8, 60), CHORD_ERR_INVALID, "%s: copy past the end", rt->be->name);
    const chord_add_args a = {16};
    const chord_tensor ok[3] = {{buf, 0}, {buf, 0}, {buf, 0}};
    const chord_tensor past[3] = {{buf, 0}, {buf, 4}, {buf, 0}}; /* 16 floats from byte 4: one too many */
    cr_expect_eq(chord_launch(rt, CHORD_OP_ADD, ok, &a), CHORD_OK, "%s: %s", rt->be->name, chord_last_error());
    cr_expect_eq(chord_launch(rt, CHORD_OP_ADD, past, &a), CHORD_ERR_INVALID, "%s: add past the end", rt->be->name);
    cr_expect(strstr(chord_last_error(), "add tensor 1") != NULL, "%s", chord_last_error());
}

Test(registry, refuses_out_of_range_tensors_and_transfers) { on_every_backend(64, refuses_out_of_range); }

/* Each op's argument contract is checked once, in the registry, for every backend (the reference included):
 * a shape the op's header rules out is refused as invalid, with the op named, before any backend code runs. */
static void refuses_bad_arguments(chord_rt *rt, chord_buf *buf)
{
    const chord_tensor t[4] = {{buf, 0}, {buf, 0}, {buf, 0}, {buf, 0}};
    const chord_matmul_args mm_neg = {-1, 4, 32, CHORD_TYPE_F32}, mm_blocks = {1, 4, 33, CHORD_TYPE_Q4_0};
    const chord_rope_args rope_odd = {1, 1, 8, 7, CHORD_ROPE_NORMAL, 10000.0f, 0};
    const chord_rope_args rope_theta = {1, 1, 8, 8, CHORD_ROPE_NORMAL, 0.0f, 0};
    const chord_softmax_args sm_rpp = {2, 4, 1.0f, 1, 0, 0};
    const chord_attention_args attn_gqa = {1, 6, 4, 8, 0, 0.35f};
    const chord_add_args add_neg = {-4};
    const chord_dequant_args dq_blocks = {CHORD_TYPE_Q8_0, 48};
    const struct {
        chord_op op;
        const void *args;
        const char *what;
    } bad[] = {
        {CHORD_OP_MATMUL, &mm_neg, "negative m"},
        {CHORD_OP_MATMUL_TILED, &mm_neg, "negative m"},
        {CHORD_OP_MATMUL, &mm_blocks, "k not whole blocks"},
        {CHORD_OP_ROPE, &rope_odd, "odd n_rot"},
        {CHORD_OP_ROPE, &rope_theta, "theta_base 0"},
        {CHORD_OP_SOFTMAX, &sm_rpp, "causal, rows_per_pos 0"},
        {CHORD_OP_ATTENTION, &attn_gqa, "n_head not a multiple of n_head_kv"},
        {CHORD_OP_ADD, &add_neg, "negative n"},
        {CHORD_OP_DEQUANT, &dq_blocks, "n not whole blocks"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(chord_launch(rt, bad[i].op, t, bad[i].args), CHORD_ERR_INVALID, "%s: %s %s accepted", rt->be->name,
                     chord_op_name(bad[i].op), bad[i].what);
        cr_expect(strstr(chord_last_error(), chord_op_name(bad[i].op)) != NULL, "%s", chord_last_error());
    }
}

Test(registry, refuses_bad_arguments) { on_every_backend(4096, refuses_bad_arguments); }
