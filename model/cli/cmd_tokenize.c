/* chord tokenize: a prompt's token ids and pieces, printed as llama.cpp's llama-tokenize prints them, so the two
 * tokenizers can be compared on the same text (and --logits-out runs fed the same ids). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "tokenizer.h"

static int usage(FILE *f, int code)
{
    fprintf(f, "usage: chord tokenize [-m MODEL.gguf] (-p TEXT | -f FILE) [--ids] [--no-bos] [--no-parse-special]\n"
               "                      [--show-count]\n\n"
               "Tokenizes TEXT with the model's tokenizer (no backend, no weights read) and prints one line per\n"
               "token, '%%6d -> '%%s'' with the token's bytes, or with --ids the ids as a list: [1, 415, ...].\n\n"
               "  -m, --model PATH      GGUF model (default: $CHORD_MODEL_DIR or ~/.cache/chord, file "
               CLI_DEFAULT_MODEL ")\n"
               "  -p, --prompt TEXT     the text\n"
               "  -f, --file PATH       the text from a file, its bytes exactly\n"
               "  --ids                 only the ids, as a Python-style list\n"
               "  --no-bos              no beginning-of-sequence token (default: the model's add_bos_token)\n"
               "  --no-parse-special    special tokens written in the text (<|im_start|>) stay text\n"
               "  --show-count          then the number of tokens\n");
    return code;
}

static void print_piece(const chord_tokenizer *tok, int32_t id)
{
    char small[256];
    const int n = chord_token_bytes(tok, id, small, sizeof small);
    char *big = n > (int)sizeof small ? malloc((size_t)n) : NULL; /* a piece of any length */
    if (big)
        chord_token_bytes(tok, id, big, n);
    printf("%6d -> '", id);
    fwrite(big ? big : small, 1, big || n < (int)sizeof small ? (size_t)n : sizeof small, stdout); /* raw bytes */
    printf("'\n");
    free(big);
}

int cmd_tokenize(int argc, char **argv)
{
    const char *model = NULL, *text = NULL;
    char *file_text = NULL, *default_path = NULL;
    size_t len = 0;
    int ids_only = 0, no_bos = 0, no_special = 0, show_count = 0, rc = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int has_val = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            free(file_text);
            return usage(stdout, 0);
        } else if (!strcmp(a, "--ids")) {
            ids_only = 1;
        } else if (!strcmp(a, "--no-bos")) {
            no_bos = 1;
        } else if (!strcmp(a, "--no-parse-special")) {
            no_special = 1;
        } else if (!strcmp(a, "--show-count")) {
            show_count = 1;
        } else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has_val) {
            model = argv[++i];
        } else if ((!strcmp(a, "-p") || !strcmp(a, "--prompt")) && has_val) {
            text = argv[++i];
            len = strlen(text);
        } else if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && has_val) {
            free(file_text);
            file_text = NULL;
            if (cli_read_file("tokenize", argv[++i], &file_text, &len))
                return 1;
            text = file_text;
        } else {
            fprintf(stderr, "chord tokenize: unknown or incomplete option '%s'\n", a);
            free(file_text);
            return usage(stderr, 2);
        }
    }
    if (!text) {
        fprintf(stderr, "chord tokenize: no text (-p TEXT or -f FILE)\n");
        return usage(stderr, 2);
    }
    if (!model && !(model = default_path = cli_default_model_path())) {
        fprintf(stderr, "chord tokenize: out of memory\n");
        free(file_text);
        return 1;
    }
    chord_gguf *g = NULL;
    chord_tokenizer *tok = NULL;
    int32_t *ids = NULL;
    int n = 0;
    const int max_ids = len < (size_t)(1 << 30) ? (int)len + 16 : 0; /* a token is at least one byte, bos aside */
    if (chord_gguf_open(model, &g) != CHORD_OK || chord_tokenizer_load(g, &tok) != CHORD_OK) {
        fprintf(stderr, "chord tokenize: %s\n", chord_last_error());
    } else if (!max_ids || !(ids = malloc((size_t)max_ids * sizeof *ids))) {
        fprintf(stderr, "chord tokenize: no memory for the tokens of %zu bytes\n", len);
    } else if (chord_tokenize_n(tok, text, len, !no_bos && chord_tokenizer_add_bos(tok), !no_special, ids, max_ids,
                                &n) != CHORD_OK) {
        fprintf(stderr, "chord tokenize: %s\n", chord_last_error());
    } else {
        if (ids_only) {
            printf("[");
            for (int i = 0; i < n; i++)
                printf("%s%d", i ? ", " : "", ids[i]);
            printf("]\n");
        } else {
            for (int i = 0; i < n; i++)
                print_piece(tok, ids[i]);
        }
        if (show_count)
            printf("Total number of tokens: %d\n", n);
        rc = 0;
    }
    free(ids);
    chord_tokenizer_free(tok);
    chord_gguf_close(g);
    free(file_text);
    free(default_path);
    return rc;
}
