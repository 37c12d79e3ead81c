/* Tokenizer and chat-format tests. On the real default model (SmolLM2-135M, gpt2 BPE, "smollm" split; skipped
 * with the reason when the file is absent: ci/fetch-model.sh fetches it into $CHORD_MODEL_DIR or ~/.cache/chord):
 * expected ids are looked up in the model's own vocabulary and merges, never typed in. Synthetic GGUF files built
 * with the GGUF writer cover the SPM (llama) tokenizer's scores, byte fallback and prefix space, and the chat
 * families. The pre-tokenizer splits are checked against a table generated from the reference regexes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chat.h"
#include "gguf_write.h"
#include "tokenizer.h"
#include "tokenizer_internal.h"

#define MAX_IDS 4096

/* ---- helpers ---- */

static char model_path[1024];
static chord_gguf *mg;
static chord_tokenizer *mt;

static int load_model(void)
{
    const char *dir = getenv("CHORD_MODEL_DIR"), *home = getenv("HOME");
    struct stat st;
    if (dir)
        snprintf(model_path, sizeof model_path, "%s/smollm2-135m-instruct-q4_1.gguf", dir);
    else
        snprintf(model_path, sizeof model_path, "%s/.cache/chord/smollm2-135m-instruct-q4_1.gguf", home ? home : ".");
    if (stat(model_path, &st) != 0)
        return 0;
    cr_assert_eq(chord_gguf_open(model_path, &mg), CHORD_OK, "%s: %s", model_path, chord_last_error());
    cr_assert_eq(chord_tokenizer_load(mg, &mt), CHORD_OK, "%s", chord_last_error());
    return 1;
}

#define NEED_MODEL()                                                                                  \
    do {                                                                                              \
        if (!load_model())                                                                            \
            cr_skip_test("%s is absent (run ci/fetch-model.sh, or set CHORD_MODEL_DIR)", model_path); \
    } while (0)

static void close_model(void)
{
    chord_tokenizer_free(mt);
    chord_gguf_close(mg);
    mt = NULL, mg = NULL;
}

static int32_t id_of(const chord_tokenizer *t, const char *piece)
{
    int32_t id = chord_tokenizer_find(t, piece);
    cr_assert_geq(id, 0, "\"%s\" is not in the vocabulary", piece);
    return id;
}

static int encode(const chord_tokenizer *t, const char *s, int add_bos, int special, int32_t *ids)
{
    int n = -1;
    cr_assert_eq(chord_tokenize(t, s, add_bos, special, ids, MAX_IDS, &n), CHORD_OK, "\"%s\": %s", s,
                 chord_last_error());
    return n;
}

static void assert_ids(const int32_t *got, int n, const int32_t *want, int n_want, const char *what)
{
    char g[512] = "", w[512] = "";
    for (int i = 0; i < n; i++)
        snprintf(g + strlen(g), sizeof g - strlen(g), " %d", got[i]);
    for (int i = 0; i < n_want; i++)
        snprintf(w + strlen(w), sizeof w - strlen(w), " %d", want[i]);
    cr_assert(n == n_want && memcmp(got, want, (size_t)n * sizeof *got) == 0, "%s: got [%s ] want [%s ]", what, g, w);
}

static void assert_round_trip(const chord_tokenizer *t, const char *s)
{
    static int32_t ids[MAX_IDS];
    static char out[4 * MAX_IDS];
    int n = encode(t, s, 0, 0, ids);
    int len = chord_detokenize(t, ids, n, 0, out, sizeof out);
    cr_assert(len == (int)strlen(s) && memcmp(out, s, (size_t)len) == 0,
              "round trip of \"%s\" (%d tokens) gave \"%.*s\"", s, n, len, out);
}

/* A GGUF image from a writer, opened from memory; the image must outlive the gguf. */
static chord_gguf *open_written(chord_gguf_writer *w, void **mem)
{
    size_t size;
    chord_gguf *g;
    cr_assert_eq(chord_gguf_write_memory(w, mem, &size), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_gguf_open_memory(*mem, size, &g), CHORD_OK, "%s", chord_last_error());
    chord_gguf_writer_free(w);
    return g;
}

/* ---- the real model ---- */

Test(tokenizer_model, metadata)
{
    NEED_MODEL();
    uint64_t n;
    const chord_gguf_str *items;
    int64_t bos, eos, add_bos;
    cr_assert_eq(chord_gguf_get_str_array(mg, "tokenizer.ggml.tokens", &n, &items), CHORD_OK);
    cr_assert_eq(chord_tokenizer_n_vocab(mt), (int)n);
    cr_assert_eq(chord_gguf_get_int(mg, "tokenizer.ggml.bos_token_id", &bos), CHORD_OK);
    cr_assert_eq(chord_gguf_get_int(mg, "tokenizer.ggml.eos_token_id", &eos), CHORD_OK);
    cr_assert_eq(chord_gguf_get_int(mg, "tokenizer.ggml.add_bos_token", &add_bos), CHORD_OK);
    cr_assert_eq(chord_tokenizer_bos(mt), bos);
    cr_assert_eq(chord_tokenizer_eos(mt), eos);
    cr_assert_eq(chord_tokenizer_add_bos(mt), add_bos != 0);
    cr_assert(chord_tokenizer_is_eog(mt, (int32_t)eos));
    cr_assert(chord_tokenizer_is_eog(mt, id_of(mt, "<|im_end|>")));
    cr_assert(chord_tokenizer_is_eog(mt, id_of(mt, "<|endoftext|>")));
    cr_assert(!chord_tokenizer_is_eog(mt, id_of(mt, "<|im_start|>")));
    cr_assert(!chord_tokenizer_is_eog(mt, id_of(mt, "Hello")));
    cr_assert(chord_tokenizer_is_special(mt, id_of(mt, "<|im_start|>")));
    cr_assert(!chord_tokenizer_is_special(mt, id_of(mt, "Hello")));
    for (uint64_t i = 0; i < n; i += 997) /* pieces come back as stored, and find is their inverse */
        cr_assert_eq(chord_tokenizer_find(mt, chord_tokenizer_piece(mt, (int32_t)i)), (int32_t)i, "piece %llu",
                     (unsigned long long)i);
    cr_assert_null(chord_tokenizer_piece(mt, (int32_t)n));
    cr_assert_null(chord_tokenizer_piece(mt, -1));
    close_model();
}

Test(tokenizer_model, known_ids)
{
    NEED_MODEL();
    int32_t ids[MAX_IDS];
    int n = encode(mt, "Hello world", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){id_of(mt, "Hello"), id_of(mt, "\xC4\xA0world")}, 2, "Hello world");
    /* GPT-2's split keeps one space with the next word and leaves the rest of a run alone: "a", " ", " b" */
    n = encode(mt, "a  b", 0, 0, ids);
    assert_ids(ids, n,
               (int32_t[]){id_of(mt, "a"), id_of(mt, "\xC4\xA0"),
                           id_of(mt, "\xC4\xA0"
                                     "b")},
               3, "a  b");
    /* "smollm" isolates every digit, so the space before a number is a token of its own */
    n = encode(mt, " 2024", 0, 0, ids);
    assert_ids(ids, n,
               (int32_t[]){id_of(mt, "\xC4\xA0"), id_of(mt, "2"), id_of(mt, "0"), id_of(mt, "2"), id_of(mt, "4")}, 5,
               " 2024");
    n = encode(mt, "\n", 0, 0, ids); /* byte 0x0A is U+010A in GPT-2's byte map */
    assert_ids(ids, n, (int32_t[]){id_of(mt, "\xC4\x8A")}, 1, "newline");
    n = encode(mt, "Hi", 1, 0, ids); /* add_bos asked explicitly */
    assert_ids(ids, n, (int32_t[]){chord_tokenizer_bos(mt), id_of(mt, "Hi")}, 2, "bos Hi");
    close_model();
}

Test(tokenizer_model, special_tokens)
{
    NEED_MODEL();
    int32_t ids[MAX_IDS];
    int32_t im_start = id_of(mt, "<|im_start|>"), im_end = id_of(mt, "<|im_end|>");
    int n = encode(mt, "<|im_start|>user", 0, 1, ids);
    assert_ids(ids, n, (int32_t[]){im_start, id_of(mt, "user")}, 2, "<|im_start|>user");
    n = encode(mt, "x<|im_end|><|im_end|>\n", 0, 1, ids);
    assert_ids(ids, n, (int32_t[]){id_of(mt, "x"), im_end, im_end, id_of(mt, "\xC4\x8A")}, 4, "adjacent specials");
    /* without parse_special the marker is plain text: no special id, and it round-trips */
    n = encode(mt, "<|im_start|>user", 0, 0, ids);
    cr_assert_gt(n, 2);
    for (int i = 0; i < n; i++)
        cr_assert(!chord_tokenizer_is_special(mt, ids[i]), "token %d is special", ids[i]);
    assert_round_trip(mt, "<|im_start|>user");
    char buf[64];
    int len = chord_detokenize(mt, (int32_t[]){im_start, id_of(mt, "user"), im_end}, 3, 1, buf, sizeof buf);
    cr_assert(len == 4 && memcmp(buf, "user", 4) == 0, "skip_special");
    len = chord_detokenize(mt, (int32_t[]){im_start, id_of(mt, "user")}, 2, 0, buf, sizeof buf);
    cr_assert(len == 16 && memcmp(buf, "<|im_start|>user", 16) == 0, "specials kept");
    close_model();
}

Test(tokenizer_model, round_trips)
{
    NEED_MODEL();
    static const char *const texts[] = {
        "Hello, world! It's a test: don't, we'll, they've.",
        "caf\xC3\xA9 na\xC3\xAFve \xC3\x9C"
        "ber \xC3\x9F \xCE\xA9\xCE\xBC\xCE\xB5\xCE\xB3\xCE\xB1",
        "\xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D"
        "\xF0\x9F\x91\xA7 emoji",
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88\xE3\x80\x82"
        "\xE4\xB8\xAD\xE6\x96\x87",
        "   leading and trailing   ",
        "tabs\t\tand\n\n\nnewlines\r\n",
        "a  b   c    d     e",
        " ",
        "\n\n",
        "0 12 345 6789 3.14159 1e-9 -42",
        "x=1+2*3; y = f(x) // comment",
        "    def f(self):\n        return 42\n",
        "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
        "e\xCC\x81 \xC2\xBD \xE2\x85\xA7 \xC2\xA0nbsp \xE3\x80\x80ideographic",
        "\x80 invalid \xC3 utf-8 \xED\xA0\x80 kept byte-exact \xE2\x82",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        assert_round_trip(mt, texts[i]);
    /* 0xFF never occurs in UTF-8 and SmolLM2 has no token for it (U+00FF, its GPT-2 character): it is dropped */
    cr_assert_lt(chord_tokenizer_find(mt, "\xC3\xBF"), 0, "this vocabulary has a token for byte 0xFF");
    int32_t ids[MAX_IDS];
    int n = encode(mt, "a\xFF", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){id_of(mt, "a")}, 1, "byte without a token");
    close_model();
}

/* Three letters a b c whose merges "a b" and "b c" both exist with "b c" ranked first, and no merge "a bc":
 * BPE must give [a, bc], where merging left to right would start with "ab". Found in the model's merges. */
Test(tokenizer_model, merge_order)
{
    NEED_MODEL();
    uint64_t n;
    const chord_gguf_str *m;
    cr_assert_eq(chord_gguf_get_str_array(mg, "tokenizer.ggml.merges", &n, &m), CHORD_OK);
    int rank[26][26];
    memset(rank, -1, sizeof rank);
    for (uint64_t r = 0; r < n; r++)
        if (m[r].len == 3 && m[r].ptr[1] == ' ' && m[r].ptr[0] >= 'a' && m[r].ptr[0] <= 'z' && m[r].ptr[2] >= 'a' &&
            m[r].ptr[2] <= 'z' && rank[m[r].ptr[0] - 'a'][m[r].ptr[2] - 'a'] < 0)
            rank[m[r].ptr[0] - 'a'][m[r].ptr[2] - 'a'] = (int)r;
    int found = 0;
    for (int a = 0; a < 26 && found < 3; a++)
        for (int b = 0; b < 26 && found < 3; b++)
            for (int c = 0; c < 26 && found < 3; c++) {
                if (rank[a][b] < 0 || rank[b][c] < 0 || rank[b][c] >= rank[a][b])
                    continue;
                char merge[8] = {(char)('a' + a), ' ', (char)('a' + b), (char)('a' + c), 0};
                int blocked = 0;
                for (uint64_t r = 0; r < n && !blocked; r++)
                    blocked = chord_gguf_str_eq(m[r], merge);
                if (blocked)
                    continue;
                char word[4] = {merge[0], merge[2], merge[3], 0}, left[2] = {merge[0], 0},
                     right[3] = {merge[2], merge[3], 0};
                int32_t ids[MAX_IDS];
                int k = encode(mt, word, 0, 0, ids);
                assert_ids(ids, k, (int32_t[]){id_of(mt, left), id_of(mt, right)}, 2, word);
                found++;
            }
    cr_assert_gt(found, 0, "no letter triple with conflicting merges in this vocabulary");
    close_model();
}

/* A valid UTF-8 chunk: decodes with no malformed sequence. */
static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += chord_tok_utf8_decode(s + i, n - i, &cp);
        if (cp == CHORD_TOK_BAD_CP)
            return 0;
    }
    return 1;
}

Test(tokenizer_model, streaming_splits_emoji)
{
    NEED_MODEL();
    /* the first 4-byte emoji that the vocabulary spells with more than one token */
    char emoji[5] = {0};
    int32_t ids[MAX_IDS];
    int n = 0;
    for (uint32_t cp = 0x1F300; cp < 0x1FB00 && n < 2; cp++) {
        emoji[chord_tok_utf8_encode(cp, emoji)] = 0;
        n = encode(mt, emoji, 0, 0, ids);
    }
    cr_assert_geq(n, 2, "every emoji is a single token here");
    chord_utf8_stream s = {0};
    char out[64], tok[16];
    for (int i = 0; i < n; i++) {
        int len = chord_token_bytes(mt, ids[i], tok, sizeof tok);
        cr_assert(len > 0 && len < 4, "token %d of the emoji has %d bytes", i, len);
        size_t m = chord_utf8_stream_push(&s, tok, (size_t)len, out, sizeof out);
        if (i < n - 1)
            cr_assert_eq(m, 0, "token %d of %d emitted %zu bytes of an incomplete character", i, n, m);
        else
            cr_assert(m == 4 && memcmp(out, emoji, 4) == 0, "the last token completes the emoji");
    }
    cr_assert_eq(chord_utf8_stream_flush(&s, out, sizeof out), 0);

    /* a mixed text streamed token by token: every chunk is valid UTF-8 and they add up to the text */
    const char *text = "Hi \xF0\x9F\x98\x80\xF0\x9F\xAB\xA0 \xE6\x97\xA5\xE6\x9C\xAC ok \xC3\xA9";
    n = encode(mt, text, 0, 0, ids);
    char all[256];
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        int len = chord_token_bytes(mt, ids[i], tok, sizeof tok);
        size_t m = chord_utf8_stream_push(&s, tok, (size_t)len, all + total, sizeof all - total);
        cr_assert(m != (size_t)-1 && valid_utf8(all + total, m), "chunk %d", i);
        total += m;
    }
    total += chord_utf8_stream_flush(&s, all + total, sizeof all - total);
    cr_assert(total == strlen(text) && memcmp(all, text, total) == 0, "streamed text differs");
    close_model();
}

Test(tokenizer_model, too_many_tokens)
{
    NEED_MODEL();
    int32_t ids[2];
    int n = -1;
    cr_assert_eq(chord_tokenize(mt, "one two three", 0, 0, ids, 2, &n), CHORD_ERR_INVALID);
    cr_assert_eq(n, 3, "n_out reports the count needed");
    close_model();
}

Test(chat, smollm_chatml)
{
    NEED_MODEL();
    char out[1024];
    cr_assert_str_eq(chord_chat_template_name(mg), "chatml");
    /* no system prompt: the template's own default system turn is written, as the template renders it */
    chord_gguf_str tmpl;
    cr_assert_eq(chord_gguf_get_str(mg, "tokenizer.chat_template", &tmpl), CHORD_OK);
    cr_assert_eq(chord_chat_format(mg, NULL, "Hi", out, sizeof out), CHORD_OK);
    const char *user = strstr(out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    cr_assert(strncmp(out, "<|im_start|>system\n", 19) == 0 && user && strlen(user) == 52, "%s", out);
    size_t sys_len = (size_t)(user - out) - 19 - strlen("<|im_end|>\n");
    cr_assert(sys_len > 0 && memmem(tmpl.ptr, tmpl.len, out + 19, sys_len),
              "default system text not from the template");
    cr_assert_eq(chord_chat_format(mg, "Be brief.", "Hi", out, sizeof out), CHORD_OK);
    cr_assert_str_eq(out, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                          "<|im_start|>assistant\n");
    int32_t ids[MAX_IDS];
    int n = encode(mt, out, 0, 1, ids);
    cr_assert_eq(ids[0], id_of(mt, "<|im_start|>"));
    cr_assert_eq(chord_chat_format(mg, "Be brief.", "Hi", out, 20), CHORD_ERR_INVALID);
    (void)n;
    close_model();
}

/* ---- synthetic files ---- */

static chord_gguf *chat_file(const char *tmpl, int with_im_start, void **mem)
{
    chord_gguf_writer *w;
    cr_assert_eq(chord_gguf_writer_create(&w), CHORD_OK);
    cr_assert_eq(chord_gguf_set_str(w, "general.architecture", "llama"), CHORD_OK);
    if (tmpl)
        cr_assert_eq(chord_gguf_set_str(w, "tokenizer.chat_template", tmpl), CHORD_OK);
    const char *toks[] = {"a", with_im_start ? "<|im_start|>" : "b"};
    cr_assert_eq(chord_gguf_set_str_array(w, "tokenizer.ggml.tokens", toks, 2), CHORD_OK);
    return open_written(w, mem);
}

Test(chat, families)
{
    static const struct {
        const char *tmpl;
        int im_start;
        const char *name, *with_sys, *without_sys;
    } cases[] = {
        {"{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>...", 0, "llama3",
         "<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nU"
         "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
         "<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
        {"{% if messages[0]['role'] == 'system' %}...{{ bos_token + '[INST] ' + content + ' [/INST]' }}", 0, "llama2",
         "[INST] <<SYS>>\nS\n<</SYS>>\n\nU [/INST]", "[INST] U [/INST]"},
        {"{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] }}", 0,
         "zephyr", "<|system|>\nS</s>\n<|user|>\nU</s>\n<|assistant|>\n", "<|user|>\nU</s>\n<|assistant|>\n"},
        {"{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}", 0, "chatml",
         "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n",
         "<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"},
        {NULL, 1, "chatml", "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n",
         "<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"},
        {"{{ unknown family }}", 0, "plain", "S\n\nU", "U"},
        {NULL, 0, "plain", "S\n\nU", "U"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *mem;
        chord_gguf *g = chat_file(cases[i].tmpl, cases[i].im_start, &mem);
        char out[512];
        cr_assert_str_eq(chord_chat_template_name(g), cases[i].name, "case %zu", i);
        cr_assert_eq(chord_chat_format(g, "S", "U", out, sizeof out), CHORD_OK);
        cr_assert_str_eq(out, cases[i].with_sys, "case %zu", i);
        cr_assert_eq(chord_chat_format(g, "", "U", out, sizeof out), CHORD_OK);
        cr_assert_str_eq(out, cases[i].without_sys, "case %zu", i);
        size_t need = strlen(cases[i].without_sys) + 1;
        cr_assert_eq(chord_chat_format(g, NULL, "U", out, need), CHORD_OK, "exact fit");
        cr_assert_eq(chord_chat_format(g, NULL, "U", out, need - 1), CHORD_ERR_INVALID, "one byte short");
        chord_gguf_close(g);
        free(mem);
    }
}

/* A SentencePiece-style vocabulary: <unk> <s> </s>, the 256 byte tokens, then pieces with scores. */
#define SPM_BYTE0 3
enum { SPM_WS = SPM_BYTE0 + 256, SPM_A, SPM_B, SPM_C, SPM_WS_A, SPM_AB, SPM_BC, SPM_N };

static chord_tokenizer *spm_tokenizer(float score_ab, float score_bc, chord_gguf **g, void **mem)
{
    static char bytes[256][8];
    const char *toks[SPM_N];
    float scores[SPM_N];
    int32_t types[SPM_N];
    toks[0] = "<unk>", toks[1] = "<s>", toks[2] = "</s>";
    types[0] = CHORD_TT_UNKNOWN, types[1] = types[2] = CHORD_TT_CONTROL;
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], sizeof bytes[b], "<0x%02X>", b);
        toks[SPM_BYTE0 + b] = bytes[b], types[SPM_BYTE0 + b] = CHORD_TT_BYTE;
    }
    const char *normal[] = {"\xE2\x96\x81",
                            "a",
                            "b",
                            "c",
                            "\xE2\x96\x81"
                            "a",
                            "ab",
                            "bc"};
    float normal_scores[] = {-10, -11, -12, -13, -3, score_ab, score_bc};
    for (int i = 0; i < SPM_N; i++)
        scores[i] = i < SPM_WS ? 0 : normal_scores[i - SPM_WS];
    for (int i = SPM_WS; i < SPM_N; i++)
        toks[i] = normal[i - SPM_WS], types[i] = CHORD_TT_NORMAL;
    chord_gguf_writer *w;
    cr_assert_eq(chord_gguf_writer_create(&w), CHORD_OK);
    cr_assert_eq(chord_gguf_set_str(w, "general.architecture", "llama"), CHORD_OK);
    cr_assert_eq(chord_gguf_set_str(w, "tokenizer.ggml.model", "llama"), CHORD_OK);
    cr_assert_eq(chord_gguf_set_str_array(w, "tokenizer.ggml.tokens", toks, SPM_N), CHORD_OK);
    cr_assert_eq(chord_gguf_set_array(w, "tokenizer.ggml.scores", CHORD_GGUF_FLOAT32, scores, SPM_N), CHORD_OK);
    cr_assert_eq(chord_gguf_set_array(w, "tokenizer.ggml.token_type", CHORD_GGUF_INT32, types, SPM_N), CHORD_OK);
    cr_assert_eq(chord_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", 1), CHORD_OK);
    cr_assert_eq(chord_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", 2), CHORD_OK);
    cr_assert_eq(chord_gguf_set_u32(w, "tokenizer.ggml.unknown_token_id", 0), CHORD_OK);
    *g = open_written(w, mem);
    chord_tokenizer *t;
    cr_assert_eq(chord_tokenizer_load(*g, &t), CHORD_OK, "%s", chord_last_error());
    return t;
}

static void spm_free(chord_tokenizer *t, chord_gguf *g, void *mem)
{
    chord_tokenizer_free(t);
    chord_gguf_close(g);
    free(mem);
}

/* The fixture of most SPM tests: spm, the vocabulary with "ab" scored above "bc", and what it was loaded from. */
static chord_tokenizer *spm;
static chord_gguf *spm_g;
static void *spm_mem;
static void spm_setup(void) { spm = spm_tokenizer(-1, -2, &spm_g, &spm_mem); }
static void spm_teardown(void) { spm_free(spm, spm_g, spm_mem); }

Test(tokenizer_spm, scores_decide_merge_order)
{
    chord_gguf *g;
    void *mem;
    int32_t ids[MAX_IDS];
    /* "abc" is "\u2581abc": with "ab" scored highest it merges first and nothing merges after it */
    chord_tokenizer *t = spm_tokenizer(-1, -2, &g, &mem);
    int n = encode(t, "abc", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){SPM_WS, SPM_AB, SPM_C}, 3, "ab first");
    spm_free(t, g, mem);
    /* with "bc" highest, then "\u2581a" is the only pair left */
    t = spm_tokenizer(-2, -1, &g, &mem);
    n = encode(t, "abc", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){SPM_WS_A, SPM_BC}, 2, "bc first");
    assert_round_trip(t, "abc");
    spm_free(t, g, mem);
}

Test(tokenizer_spm, byte_fallback_bos_and_specials, .init = spm_setup, .fini = spm_teardown)
{
    int32_t ids[MAX_IDS];
    const chord_tokenizer *t = spm;
    cr_assert_eq(chord_tokenizer_bos(t), 1);
    cr_assert_eq(chord_tokenizer_eos(t), 2);
    cr_assert(chord_tokenizer_add_bos(t), "SPM adds bos by default");
    cr_assert(chord_tokenizer_is_eog(t, 2));
    cr_assert(!chord_tokenizer_is_eog(t, 1));
    /* "é" is not a piece: its two UTF-8 bytes fall back to <0xC3> <0xA9> */
    int n = encode(t, "a\xC3\xA9", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){SPM_WS_A, SPM_BYTE0 + 0xC3, SPM_BYTE0 + 0xA9}, 3, "byte fallback");
    assert_round_trip(t, "a\xC3\xA9");
    n = encode(t, "a b", 1, 0, ids);
    assert_ids(ids, n, (int32_t[]){1, SPM_WS_A, SPM_WS, SPM_B}, 4, "bos, spaces as U+2581");
    char out[64];
    int len = chord_detokenize(t, ids, n, 1, out, sizeof out);
    cr_assert(len == 3 && memcmp(out, "a b", 3) == 0, "prefix space removed, bos skipped: \"%.*s\"", len, out);
    assert_round_trip(t, "x\tz"); /* nothing of this is a piece: all bytes */
    /* a special token in the text, and the prefix space again after it (llama.cpp's rule) */
    n = encode(t, "ab</s>c", 0, 1, ids);
    assert_ids(ids, n, (int32_t[]){SPM_WS, SPM_AB, 2, SPM_WS, SPM_C}, 5, "special in text");
}

/* Found by tests/fuzz (fuzz_tokenizer): text that starts with a space encodes as two U+2581 tokens (the prefix space
 * and its own); decoding dropped both, since each came while nothing had been written yet. Only the first goes. */
Test(tokenizer_spm, prefix_space_removed_once, .init = spm_setup, .fini = spm_teardown)
{
    int32_t ids[MAX_IDS];
    const chord_tokenizer *t = spm;
    int n = encode(t, " b", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){SPM_WS, SPM_WS, SPM_B}, 3, "prefix space, then the text's own");
    assert_round_trip(t, " b");
    assert_round_trip(t, "  \x81");
    n = encode(t, " b", 1, 0, ids); /* bos skipped as a special: the prefix space still goes, once */
    char out[16];
    int len = chord_detokenize(t, ids, n, 1, out, sizeof out);
    cr_assert(len == 2 && memcmp(out, " b", 2) == 0, "\"%.*s\"", len, out);
}

Test(tokenizer_spm, unsupported_model)
{
    chord_gguf_writer *w;
    void *mem;
    cr_assert_eq(chord_gguf_writer_create(&w), CHORD_OK);
    cr_assert_eq(chord_gguf_set_str(w, "tokenizer.ggml.model", "bert"), CHORD_OK);
    const char *toks[] = {"a"};
    cr_assert_eq(chord_gguf_set_str_array(w, "tokenizer.ggml.tokens", toks, 1), CHORD_OK);
    chord_gguf *g = open_written(w, &mem);
    chord_tokenizer *t = (chord_tokenizer *)1;
    cr_assert_eq(chord_tokenizer_load(g, &t), CHORD_ERR_UNSUPPORTED);
    cr_assert_null(t);
    cr_assert(strstr(chord_last_error(), "bert"), "%s", chord_last_error());
    chord_gguf_close(g);
    free(mem);
}

/* A small byte-level vocabulary: the 256 byte characters, <|endoftext|>, "ab", "\u0120a", "12", with merges
 * "a b" (rank 0), "\u0120 a" (1), "1 2" (2). bad: 1 token_type too short, 2 a merge without a space,
 * 3 eos out of range. */
enum { G2_EOT = 256, G2_AB, G2_SPACE_A, G2_12, G2_N };

static chord_status gpt2_file(const char *pre, int bad, chord_gguf **g, void **mem, chord_tokenizer **t)
{
    static char chars[256][4];
    const char *toks[G2_N];
    int32_t types[G2_N];
    for (int b = 0; b < 256; b++) { /* token b is byte b's character */
        chars[b][chord_tok_utf8_encode(chord_tok_byte_to_cp((uint8_t)b), chars[b])] = 0;
        toks[b] = chars[b], types[b] = CHORD_TT_NORMAL;
    }
    toks[G2_EOT] = "<|endoftext|>", types[G2_EOT] = CHORD_TT_CONTROL;
    toks[G2_AB] = "ab",
    toks[G2_SPACE_A] = "\xC4\xA0"
                       "a",
    toks[G2_12] = "12";
    types[G2_AB] = types[G2_SPACE_A] = types[G2_12] = CHORD_TT_NORMAL;
    const char *merges[] = {"a b",
                            bad == 2 ? "\xC4\xA0"
                                       "a"
                                     : "\xC4\xA0 a",
                            "1 2"};
    chord_gguf_writer *w;
    cr_assert_eq(chord_gguf_writer_create(&w), CHORD_OK);
    cr_assert_eq(chord_gguf_set_str(w, "tokenizer.ggml.model", "gpt2"), CHORD_OK);
    if (pre)
        cr_assert_eq(chord_gguf_set_str(w, "tokenizer.ggml.pre", pre), CHORD_OK);
    cr_assert_eq(chord_gguf_set_str_array(w, "tokenizer.ggml.tokens", toks, G2_N), CHORD_OK);
    cr_assert_eq(chord_gguf_set_array(w, "tokenizer.ggml.token_type", CHORD_GGUF_INT32, types, G2_N - (bad == 1)),
                 CHORD_OK);
    cr_assert_eq(chord_gguf_set_str_array(w, "tokenizer.ggml.merges", merges, 3), CHORD_OK);
    if (bad == 3)
        cr_assert_eq(chord_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", G2_N), CHORD_OK);
    *g = open_written(w, mem);
    *t = NULL;
    return chord_tokenizer_load(*g, t);
}

Test(tokenizer_gpt2, defaults_ranks_and_splits)
{
    chord_gguf *g;
    void *mem;
    chord_tokenizer *t;
    int32_t ids[MAX_IDS];
    cr_assert_eq(gpt2_file(NULL, 0, &g, &mem, &t), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_tokenizer_eos(t), G2_EOT, "eos defaults to <|endoftext|>");
    cr_assert_eq(chord_tokenizer_bos(t), G2_EOT);
    cr_assert(!chord_tokenizer_add_bos(t), "gpt2 vocabularies add no bos by default");
    cr_assert(chord_tokenizer_is_eog(t, G2_EOT));
    /* " ab": "a b" outranks "\u0120 a", so [\u0120, ab] and not [\u0120a, b] */
    int n = encode(t, "ab ab", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){G2_AB, ' ', G2_AB}, 3, "rank order"); /* token 32 is the space's character */
    /* no tokenizer.ggml.pre: GPT-2's split keeps " 12" together, so "1 2" merges */
    n = encode(t, " 12", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){32, G2_12}, 2, "gpt2 split");
    assert_round_trip(t, "a\xF0\x9F\x98\x80 12 \xFF");
    spm_free(t, g, mem);
    /* "smollm" isolates digits: "1 2" cannot apply */
    cr_assert_eq(gpt2_file("smollm", 0, &g, &mem, &t), CHORD_OK, "%s", chord_last_error());
    n = encode(t, " 12", 0, 0, ids);
    assert_ids(ids, n, (int32_t[]){32, '1', '2'}, 3, "smollm split");
    spm_free(t, g, mem);
}

Test(tokenizer_gpt2, malformed_metadata)
{
    static const char *const why[] = {"", "token_type", "merges", "eos_token_id"};
    for (int bad = 1; bad <= 3; bad++) {
        chord_gguf *g;
        void *mem;
        chord_tokenizer *t;
        cr_assert_eq(gpt2_file("gpt2", bad, &g, &mem, &t), CHORD_ERR_FORMAT, "case %d", bad);
        cr_assert_null(t);
        cr_assert(strstr(chord_last_error(), why[bad]), "case %d: %s", bad, chord_last_error());
        chord_gguf_close(g);
        free(mem);
    }
}

/* ---- pre-tokenizer splits and UTF-8 streaming, no vocabulary needed ---- */

/* The texts each pre-tokenizer splits in split_cases, one row of words per text there. The words were generated
 * from the reference regexes (tokenizer_internal.h) with Python's `regex` module; DIGITS first splits off every
 * \p{N}. */
static const char *const split_texts[] = {
    "Hello world",
    "I'm 12345 ok",
    "It'S we'LL 'x",
    "a  b   c\n\n d\t\te ",
    " 12 x3y",
    "tab\tword (paren) x+=1;",
    "line1\r\n\r\n  line2\n",
    "na\xC3\xAFve \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80\xF0\x9F\x98\x80 x",
    "  \n  a",
    "\xC2\xBD and \xD9\xA3\xD9\xA4\xD9\xA5 digits",
    "$$$ !!!\nq",
    "\xC2\xA0"
    "a\xE3\x80\x80"
    "b",
};
#define N_SPLIT_TEXTS (sizeof split_texts / sizeof split_texts[0])

static const struct {
    chord_tok_pre pre;
    const char *words[N_SPLIT_TEXTS][12]; /* [text][word], NULL after the last word */
} split_cases[] = {
    {CHORD_PRE_GPT2,
     {{"Hello", " world"},
      {"I", "'m", " 12345", " ok"},
      {"It", "'", "S", " we", "'", "LL", " '", "x"},
      {"a", " ", " b", "  ", " c", "\n\n", " d", "\t", "\t", "e", " "},
      {" 12", " x", "3", "y"},
      {"tab", "\t", "word", " (", "paren", ")", " x", "+=", "1", ";"},
      {"line", "1", "\r\n\r\n ", " line", "2", "\n"},
      {"na\xC3\xAFve", " \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", " \xF0\x9F\x98\x80\xF0\x9F\x98\x80", " x"},
      {"  \n ", " a"},
      {"\xC2\xBD", " and", " \xD9\xA3\xD9\xA4\xD9\xA5", " digits"},
      {"$$$", " !!!", "\n", "q"},
      {"\xC2\xA0", "a", "\xE3\x80\x80", "b"}}},
    {CHORD_PRE_DIGITS,
     {{"Hello", " world"},
      {"I", "'m", " ", "1", "2", "3", "4", "5", " ok"},
      {"It", "'", "S", " we", "'", "LL", " '", "x"},
      {"a", " ", " b", "  ", " c", "\n\n", " d", "\t", "\t", "e", " "},
      {" ", "1", "2", " x", "3", "y"},
      {"tab", "\t", "word", " (", "paren", ")", " x", "+=", "1", ";"},
      {"line", "1", "\r\n\r\n ", " line", "2", "\n"},
      {"na\xC3\xAFve", " \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", " \xF0\x9F\x98\x80\xF0\x9F\x98\x80", " x"},
      {"  \n ", " a"},
      {"\xC2\xBD", " and", " ", "\xD9\xA3", "\xD9\xA4", "\xD9\xA5", " digits"},
      {"$$$", " !!!", "\n", "q"},
      {"\xC2\xA0", "a", "\xE3\x80\x80", "b"}}},
    {CHORD_PRE_LLAMA3,
     {{"Hello", " world"},
      {"I", "'m", " ", "123", "45", " ok"},
      {"It", "'S", " we", "'LL", " '", "x"},
      {"a", " ", " b", "  ", " c", "\n\n", " d", "\t", "\te", " "},
      {" ", "12", " x", "3", "y"},
      {"tab", "\tword", " (", "paren", ")", " x", "+=", "1", ";"},
      {"line", "1", "\r\n\r\n", " ", " line", "2", "\n"},
      {"na\xC3\xAFve", " \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", " \xF0\x9F\x98\x80\xF0\x9F\x98\x80", " x"},
      {"  \n", " ", " a"},
      {"\xC2\xBD", " and", " ", "\xD9\xA3\xD9\xA4\xD9\xA5", " digits"},
      {"$$$", " !!!\n", "q"},
      {"\xC2\xA0"
       "a",
       "\xE3\x80\x80"
       "b"}}},
};

Test(pretokenizer, matches_reference_regexes)
{
    for (size_t c = 0; c < sizeof split_cases / sizeof split_cases[0]; c++) {
        for (size_t x = 0; x < N_SPLIT_TEXTS; x++) {
            const char *s = split_texts[x];
            const char *const *words = split_cases[c].words[x];
            size_t n = strlen(s), seg_end = 0, pos = 0;
            int w = 0;
            while (pos < n) {
                size_t end = chord_tok_pre_next(split_cases[c].pre, s, n, pos, &seg_end);
                const char *want = words[w];
                cr_assert(want && end - pos == strlen(want) && memcmp(s + pos, want, end - pos) == 0,
                          "pre %d, \"%s\": word %d is \"%.*s\", want \"%s\"", (int)split_cases[c].pre, s, w,
                          (int)(end - pos), s + pos, want ? want : "(none)");
                pos = end, w++;
            }
            cr_assert_null(words[w], "pre %d, \"%s\": fewer words than the reference", (int)split_cases[c].pre, s);
        }
    }
}

Test(utf8_stream, holds_back_incomplete_sequences)
{
    chord_utf8_stream s = {0};
    char out[16];
    const char *euro = "\xE2\x82\xAC"; /* 3 bytes, fed one at a time */
    cr_assert_eq(chord_utf8_stream_push(&s, euro, 1, out, sizeof out), 0);
    cr_assert_eq(chord_utf8_stream_push(&s, euro + 1, 1, out, sizeof out), 0);
    cr_assert_eq(chord_utf8_stream_push(&s, euro + 2, 1, out, sizeof out), 3);
    cr_assert(memcmp(out, euro, 3) == 0);
    /* ASCII then the start of a 4-byte character: the ASCII goes out, the lead byte waits */
    cr_assert_eq(chord_utf8_stream_push(&s, "ab\xF0\x9F", 4, out, sizeof out), 2);
    cr_assert(memcmp(out, "ab", 2) == 0);
    cr_assert_eq(chord_utf8_stream_push(&s, "\x98\x80z", 3, out, sizeof out), 5);
    cr_assert(memcmp(out, "\xF0\x9F\x98\x80z", 5) == 0);
    /* malformed bytes pass through; a dangling lead byte comes out at flush */
    cr_assert_eq(chord_utf8_stream_push(&s, "\x80\xFFq\xE2", 4, out, sizeof out), 3);
    cr_assert(memcmp(out, "\x80\xFFq", 3) == 0);
    cr_assert_eq(chord_utf8_stream_push(&s, "x", 1, out, 1), (size_t)-1, "too small: nothing consumed");
    cr_assert_eq(chord_utf8_stream_flush(&s, out, sizeof out), 1);
    cr_assert_eq((unsigned char)out[0], 0xE2);
    cr_assert_eq(chord_utf8_stream_flush(&s, out, sizeof out), 0);
}

Test(utf8_stream, byte_map_is_a_bijection)
{
    for (int b = 0; b < 256; b++) {
        uint32_t cp = chord_tok_byte_to_cp((uint8_t)b);
        cr_assert(cp > ' ' && !chord_tok_is_space(cp), "byte %d maps to a visible character", b);
        cr_assert_eq(chord_tok_cp_to_byte(cp), b);
    }
    cr_assert_eq(chord_tok_byte_to_cp(' '), 0x120, "space is U+0120 (the \"G-dot\" of GPT-2 vocabularies)");
    cr_assert_eq(chord_tok_cp_to_byte(0x4E00), -1);
}
