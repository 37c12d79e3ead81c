/* Chat prompt formatting: tokenizer.chat_template is only matched against the families below (by a marker each
 * one's template must contain) and the prompt is written by hand, which is exact for the common single-turn
 * case and avoids a Jinja engine.
 *   chatml  <|im_start|>   SmolLM2, Qwen: "<|im_start|>role\n...<|im_end|>\n"
 *   llama3  <|start_header_id|>: "<|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>"
 *   llama2  [INST]         "[INST] <<SYS>>\n...\n<</SYS>>\n\nuser [/INST]" (bos comes from the tokenizer)
 *   zephyr  <|user|>       TinyLlama chat: "<|role|>\n...</s>\n"
 * With no template, or one matching no family, chatml is used when the vocabulary has <|im_start|>, else
 * "plain": the system text and the user text separated by a blank line, for base models with no chat format. */
#include "chat.h"

#include <string.h>

typedef enum { CHAT_CHATML, CHAT_LLAMA3, CHAT_LLAMA2, CHAT_ZEPHYR, CHAT_PLAIN } chat_family;

static const char *const family_names[] = {"chatml", "llama3", "llama2", "zephyr", "plain"};

static const char *find_in(chord_gguf_str s, const char *needle)
{
    return memmem(s.ptr, s.len, needle, strlen(needle));
}

static int vocab_has(const chord_gguf *g, const char *piece)
{
    uint64_t n;
    const chord_gguf_str *items;
    if (!chord_gguf_has(g, "tokenizer.ggml.tokens") ||
        chord_gguf_get_str_array(g, "tokenizer.ggml.tokens", &n, &items) != CHORD_OK)
        return 0;
    for (uint64_t i = 0; i < n; i++)
        if (chord_gguf_str_eq(items[i], piece))
            return 1;
    return 0;
}

static chat_family detect(const chord_gguf *g, chord_gguf_str *tmpl)
{
    tmpl->ptr = NULL, tmpl->len = 0;
    if (chord_gguf_has(g, "tokenizer.chat_template") &&
        chord_gguf_get_str(g, "tokenizer.chat_template", tmpl) == CHORD_OK) {
        if (find_in(*tmpl, "<|im_start|>"))
            return CHAT_CHATML;
        if (find_in(*tmpl, "<|start_header_id|>"))
            return CHAT_LLAMA3;
        if (find_in(*tmpl, "[INST]"))
            return CHAT_LLAMA2;
        if (find_in(*tmpl, "<|user|>"))
            return CHAT_ZEPHYR;
    }
    return vocab_has(g, "<|im_start|>") ? CHAT_CHATML : CHAT_PLAIN;
}

const char *chord_chat_template_name(const chord_gguf *g)
{
    chord_gguf_str tmpl;
    return family_names[detect(g, &tmpl)];
}

/* A chatml template that writes a fixed system turn when the conversation has none (SmolLM2's "You are a
 * helpful AI assistant named SmolLM...") gets that text, so the prompt matches what the template renders.
 * Only a plain literal is taken: text with template syntax, quotes or escapes is left alone. */
static chord_gguf_str default_system(chord_gguf_str tmpl)
{
    chord_gguf_str none = {0, NULL};
    const char *p = tmpl.ptr ? find_in(tmpl, "<|im_start|>system") : NULL;
    if (!p)
        return none;
    const char *end = tmpl.ptr + tmpl.len;
    p += strlen("<|im_start|>system");
    if (p < end && *p == '\n')
        p++;
    else if (end - p >= 2 && p[0] == '\\' && p[1] == 'n')
        p += 2;
    else
        return none;
    chord_gguf_str rest = {(uint64_t)(end - p), p};
    const char *q = find_in(rest, "<|im_end|>");
    if (!q || q == p)
        return none;
    for (const char *c = p; c < q; c++)
        if (*c == '{' || *c == '}' || *c == '\'' || *c == '"' || *c == '\\' || *c == '+')
            return none;
    return (chord_gguf_str){(uint64_t)(q - p), p};
}

typedef struct {
    char *out;
    size_t size, len;
} builder;

static void add_n(builder *b, const char *s, size_t n)
{
    if (b->len + n < b->size)
        memcpy(b->out + b->len, s, n);
    b->len += n;
}

static void add(builder *b, const char *s) { add_n(b, s, strlen(s)); }

chord_status chord_chat_format(const chord_gguf *g, const char *system, const char *user, char *out, size_t size)
{
    chord_gguf_str tmpl;
    chat_family f = detect(g, &tmpl);
    builder b = {out, size, 0};
    int has_sys = system && system[0];
    switch (f) {
    case CHAT_CHATML:
        if (has_sys) {
            add(&b, "<|im_start|>system\n"), add(&b, system), add(&b, "<|im_end|>\n");
        } else {
            chord_gguf_str d = default_system(tmpl);
            if (d.len)
                add(&b, "<|im_start|>system\n"), add_n(&b, d.ptr, d.len), add(&b, "<|im_end|>\n");
        }
        add(&b, "<|im_start|>user\n"), add(&b, user), add(&b, "<|im_end|>\n<|im_start|>assistant\n");
        break;
    case CHAT_LLAMA3:
        if (has_sys)
            add(&b, "<|start_header_id|>system<|end_header_id|>\n\n"), add(&b, system), add(&b, "<|eot_id|>");
        add(&b, "<|start_header_id|>user<|end_header_id|>\n\n"), add(&b, user);
        add(&b, "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        break;
    case CHAT_LLAMA2:
        add(&b, "[INST] ");
        if (has_sys)
            add(&b, "<<SYS>>\n"), add(&b, system), add(&b, "\n<</SYS>>\n\n");
        add(&b, user), add(&b, " [/INST]");
        break;
    case CHAT_ZEPHYR:
        if (has_sys)
            add(&b, "<|system|>\n"), add(&b, system), add(&b, "</s>\n");
        add(&b, "<|user|>\n"), add(&b, user), add(&b, "</s>\n<|assistant|>\n");
        break;
    case CHAT_PLAIN:
        if (has_sys)
            add(&b, system), add(&b, "\n\n");
        add(&b, user);
        break;
    }
    if (b.len >= size) {
        if (size)
            out[0] = 0;
        return chord_fail(CHORD_ERR_INVALID, "chat: the %s prompt needs %zu bytes, the buffer has %zu", family_names[f],
                          b.len + 1, size);
    }
    out[b.len] = 0;
    return CHORD_OK;
}
