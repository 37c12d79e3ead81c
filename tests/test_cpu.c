/* The cpu backend's own machinery: the thread pool (every task exactly once, whatever the ratio of tasks to
 * threads, over many jobs in a row) and the SIMD path choice (CHORD_CPU_ISA forces each path this machine has, and
 * each forced path passes the whole small case table; a name the CPU lacks or does not know is an error). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "common/cpu_isa.h"
#include "common/cpu_pool.h"
#include "matmul/cpu_rows.h"

typedef struct counts {
    atomic_int *hits; /* (n_tasks) */
} counts;

static void hit(void *ctx, int task) { atomic_fetch_add(&((counts *)ctx)->hits[task], 1); }

static void hit_range(void *ctx, int64_t i0, int64_t i1)
{
    for (int64_t i = i0; i < i1; i++)
        atomic_fetch_add(&((counts *)ctx)->hits[i], 1);
}

/* jobs rounds of n_tasks tasks on a pool of n_threads: each task runs exactly once per round */
static void run_pool(int n_threads, int n_tasks, int jobs)
{
    chord_cpu_pool *pool = NULL;
    cr_assert_eq(chord_cpu_pool_create(n_threads, &pool), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_cpu_pool_threads(pool), n_threads);
    counts c = {calloc((size_t)n_tasks, sizeof *c.hits)};
    cr_assert_not_null(c.hits);
    for (int j = 0; j < jobs; j++)
        chord_cpu_parallel(pool, n_tasks, hit, &c);
    for (int i = 0; i < n_tasks; i++)
        cr_expect_eq(atomic_load(&c.hits[i]), jobs, "%d threads, %d tasks: task %d ran %d times in %d jobs", n_threads,
                     n_tasks, i, atomic_load(&c.hits[i]), jobs);
    free(c.hits);
    chord_cpu_pool_destroy(pool);
}

Test(cpu_pool, many_tasks_one_thread) { run_pool(1, 100000, 1); }
Test(cpu_pool, more_threads_than_tasks) { run_pool(8, 3, 200); }
Test(cpu_pool, many_jobs_in_a_row) { run_pool(4, 37, 5000); }
Test(cpu_pool, no_task) { run_pool(3, 0, 10); }

Test(cpu_pool, range_covers_each_index_once)
{
    chord_cpu_pool *pool = NULL;
    cr_assert_eq(chord_cpu_pool_create(3, &pool), CHORD_OK, "%s", chord_last_error());
    const int64_t n = 100003;
    counts c = {calloc((size_t)n, sizeof *c.hits)};
    cr_assert_not_null(c.hits);
    chord_cpu_parallel_range(pool, n, 7, 32, hit_range, &c);
    for (int64_t i = 0; i < n; i++)
        cr_expect_eq(atomic_load(&c.hits[i]), 1, "index %" PRId64 " ran %d times", i, atomic_load(&c.hits[i]));
    free(c.hits);
    chord_cpu_pool_destroy(pool);
}

Test(cpu_pool, bad_thread_count_is_an_error)
{
    chord_cpu_pool *pool = NULL;
    cr_expect_eq(chord_cpu_pool_create(0, &pool), CHORD_ERR_INVALID);
    cr_expect_null(pool);
}

/* Every small case on the cpu backend with CHORD_CPU_ISA=name; the device line names the path. Returns the cases
 * the backend skipped: every path must refuse the same ones, but for the split layouts (cases named *_split),
 * which the AVX2 and AVX-512 paths run (kernels/matmul/cpu_split_avx2.c, cpu_split_avx512.c) and must then pass,
 * and the portable path refuses. */
static int check_forced(const char *name, chord_cpu_isa isa)
{
    cr_assert_eq(setenv("CHORD_CPU_ISA", name, 1), 0);
    chord_rt rt;
    cr_assert_eq(chord_open("cpu", &rt, NULL), CHORD_OK, "CHORD_CPU_ISA=%s: %s", name, chord_last_error());
    cr_expect(strstr(rt.info.detail, chord_cpu_isa_name(isa)), "CHORD_CPU_ISA=%s: device says '%s'", name,
              rt.info.detail);
    const uint64_t seed = (uint64_t)time(NULL);
    int passed = 0, skipped = 0;
    for (int i = 0; i < chord_case_count(); i++) {
        const chord_case *c = chord_case_at(i);
        if (c->size != CHORD_CASE_SMALL)
            continue;
        chord_check_result r;
        const chord_status s = chord_check_case(&rt, c, chord_case_seed(seed, i), &r);
        cr_expect(s == CHORD_OK, "CHORD_CPU_ISA=%s: %s %s: %s (seed %" PRIu64 ")", name, chord_op_name(c->op), c->name,
                  r.message, seed);
        const int split = strstr(c->name, "_split") != NULL;
        if (split && s == CHORD_OK && c->op != CHORD_OP_DEQUANT)
            cr_expect(r.skipped == (isa == CHORD_CPU_PORTABLE), "CHORD_CPU_ISA=%s: %s %s %s", name,
                      chord_op_name(c->op), c->name, r.skipped ? "skipped" : "ran");
        if (split && c->op != CHORD_OP_DEQUANT)
            continue;
        if (s == CHORD_OK && r.skipped)
            skipped++;
        else if (s == CHORD_OK)
            passed++;
    }
    cr_expect_gt(passed, 0, "CHORD_CPU_ISA=%s passed no case", name);
    chord_close(&rt);
    unsetenv("CHORD_CPU_ISA");
    return skipped;
}

Test(cpu_isa, every_path_here_passes_the_case_table)
{
    static const char *const names[] = {"portable", "avx2", "avx512"};
    const chord_cpu_isa best = chord_cpu_isa_detect();
    const int skipped = check_forced(names[0], CHORD_CPU_PORTABLE);
    for (int i = 1; i <= (int)best; i++)
        cr_expect_eq(check_forced(names[i], (chord_cpu_isa)i), skipped, "%s skips other cases than portable", names[i]);
}

Test(cpu_isa, unknown_or_missing_path_is_an_error)
{
    chord_rt rt;
    setenv("CHORD_CPU_ISA", "avx9000", 1);
    cr_expect_eq(chord_open("cpu", &rt, NULL), CHORD_ERR_INVALID);
    cr_expect(strstr(chord_last_error(), "CHORD_CPU_ISA=avx9000"), "%s", chord_last_error());
    if (chord_cpu_isa_detect() < CHORD_CPU_AVX512) {
        setenv("CHORD_CPU_ISA", "avx512", 1);
        cr_expect_eq(chord_open("cpu", &rt, NULL), CHORD_ERR_UNSUPPORTED, "%s", chord_last_error());
    }
    unsetenv("CHORD_CPU_ISA");
}

/* The opt-in 8-bit-activation GEMM (CHORD_CPU_Q8_ACT=1, kernels/matmul/cpu_q8_avx512.c) against its own bound:
 * NMSE <= CHORD_CPU_Q8_NMSE on the case table's fills (measured ~1.7e-5: 8-bit rounding of uniform values, 1/(4 *
 * 127^2)), with rounding error actually present (so the path ran), the guard untouched; m = 1 stays exact. */
Test(cpu_q8_act, q8_act_matmul_within_its_bound)
{
    if (chord_cpu_isa_detect() < CHORD_CPU_AVX512 || !chord_cpu_has_vnni())
        cr_skip_test("no AVX-512 VNNI here: the 8-bit path does not run");
    const chord_case cases[] = {
        {.op = CHORD_OP_MATMUL, .name = "q4_0_split 17x70x2048", .size = CHORD_CASE_SMALL,
         .args = CHORD_ARGS(chord_matmul_args, 17, 70, 2048, CHORD_TYPE_Q4_0_SPLIT)},
        {.op = CHORD_OP_MATMUL, .name = "q4_1_split 5x67x1536", .size = CHORD_CASE_SMALL,
         .args = CHORD_ARGS(chord_matmul_args, 5, 67, 1536, CHORD_TYPE_Q4_1_SPLIT)},
        {.op = CHORD_OP_MATMUL, .name = "q4_0_split 3x129x768", .size = CHORD_CASE_SMALL,
         .args = CHORD_ARGS(chord_matmul_args, 3, 129, 768, CHORD_TYPE_Q4_0_SPLIT)},
        {.op = CHORD_OP_MATMUL, .name = "q4_0_split 1x577x512 (decode: exact)", .size = CHORD_CASE_SMALL,
         .args = CHORD_ARGS(chord_matmul_args, 1, 577, 512, CHORD_TYPE_Q4_0_SPLIT)},
    };
    cr_assert_eq(setenv("CHORD_CPU_Q8_ACT", "1", 1), 0);
    chord_rt rt;
    cr_assert_eq(chord_open("cpu", &rt, NULL), CHORD_OK, "%s", chord_last_error());
    unsetenv("CHORD_CPU_Q8_ACT");
    const uint64_t seed = (uint64_t)time(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const chord_case *c = &cases[i];
        const int decode = ((const chord_matmul_args *)c->args)->m == 1;
        chord_check_result r;
        cr_assert_eq(chord_check_case(&rt, c, chord_case_seed(seed, (int)i), &r), CHORD_OK, "%s: %s", c->name,
                     r.message);
        cr_expect(!r.skipped, "%s skipped: %s", c->name, r.message);
        cr_expect(r.guard_ok, "%s wrote past its output", c->name);
        if (decode) {
            cr_expect(r.passed, "%s: %s (seed %" PRIu64 ")", c->name, r.message, seed);
        } else {
            cr_expect(r.nmse <= CHORD_CPU_Q8_NMSE, "%s: NMSE %.3e > %.0e (seed %" PRIu64 ")", c->name, r.nmse,
                      CHORD_CPU_Q8_NMSE, seed);
            cr_expect(r.nmse > 1e-9, "%s: NMSE %.3e, the exact path's: the 8-bit one did not run", c->name, r.nmse);
        }
    }
    chord_close(&rt);
}
