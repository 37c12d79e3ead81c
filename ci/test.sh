#!/usr/bin/env bash
# The one test command: installs what is missing, fetches the default model, builds every API whose
# toolchain is here, and runs all tests (chord check, a bench smoke run, tests/consumer built against an install
# into a temporary prefix (ci/consumer.sh), the model verified per API, the Criterion suites under CTest), then each
# libFuzzer target for 60 s (ci/fuzz.sh, its own build dir; any finding fails the run).
# It builds the tests and the benchmark whatever the build directory was configured with before (ci/run-main.sh
# configures the same directory without them), and fails when a suite or ctest runs no test.
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
source "$(dirname "$0")/env.sh"
export CHORD_MODEL_DIR=$(dirname "$model")
echo "ci/test.sh: default model at $model"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHORD_TESTS=ON -DCHORD_BENCH=ON ${CHORD_CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"

export POCL_CACHE_DIR="$root/$build/cache/pocl" MESA_SHADER_CACHE_DIR="$root/$build/cache/mesa"
export CHORD_SEED=${CHORD_SEED:-$(date +%s)}
echo "ci/test.sh: seed $CHORD_SEED (set CHORD_SEED to reproduce)"
"$build/bin/chord" info
for b in $("$build/bin/chord" info | sed -n 's/^backends compiled in (preference order)://p'); do
  if [ "$b" = cuda ] && ! "$build/bin/chord" info | grep -q '^  cuda:0'; then
    echo "ci/test.sh: chord check -b cuda skipped: no CUDA device here"
    continue
  fi
  "$build/bin/chord" check -b "$b" --seed "$CHORD_SEED" > "$build/check-$b.txt"
  n_pass=$(grep -c ' pass$' "$build/check-$b.txt" || true)
  echo "ci/test.sh: chord check -b $b: passing cases: $n_pass"
  if [ "$n_pass" -eq 0 ]; then
    echo "ci/test.sh: chord check -b $b passed no case" >&2
    exit 1
  fi
done
"$build/bin/chord-bench" -t 2 --benchmark_filter='^(ref/(copy|add)|host/(read|fma))' --benchmark_min_time=0.05 \
  > "$build/bench-smoke.txt"
n_bench=$(grep -c -E '^(ref|host)/' "$build/bench-smoke.txt" || true)
echo "ci/test.sh: chord-bench smoke run: $n_bench benchmarks"
if [ "$n_bench" -eq 0 ]; then
  echo "ci/test.sh: chord-bench ran no benchmark" >&2
  exit 1
fi
# The model on every API this machine runs, checked token by token against the reference backend.
for b in cpu opencl vulkan; do
  if "$build/bin/chord" info | grep -q "^  $b:0"; then
    "$build/bin/chord" run -m "$model" -b "$b" -p "The capital of France is" -n 16 --verify > "$build/verify-$b.txt" 2>&1
    echo "ci/test.sh: $(tail -1 "$build/verify-$b.txt")"
  fi
done
# The installed library, used from outside the tree (find_package and pkg-config builds of tests/consumer).
bash ci/consumer.sh "$build" "$model"
# CI runs the model tests on every backend here (lavapipe and PoCL included), however slow: no timing-based skip.
export CHORD_MODEL_TEST_MAX_S=${CHORD_MODEL_TEST_MAX_S:-1000}
ctest --test-dir "$build" --output-on-failure --timeout 1500 --no-tests=error
# Each Criterion suite's own count, from the log of that run: every tests/test_*.c ran, and ran at least one test
# (other CTest entries, such as cuda_quant_hostcheck, are plain programs: ctest's exit status covers them).
n_sources=$(ls tests/test_*.c | wc -l)
awk -v want="$n_sources" '
  /^[0-9]+\/[0-9]+ Testing: / { name = $3; if (name !~ /^test_/) { name = ""; next }; seen[name] = ""; order[n++] = name }
  /Synthesis: Tested: / && name != "" { sub(/^.*Synthesis: /, ""); seen[name] = $0; tested[name] = $2 + 0 }
  END {
    bad = 0
    for (i = 0; i < n; i++) {
      s = order[i]
      print "ci/test.sh: " s ": " (seen[s] == "" ? "no Criterion summary" : seen[s])
      if (seen[s] == "" || tested[s] == 0) bad = 1
    }
    if (n != want) { print "ci/test.sh: " n " suites ran, tests/ has " want; bad = 1 }
    exit bad
  }' "$build/Testing/Temporary/LastTest.log"
# The fuzz targets, each from its seed corpus for CHORD_FUZZ_SECONDS (60): their exec counts and 0 findings.
bash ci/fuzz.sh "${CHORD_FUZZ_SECONDS:-60}"
