/* chord run --logits-out: the file layout is in logits_out.h. */
#include "logits_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int fail(const logits_out *lo, const char *what)
{
    fprintf(stderr, "chord run: --logits-out %s: %s: %s\n", lo->path, what, errno ? strerror(errno) : "failed");
    return -1;
}

int logits_out_open(logits_out *lo, const char *path, int n_vocab)
{
    memset(lo, 0, sizeof *lo);
    lo->path = path;
    lo->n_vocab = (uint32_t)n_vocab;
    errno = 0;
    if (!(lo->file = fopen(path, "wb")))
        return fail(lo, "cannot create");
    if (!(lo->rows = tmpfile()))
        return fail(lo, "no temporary file for the rows");
    return 0;
}

int logits_out_add(logits_out *lo, const int32_t *ids, const float *rows, int n)
{
    if (!lo->rows)
        return -1;
    errno = 0;
    if (lo->n + (uint32_t)n > lo->cap) {
        const uint32_t cap = (lo->cap ? 2 * lo->cap : 256) + (uint32_t)n;
        int32_t *grown = realloc(lo->ids, (size_t)cap * sizeof *grown);
        if (!grown)
            return fail(lo, "out of memory");
        lo->ids = grown;
        lo->cap = cap;
    }
    if (fwrite(rows, sizeof(float) * lo->n_vocab, (size_t)n, lo->rows) != (size_t)n)
        return fail(lo, "cannot write the rows");
    memcpy(lo->ids + lo->n, ids, (size_t)n * sizeof *ids);
    lo->n += (uint32_t)n;
    return 0;
}

static int write_all(logits_out *lo)
{
    const uint32_t head[4] = {1, lo->n_vocab, lo->n, 0};
    errno = 0;
    if (fwrite(CHORD_LOGITS_MAGIC, 1, 8, lo->file) != 8 || fwrite(head, sizeof head, 1, lo->file) != 1 ||
        (lo->n && fwrite(lo->ids, sizeof *lo->ids, lo->n, lo->file) != lo->n))
        return fail(lo, "cannot write the header");
    rewind(lo->rows);
    char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, lo->rows)) > 0)
        if (fwrite(buf, 1, got, lo->file) != got)
            return fail(lo, "cannot write the rows");
    if (ferror(lo->rows))
        return fail(lo, "cannot read back the rows");
    return 0;
}

void logits_out_discard(logits_out *lo)
{
    if (lo->file) {
        fclose(lo->file);
        remove(lo->path);
    }
    lo->file = NULL;
    logits_out_close(lo);
}

int logits_out_close(logits_out *lo)
{
    int rc = 0;
    if (lo->file) {
        rc = lo->rows ? write_all(lo) : -1;
        if (fclose(lo->file) != 0 && rc == 0)
            rc = fail(lo, "cannot close");
    }
    if (lo->rows)
        fclose(lo->rows);
    if (rc && lo->path)
        remove(lo->path); /* no file rather than one whose header disagrees with its rows */
    free(lo->ids);
    memset(lo, 0, sizeof *lo);
    return rc;
}
