/* chord gguf: inspect a GGUF file (header, metadata with arrays abbreviated, tensors; text or JSON) and write
 * synthetic Llama models. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "gguf.h"
#include "synth.h"

#define ARRAY_HEAD 8    /* array elements shown */
#define STRING_HEAD 120 /* string bytes shown in text mode */

static int usage(FILE *f, int code)
{
    fprintf(f, "usage: chord gguf info FILE [--json]\n"
               "       chord gguf synth --shape SHAPE [--type TYPE] -o FILE [--seed N] [--layers N]\n"
               "(chord gguf info --help, chord gguf synth --help for details)\n");
    return code;
}

static int info_usage(FILE *f, int code)
{
    fprintf(f,
            "usage: chord gguf info FILE [--json]\n\n"
            "Validates FILE (the same strict checks as model loading) and prints its header, metadata (arrays\n"
            "abbreviated to their first %d elements, long strings cut in text mode) and tensor infos.\n"
            "Exit status 1 if the file is malformed, with the reason.\n\n"
            "  --json   one JSON object on stdout instead of text\n",
            ARRAY_HEAD);
    return code;
}

static int synth_usage(FILE *f, int code)
{
    int n;
    const chord_synth_shape *s = chord_synth_shapes(&n);
    fprintf(f, "usage: chord gguf synth --shape SHAPE [--type TYPE] -o FILE [--seed N] [--layers N]\n\n"
               "Writes a valid Llama-architecture GGUF with random weights and a small tokenizer padded to the\n"
               "shape's vocab size, streaming to disk with a progress line on stderr.\n\n"
               "  --shape SHAPE   one of:\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "                    %-13s n_embd %d, %d layers, %d/%d heads, n_ff %d, vocab %d, theta %g%s\n",
                s[i].name, s[i].n_embd, s[i].n_layer, s[i].n_head, s[i].n_head_kv, s[i].n_ff, s[i].n_vocab,
                (double)s[i].rope_theta, s[i].tied_output ? ", tied output" : "");
    fprintf(f, "  --type TYPE     q4_0 (default), q4_1, q8_0, f16 or f32: token_embd, output and matmul weights\n"
               "                  (norms are always f32)\n"
               "  -o FILE         output path\n"
               "  --seed N        RNG seed (default 1); the same arguments give the same bytes\n"
               "  --layers N      override the shape's layer count (quick files with real layer sizes)\n");
    return code;
}

/* ---- printing values ---- */

/* n bytes, escaped as in JSON (a NUL is \u0000); returns the characters written. */
static uint64_t put_escaped(FILE *f, const char *p, uint64_t n)
{
    uint64_t w = 0;
    for (uint64_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            w += (uint64_t)fprintf(f, "\\%c", c);
        else if (c == '\n')
            w += (uint64_t)fprintf(f, "\\n");
        else if (c == '\t')
            w += (uint64_t)fprintf(f, "\\t");
        else if (c < 0x20 || c == 0x7f)
            w += (uint64_t)fprintf(f, "\\u%04x", c);
        else
            w += fputc(c, f) != EOF;
    }
    return w;
}

static void put_str(FILE *f, const char *p, uint64_t len, int json)
{
    uint64_t shown = !json && len > STRING_HEAD ? STRING_HEAD : len;
    fputc('"', f);
    put_escaped(f, p, shown);
    fputc('"', f);
    if (shown < len)
        fprintf(f, "... (%" PRIu64 " bytes)", len);
}

static void put_double(FILE *f, double v, int json, int f32)
{
    if (json && !isfinite(v))
        fputs("null", f);
    else
        fprintf(f, f32 ? "%.9g" : "%.17g", v);
}

/* One fixed-size scalar at p (maybe unaligned). */
static void put_scalar(FILE *f, chord_gguf_vtype t, const uint8_t *p, int json)
{
    union {
        uint8_t u8;
        int8_t i8;
        uint16_t u16;
        int16_t i16;
        uint32_t u32;
        int32_t i32;
        float f32;
        uint64_t u64;
        int64_t i64;
        double f64;
    } v;
    memcpy(&v, p, chord_gguf_vtype_size(t));
    switch (t) {
    case CHORD_GGUF_UINT8: fprintf(f, "%u", v.u8); break;
    case CHORD_GGUF_INT8: fprintf(f, "%d", v.i8); break;
    case CHORD_GGUF_UINT16: fprintf(f, "%u", v.u16); break;
    case CHORD_GGUF_INT16: fprintf(f, "%d", v.i16); break;
    case CHORD_GGUF_UINT32: fprintf(f, "%" PRIu32, v.u32); break;
    case CHORD_GGUF_INT32: fprintf(f, "%" PRId32, v.i32); break;
    case CHORD_GGUF_FLOAT32: put_double(f, v.f32, json, 1); break;
    case CHORD_GGUF_BOOL: fputs(v.u8 ? "true" : "false", f); break;
    case CHORD_GGUF_UINT64: fprintf(f, "%" PRIu64, v.u64); break;
    case CHORD_GGUF_INT64: fprintf(f, "%" PRId64, v.i64); break;
    case CHORD_GGUF_FLOAT64: put_double(f, v.f64, json, 0); break;
    default: fputs("null", f); break;
    }
}

/* Array i: text "[a, b, ... N more]"; JSON {"type":..,"n":..,"head":[..]}. */
static void put_array(FILE *f, const chord_gguf *g, int64_t i_kv, int json)
{
    chord_gguf_vtype et;
    uint64_t n;
    const void *data;
    if (chord_gguf_kv_array(g, i_kv, &et, &n, &data) != CHORD_OK)
        return;
    uint64_t shown = n < ARRAY_HEAD ? n : ARRAY_HEAD;
    if (json)
        fprintf(f, "{\"type\":\"arr\",\"elem\":\"%s\",\"n\":%" PRIu64 ",\"head\":[", chord_gguf_vtype_name(et), n);
    else
        fputc('[', f);
    if (et == CHORD_GGUF_ARRAY)
        shown = 0; /* nested arrays: only the count */
    for (uint64_t i = 0; i < shown; i++) {
        if (i)
            fputs(", ", f);
        if (et == CHORD_GGUF_STRING) {
            const chord_gguf_str *s = data;
            put_str(f, s[i].ptr, s[i].len, json);
        } else {
            put_scalar(f, et, (const uint8_t *)data + i * chord_gguf_vtype_size(et), json);
        }
    }
    if (json)
        fputs("]}", f);
    else if (shown < n)
        fprintf(f, "%s... %" PRIu64 " more]", shown ? ", " : "", n - shown);
    else
        fputc(']', f);
}

static void put_kv(FILE *f, const chord_gguf *g, int64_t i, int json)
{
    chord_gguf_str k = chord_gguf_kv_key(g, i);
    chord_gguf_vtype t = chord_gguf_kv_type(g, i);
    const uint8_t *raw = chord_gguf_kv_raw(g, i);
    if (json) {
        fputs(i ? ",\n    " : "\n    ", f);
        put_str(f, k.ptr, k.len, 1);
        fputc(':', f);
    } else {
        char type[32];
        if (t == CHORD_GGUF_ARRAY) {
            chord_gguf_vtype et;
            uint64_t n;
            chord_gguf_kv_array_info(g, i, &et, &n);
            snprintf(type, sizeof type, "arr[%s,%" PRIu64 "]", chord_gguf_vtype_name(et), n);
        } else {
            snprintf(type, sizeof type, "%s", chord_gguf_vtype_name(t));
        }
        /* the key as its bytes say, escaped like a string value, padded to the column */
        fputs("  ", f);
        const uint64_t width = put_escaped(f, k.ptr, k.len);
        fprintf(f, "%*s %-16s = ", width < 40 ? (int)(40 - width) : 0, "", type);
    }
    if (t == CHORD_GGUF_STRING) {
        uint64_t len;
        memcpy(&len, raw, 8);
        put_str(f, (const char *)raw + 8, len, json);
    } else if (t == CHORD_GGUF_ARRAY) {
        put_array(f, g, i, json);
    } else {
        put_scalar(f, t, raw, json);
    }
    if (!json)
        fputc('\n', f);
}

static int cmd_info_gguf(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return info_usage(stdout, 0);
        else if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "chord gguf info: unknown option or extra argument '%s'\n", argv[i]);
            return info_usage(stderr, 2);
        } else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "chord gguf info: no FILE given\n");
        return info_usage(stderr, 2);
    }
    chord_gguf *g;
    if (chord_gguf_open(path, &g) != CHORD_OK) {
        fprintf(stderr, "chord gguf info: %s\n", chord_last_error());
        return 1;
    }
    FILE *f = stdout;
    int64_t n_kv = chord_gguf_n_kv(g), n_t = chord_gguf_n_tensors(g);
    if (json) {
        fputs("{\"file\":", f);
        put_str(f, path, strlen(path), 1);
        fprintf(f,
                ",\"version\":%u,\"alignment\":%u,\"data_offset\":%zu,\"size\":%zu,\"n_kv\":%" PRId64
                ",\"n_tensors\":%" PRId64 ",\n  \"metadata\":{",
                chord_gguf_version(g), chord_gguf_alignment(g), chord_gguf_data_offset(g), chord_gguf_file_size(g),
                n_kv, n_t);
    } else {
        printf("%s: GGUF v%u, %zu bytes, alignment %u, data at offset %zu\n\nmetadata (%" PRId64 " keys):\n", path,
               chord_gguf_version(g), chord_gguf_file_size(g), chord_gguf_alignment(g), chord_gguf_data_offset(g),
               n_kv);
    }
    for (int64_t i = 0; i < n_kv; i++)
        put_kv(f, g, i, json);
    if (json)
        fputs("},\n  \"tensors\":[", f);
    else
        printf("\ntensors (%" PRId64 "):\n  %-5s %-32s %-6s %-28s %14s %12s\n", n_t, "#", "name", "type", "shape",
               "offset", "bytes");
    uint64_t total = 0;
    for (int64_t i = 0; i < n_t; i++) {
        const chord_gguf_tensor *t = chord_gguf_tensor_at(g, i);
        const char *type = chord_type_info((int)t->type)->name;
        char shape[96];
        int at = 0;
        for (int d = 0; d < t->n_dims; d++)
            at +=
                snprintf(shape + at, sizeof shape - (size_t)at, "%s%" PRId64, d ? (json ? "," : " x ") : "", t->ne[d]);
        total += t->bytes;
        if (json) {
            fprintf(f, "%s\n    {\"name\":", i ? "," : "");
            put_str(f, t->name, strlen(t->name), 1);
            fprintf(f, ",\"type\":\"%s\",\"shape\":[%s],\"offset\":%" PRIu64 ",\"bytes\":%zu}", type, shape, t->offset,
                    t->bytes);
        } else
            printf("  %-5" PRId64 " %-32s %-6s %-28s %14" PRIu64 " %12zu\n", i, t->name, type, shape, t->offset,
                   t->bytes);
    }
    if (json)
        fprintf(f, "],\n  \"tensor_bytes\":%" PRIu64 "}\n", total);
    else
        printf("\n%" PRId64 " tensors, %.1f MiB of tensor data\n", n_t, (double)total / (1024.0 * 1024.0));
    chord_gguf_close(g);
    return 0;
}

static int parse_u64(const char *cmd, const char *flag, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    *out = strtoull(s, &end, 0);
    if (!*s || *end || *s == '-' || *out > max) {
        fprintf(stderr, "chord gguf %s: bad value '%s' for %s\n", cmd, s, flag);
        return 0;
    }
    return 1;
}

static int cmd_synth(int argc, char **argv)
{
    const char *shape_name = NULL, *type_name = "q4_0", *out = NULL;
    uint64_t seed = 1, layers = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return synth_usage(stdout, 0);
        else if (!strcmp(a, "--shape") && has_val)
            shape_name = argv[++i];
        else if (!strcmp(a, "--type") && has_val)
            type_name = argv[++i];
        else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has_val)
            out = argv[++i];
        else if (!strcmp(a, "--seed") && has_val) {
            if (!parse_u64("synth", a, argv[++i], UINT64_MAX, &seed))
                return 2;
        } else if (!strcmp(a, "--layers") && has_val) {
            if (!parse_u64("synth", a, argv[++i], 4096, &layers) || layers == 0) {
                fprintf(stderr, "chord gguf synth: --layers must be in 1..4096\n");
                return 2;
            }
        } else {
            fprintf(stderr, "chord gguf synth: unknown or incomplete option '%s'\n", a);
            return synth_usage(stderr, 2);
        }
    }
    if (!shape_name || !out) {
        fprintf(stderr, "chord gguf synth: --shape and -o are required\n");
        return synth_usage(stderr, 2);
    }
    const chord_synth_shape *found = chord_synth_find_shape(shape_name);
    if (!found) {
        fprintf(stderr, "chord gguf synth: unknown shape '%s'\n", shape_name);
        return synth_usage(stderr, 2);
    }
    int type = chord_type_from_name(type_name);
    if (type != CHORD_TYPE_Q4_0 && type != CHORD_TYPE_Q4_1 && type != CHORD_TYPE_Q8_0 && type != CHORD_TYPE_F16 &&
        type != CHORD_TYPE_F32) {
        fprintf(stderr, "chord gguf synth: unknown type '%s' (q4_0, q4_1, q8_0, f16, f32)\n", type_name);
        return 2;
    }
    chord_synth_shape shape = *found;
    if (layers)
        shape.n_layer = (int)layers;
    chord_synth_params p = {(chord_type)type, seed, 1};
    if (chord_synth_write(&shape, &p, out) != CHORD_OK) {
        fprintf(stderr, "chord gguf synth: %s\n", chord_last_error());
        return 1;
    }
    /* Read it back through the same strict checks a model load uses. */
    chord_gguf *g;
    if (chord_gguf_open(out, &g) != CHORD_OK) {
        fprintf(stderr, "chord gguf synth: the written file does not validate: %s\n", chord_last_error());
        return 1;
    }
    fprintf(stderr,
            "chord gguf synth: wrote %s (%s, %s, %d layers, seed %" PRIu64 "): %" PRId64 " tensors, %zu bytes\n", out,
            shape.name, chord_type_info(type)->name, shape.n_layer, seed, chord_gguf_n_tensors(g),
            chord_gguf_file_size(g));
    chord_gguf_close(g);
    return 0;
}

int cmd_gguf(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr, 2);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
        return usage(stdout, 0);
    if (!strcmp(argv[1], "info"))
        return cmd_info_gguf(argc - 1, argv + 1);
    if (!strcmp(argv[1], "synth"))
        return cmd_synth(argc - 1, argv + 1);
    fprintf(stderr, "chord gguf: unknown subcommand '%s'\n", argv[1]);
    return usage(stderr, 2);
}
