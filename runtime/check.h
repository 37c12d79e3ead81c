/* Runs one case on a backend and compares it with the reference: the core of tests and `chord check`. */
#ifndef CHORD_CHECK_H
#define CHORD_CHECK_H

#include "cases.h"
#include "chord.h"

typedef struct chord_check_result {
    int skipped; /* the backend lacks the op or type: reason in message */
    int passed;
    double nmse;
    double max_abs_err; /* largest |y - ref| */
    double worst_ratio; /* largest |y - ref| / (abs + rel * |ref|): <= 1 passes */
    int64_t n_bad;      /* elements outside the bound, NaN/Inf where the reference is finite included */
    int guard_ok;       /* the bytes after the output are untouched */
    char message[512];
} chord_check_result;

/* Fills inputs from seed, computes the reference on the host, poisons the output with NaN (and a guard region
 * after it with a pattern), launches on rt, downloads and compares. Returns non-OK only when the run itself
 * failed (allocation, API error); a wrong result is CHORD_OK with passed = 0. */
chord_status chord_check_case(chord_rt *rt, const chord_case *c, uint64_t seed, chord_check_result *r);

/* Per-case seed derived from the run's seed, so one printed number reproduces every case. */
uint64_t chord_case_seed(uint64_t seed, int case_index);

#endif
