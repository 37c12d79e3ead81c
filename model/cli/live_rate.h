/* chord run's live decode rate on stderr, for a person at a terminal: drawn only when stderr is a TTY, never with
 * --json or --verify (their output is kept whole), and only for runs long enough to watch (> LIVE_RATE_MIN_TOKENS).
 * When stdout is the same terminal, the rate trails the streamed text (cursor saved, drawn dim, cursor restored),
 * so the next token overwrites it and the text stays as it would be without it; otherwise it is one line
 * rewritten with \r. Cleared before the closing report. */
#ifndef CHORD_CLI_LIVE_RATE_H
#define CHORD_CLI_LIVE_RATE_H

#define LIVE_RATE_MIN_TOKENS 8

typedef struct live_rate {
    int on;            /* drawing at all */
    int trail;         /* stdout is the same terminal: draw after the text */
    double last_draw;  /* CLOCK_MONOTONIC ms of the last draw */
} live_rate;

/* Decides from the run's options and where stdout and stderr go. */
void live_rate_start(live_rate *r, int json, int verify, int n_predict);
/* After a decode step: n_decode tokens in decode_ms; redraws at most every 200 ms. */
void live_rate_step(live_rate *r, int n_decode, double decode_ms);
/* Erases what it drew (call before anything else goes to stderr). */
void live_rate_end(live_rate *r);

#endif
