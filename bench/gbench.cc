// Google Benchmark behind the C interface in gbench.h.
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <string>

struct chord_bench_state {
    benchmark::State *state;
};

void chord_bench_register(const char *name, chord_bench_fn fn, void *user, double min_time)
{
    auto *b = benchmark::RegisterBenchmark(name, [fn, user](benchmark::State &st) {
        chord_bench_state s{&st};
        fn(&s, user);
    });
    b->UseManualTime()->Unit(benchmark::kMillisecond);
    if (min_time > 0)
        b->MinTime(min_time);
}

int chord_bench_keep_running(chord_bench_state *st) { return st->state->KeepRunning(); }

void chord_bench_set_iteration_time(chord_bench_state *st, double seconds) { st->state->SetIterationTime(seconds); }

void chord_bench_counter(chord_bench_state *st, const char *name, double value)
{
    st->state->counters[name] = benchmark::Counter(value);
}

void chord_bench_label(chord_bench_state *st, const char *label) { st->state->SetLabel(label); }

void chord_bench_error(chord_bench_state *st, const char *message) { st->state->SkipWithError(message); }

void chord_bench_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }

int chord_bench_main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
