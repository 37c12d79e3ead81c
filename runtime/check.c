/* The check executor: the same path for every backend, the ref backend included. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD 256   /* each tensor starts at this offset, so offsets are exercised */
#define GUARD 256 /* bytes after the output that must stay untouched */
#define GUARD_BYTE 0xA5

uint64_t chord_case_seed(uint64_t seed, int case_index)
{
    uint64_t s = seed ^ ((uint64_t)(case_index + 1) * 0xd6e8feb86659fd93ull);
    return chord_rand_next(&s);
}

/* Compares one output (n values) and merges it into r: errors and counts accumulate over an op's outputs, the NMSE
 * is the worst output's. */
static void compare(const chord_case *c, const float *y, const float *ref, const float *bounds /* (n) or NULL */,
                    size_t n, chord_check_result *r)
{
    chord_tolerance tol = chord_case_tolerance(c);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double a = y[i], b = ref[i];
        if (a == b || (isnan(a) && isnan(b)))
            continue;
        if (!isfinite(b) || !isfinite(a)) { /* NaN/Inf where the reference differs */
            r->n_bad++;
            r->worst_ratio = INFINITY;
            r->max_abs_err = INFINITY;
            continue;
        }
        double err = fabs(a - b);
        double bound = bounds ? bounds[i] : tol.abs + tol.rel * fabs(b);
        double ratio = bound > 0 ? err / bound : INFINITY;
        num += err * err;
        if (err > r->max_abs_err)
            r->max_abs_err = err;
        if (ratio > r->worst_ratio)
            r->worst_ratio = ratio;
        if (err > bound)
            r->n_bad++;
    }
    for (size_t i = 0; i < n; i++)
        if (isfinite(ref[i]))
            den += (double)ref[i] * ref[i];
    const double nmse = den > 0 ? num / den : (num > 0 ? INFINITY : 0);
    if (nmse > r->nmse || isnan(nmse))
        r->nmse = nmse;
}

chord_status chord_check_case(chord_rt *rt, const chord_case *c, uint64_t seed, chord_check_result *r)
{
    memset(r, 0, sizeof *r);
    if (!chord_supports(rt, c->op, c->args)) {
        r->skipped = 1;
        snprintf(r->message, sizeof r->message, "%s does not implement %s for this case", rt->be->name,
                 chord_op_name(c->op));
        return CHORD_OK;
    }
    const int nt = chord_op_n_tensors(c->op);
    const int first_out = nt - chord_op_n_outputs(c->op); /* tensors first_out .. nt - 1 are written */
    const int out = nt - 1;                                /* an in-place case's single output */
    void *host[CHORD_MAX_TENSORS] = {0};
    chord_buf *buf[CHORD_MAX_TENSORS] = {0};
    chord_tensor t[CHORD_MAX_TENSORS];
    size_t bytes[CHORD_MAX_TENSORS];
    unsigned char *got = NULL;
    size_t got_bytes = 0;  /* the largest output and its guard */
    float *bounds = NULL;  /* (the output's count) each element's bound, for ops with a bound hook */
    const chord_op_desc *d = chord_op_desc_of(c->op);
    chord_status s = CHORD_OK;

    if (c->inplace && first_out != out) {
        snprintf(r->message, sizeof r->message, "case %s: in place with several outputs", c->name);
        return chord_fail(CHORD_ERR_INVALID, "%s", r->message);
    }
    for (int i = 0; i < nt; i++) {
        bytes[i] = chord_case_tensor_bytes(c, i);
        host[i] = malloc(bytes[i] ? bytes[i] : 1);
        if (!host[i]) {
            s = chord_fail(CHORD_ERR_NOMEM, "check: cannot allocate %zu host bytes", bytes[i]);
            goto done;
        }
        if (i < first_out)
            chord_case_fill(c, i, host[i], seed);
        else if (bytes[i] + GUARD > got_bytes)
            got_bytes = bytes[i] + GUARD;
    }
    /* In-place cases compute into tensor 0: the reference gets a copy of it as its output. */
    if (c->inplace)
        memcpy(host[out], host[0], bytes[0]);
    {
        void *ref_in[CHORD_MAX_TENSORS];
        memcpy(ref_in, host, sizeof ref_in);
        if (c->inplace)
            ref_in[0] = host[out];
        chord_case_reference(c, ref_in);
        if (d->bound) {
            if (first_out != out || c->inplace) {
                s = chord_fail(CHORD_ERR_INVALID, "case %s: a bound hook takes one output, not in place", c->name);
                goto done;
            }
            if (!(bounds = malloc(bytes[out] ? bytes[out] : 1))) {
                s = chord_fail(CHORD_ERR_NOMEM, "check: cannot allocate %zu host bytes", bytes[out]);
                goto done;
            }
            d->bound(ref_in, c->args, chord_case_tolerance(c), bounds);
        }
        if (c->inplace) /* restore the input the device will see */
            chord_case_fill(c, 0, host[0], seed);
    }

    got = malloc(got_bytes);
    if (!got) {
        s = chord_fail(CHORD_ERR_NOMEM, "check: cannot allocate %zu host bytes", got_bytes);
        goto done;
    }
    for (int i = 0; i < nt; i++) {
        if (c->inplace && i == out) {
            t[i] = t[0];
            continue;
        }
        const int is_out = i >= first_out;
        size_t total = PAD + bytes[i] + (is_out ? GUARD : 0);
        if ((s = chord_alloc(rt, total, &buf[i])) != CHORD_OK)
            goto done;
        t[i] = (chord_tensor){buf[i], PAD};
        if (is_out) { /* NaN everywhere the kernel must write, a pattern where it must not */
            memset(got, 0xFF, bytes[i]);
            memset(got + bytes[i], GUARD_BYTE, GUARD);
            if ((s = chord_upload(rt, buf[i], PAD, got, bytes[i] + GUARD)) != CHORD_OK)
                goto done;
        } else if ((s = chord_upload(rt, buf[i], PAD, host[i], bytes[i])) != CHORD_OK) {
            goto done;
        }
    }
    if (c->inplace) { /* the output shares tensor 0's buffer: put a guard after it too */
        memset(got, GUARD_BYTE, GUARD);
        chord_buf *b0 = buf[0];
        chord_free(rt, b0);
        buf[0] = NULL;
        if ((s = chord_alloc(rt, PAD + bytes[0] + GUARD, &buf[0])) != CHORD_OK)
            goto done;
        t[0] = t[out] = (chord_tensor){buf[0], PAD};
        if ((s = chord_upload(rt, buf[0], PAD, host[0], bytes[0])) != CHORD_OK ||
            (s = chord_upload(rt, buf[0], PAD + bytes[0], got, GUARD)) != CHORD_OK)
            goto done;
    }
    if ((s = chord_launch(rt, c->op, t, c->args)) != CHORD_OK)
        goto done;
    if ((s = chord_sync(rt)) != CHORD_OK)
        goto done;

    r->guard_ok = 1;
    for (int o = first_out; o < nt; o++) {
        if ((s = chord_download(rt, t[o].buf, PAD, got, bytes[o] + GUARD)) != CHORD_OK)
            goto done;
        for (size_t i = 0; i < GUARD; i++)
            if (got[bytes[o] + i] != GUARD_BYTE)
                r->guard_ok = 0;
        compare(c, (const float *)got, host[o], bounds, bytes[o] / sizeof(float), r);
    }
    r->passed = r->n_bad == 0 && r->nmse <= chord_case_tolerance(c).nmse && r->guard_ok;
    if (!r->passed)
        snprintf(r->message, sizeof r->message, "%s%s%lld elements outside the bound",
                 r->guard_ok ? "" : "guard overwritten; ", r->n_bad ? "" : "NMSE above the bound; ",
                 (long long)r->n_bad);

done:
    for (int i = 0; i < nt; i++) {
        if (buf[i])
            chord_free(rt, buf[i]);
        free(host[i]);
    }
    free(got);
    free(bounds);
    if (s != CHORD_OK)
        snprintf(r->message, sizeof r->message, "%s", chord_last_error());
    return s;
}
