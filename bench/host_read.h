/* The host CPU's memory-read ceiling: what the CPU backends' decode steps are bound by, since a decode step reads
 * every weight once and writes next to nothing. A copy (ref/copy/256MiB) is not that ceiling: it also writes, and
 * one thread's memcpy reads slower than several cores summing. */
#ifndef CHORD_BENCH_HOST_READ_H
#define CHORD_BENCH_HOST_READ_H

#include <stddef.h>

#include "chord.h"

/* Reads a buffer of `bytes` (touched first, so no page is untouched) over `threads` threads, each summing its own
 * slice; median over `reps` timed passes after one untimed pass. *gbps = bytes / median time. */
chord_status chord_bench_host_read(size_t bytes, int threads, int reps, double *gbps);

#endif
