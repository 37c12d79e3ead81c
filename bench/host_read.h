/* The host CPU's memory-read ceiling: what the CPU backends' decode steps are bound by, since a decode step reads
 * every weight once and writes next to nothing. A copy (ref/copy/256MiB) is not that ceiling: it also writes, and
 * one thread's memcpy reads slower than several cores summing. */
#ifndef CHORD_BENCH_HOST_READ_H
#define CHORD_BENCH_HOST_READ_H

#include <stddef.h>

#include "chord.h"
#include "common/cpu_isa.h"

/* Reads a buffer of `bytes` (touched first, so no page is untouched) over `threads` threads, each summing its own
 * slice; median over `reps` timed passes after one untimed pass. *gbps = bytes / median time. */
chord_status chord_bench_host_read(size_t bytes, int threads, int reps, double *gbps);

/* The f32 FMA peak of `threads` threads on the widest path the cpu backend runs (chord_cpu_isa_select: the CPU's,
 * the OS's and CHORD_CPU_ISA's say), median over `reps` timed passes after one untimed pass: the ceiling of the
 * cpu backend's GEMMs, whose activations stay f32. *isa says which path was timed. */
chord_status chord_bench_host_fma(int threads, int reps, double *gflops, chord_cpu_isa *isa);

#endif
