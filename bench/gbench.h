/* A thin C face on Google Benchmark: register functions, time them by hand (device timers), add counters. */
#ifndef CHORD_GBENCH_H
#define CHORD_GBENCH_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct chord_bench_state chord_bench_state;
typedef void (*chord_bench_fn)(chord_bench_state *st, void *user);

/* Registers a benchmark timed with manual (device) time; min_time in seconds, 0 for the default. */
void chord_bench_register(const char *name, chord_bench_fn fn, void *user, double min_time);
int chord_bench_keep_running(chord_bench_state *st);
void chord_bench_set_iteration_time(chord_bench_state *st, double seconds);
void chord_bench_counter(chord_bench_state *st, const char *name, double value);
void chord_bench_label(chord_bench_state *st, const char *label);
void chord_bench_error(chord_bench_state *st, const char *message);
void chord_bench_context(const char *key, const char *value);
/* Parses Google Benchmark's flags (--benchmark_filter, --benchmark_format=json, ...) and runs. */
int chord_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
