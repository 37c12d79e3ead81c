/* Chat prompt formatting from the model's tokenizer.chat_template. A Jinja engine is out of scope: the template
 * text is matched against the known families and rendered by hand. */
#ifndef CHORD_CHAT_H
#define CHORD_CHAT_H

#include <stddef.h>

#include "gguf.h"

/* Formats one user turn (optional system prompt, NULL or "" for none) with the model's chat template
 * (tokenizer.chat_template detected as chatml (SmolLM2), llama2 [INST], llama3, zephyr...), ending where the
 * assistant's reply starts. Without a recognized template: chatml if the vocabulary has <|im_start|>, else "plain"
 * (system and user text separated by a blank line). A chatml template's built-in default system turn (SmolLM2's)
 * is written when system is NULL or "". CHORD_ERR_INVALID if out is too small. */
chord_status chord_chat_format(const chord_gguf *g, const char *system, const char *user, char *out, size_t size);
/* Name of the detected template family ("chatml", "llama2", "llama3", "zephyr", "plain"). */
const char *chord_chat_template_name(const chord_gguf *g);

#endif
