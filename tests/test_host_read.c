/* bench/host_read.c, chord-bench's host ceilings. host/read: a real buffer read over one and several threads gives a
 * positive, finite rate; bad sizes, thread and repetition counts are refused with a message, not run. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "host_read.h"

#define BYTES (64u << 20)

Test(host_read, measures_over_one_and_several_threads)
{
    const int threads[] = {1, 2, 3};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        double gbps = -1;
        cr_assert_eq(chord_bench_host_read(BYTES, threads[i], 3, &gbps), CHORD_OK, "%d threads: %s", threads[i],
                     chord_last_error());
        /* above 0 and below any memory system's rate: a broken timer gives 0, inf or a negative figure */
        cr_expect(gbps > 0 && isfinite(gbps) && gbps < 1e5, "%d threads: %g GB/s", threads[i], gbps);
    }
}

Test(host_read, odd_size_is_read_whole_words)
{
    double gbps = -1;
    cr_assert_eq(chord_bench_host_read(BYTES + 13, 3, 1, &gbps), CHORD_OK, "%s", chord_last_error());
    cr_expect(gbps > 0 && isfinite(gbps));
}

Test(host_read, refuses_bad_arguments)
{
    const struct {
        size_t bytes;
        int threads, reps;
    } bad[] = {{BYTES, 0, 3}, {BYTES, 1025, 3}, {BYTES, 1, 0}, {BYTES, 1, 65}, {8, 2, 1}, {0, 1, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double gbps = -1;
        cr_expect_eq(chord_bench_host_read(bad[i].bytes, bad[i].threads, bad[i].reps, &gbps), CHORD_ERR_INVALID,
                     "bytes %zu, threads %d, reps %d accepted", bad[i].bytes, bad[i].threads, bad[i].reps);
        cr_expect(strstr(chord_last_error(), "host read") != NULL, "message: '%s'", chord_last_error());
        cr_expect_eq(gbps, -1, "the rate was written on a refusal");
    }
}

/* host/fma: every path this CPU has gives a positive, finite rate and reports the path it timed; a CHORD_CPU_ISA
 * naming a path above the CPU's is refused, as the cpu backend refuses it. */
Test(host_fma, measures_each_path_the_cpu_has)
{
    static const char *const names[] = {"portable", "avx2", "avx512"};
    const chord_cpu_isa best = chord_cpu_isa_detect();
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(setenv("CHORD_CPU_ISA", names[i], 1), 0);
        double gflops = -1;
        chord_cpu_isa isa = (chord_cpu_isa)-1;
        const chord_status s = chord_bench_host_fma(2, 1, &gflops, &isa);
        if ((chord_cpu_isa)i > best) {
            cr_expect_neq(s, CHORD_OK, "%s accepted on a CPU whose best path is %s", names[i],
                          chord_cpu_isa_name(best));
            continue;
        }
        cr_assert_eq(s, CHORD_OK, "%s: %s", names[i], chord_last_error());
        cr_expect_eq((int)isa, i, "%s: timed path %d", names[i], (int)isa);
        cr_expect(gflops > 0 && isfinite(gflops) && gflops < 1e6, "%s: %g GFLOP/s", names[i], gflops);
    }
    unsetenv("CHORD_CPU_ISA");
}

Test(host_fma, refuses_bad_counts)
{
    const int bad[][2] = {{0, 1}, {1025, 1}, {1, 0}, {1, 65}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double gflops = -1;
        chord_cpu_isa isa;
        cr_expect_eq(chord_bench_host_fma(bad[i][0], bad[i][1], &gflops, &isa), CHORD_ERR_INVALID,
                     "threads %d, reps %d accepted", bad[i][0], bad[i][1]);
        cr_expect_eq(gflops, -1, "the rate was written on a refusal");
    }
}
