# The libFuzzer targets (-DCHORD_FUZZ=ON; ci/fuzz.sh configures build-fuzz this way and runs them):
#   bin/fuzz_<target>  the target with libFuzzer's driver, ASan and UBSan (every UB report is fatal) over a copy of
#                      the library's reference sources built with the same instrumentation
#   bin/cov_<target>   the same harness over a copy built for source-based coverage (-fprofile-instr-generate
#                      -fcoverage-mapping), to replay a corpus and measure line coverage with llvm-cov
#   fuzz/seeds/<target>/, fuzz/gguf.dict   written by bin/fuzz_seeds at build time
# Targets: gguf (reader and accessors, the `gguf info` printer), tokenizer (vocabulary from the input, then encode
# and decode of the rest; chat formatting), model (hyperparameters, load and a 3-token ref evaluation), cli
# (argument parsing of chord run, chord gguf, chord info).
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "-DCHORD_FUZZ=ON needs clang (libFuzzer), but the C compiler is ${CMAKE_C_COMPILER_ID} "
                      "(${CMAKE_C_COMPILER}). Configure a build dir of its own: cmake -S . -B build-fuzz "
                      "-DCHORD_FUZZ=ON -DCMAKE_C_COMPILER=clang (ci/fuzz.sh does this)")
endif()
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer,address,undefined")
set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=fuzzer,address,undefined")
check_c_source_compiles("#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }" CHORD_LIBFUZZER_LINKS)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(NOT CHORD_LIBFUZZER_LINKS)
  message(FATAL_ERROR "${CMAKE_C_COMPILER} cannot link -fsanitize=fuzzer,address,undefined: install the compiler's "
                      "runtime libraries (Debian: libclang-rt-14-dev for clang 14; ci/setup.sh installs them)")
endif()

set(fuzz_src ${CMAKE_SOURCE_DIR}/tests/fuzz)
set(fuzz_sanitize -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
set(fuzz_coverage -fprofile-instr-generate -fcoverage-mapping)

chord_ref_library(chord_fuzz_lib)
target_compile_options(chord_fuzz_lib PRIVATE -fsanitize=fuzzer-no-link ${fuzz_sanitize})
chord_ref_library(chord_cov_lib)
target_compile_options(chord_cov_lib PRIVATE ${fuzz_coverage})

# The CLI files each harness calls into; fuzz_cli includes cmd_run.c itself (its parser is static).
set(fuzz_extra_gguf ${CMAKE_SOURCE_DIR}/model/cli/cmd_gguf.c)
set(fuzz_extra_cli ${CMAKE_SOURCE_DIR}/model/cli/cmd_gguf.c ${CMAKE_SOURCE_DIR}/model/cli/cmd_info.c
                    ${CMAKE_SOURCE_DIR}/model/cli/cli.c ${CMAKE_SOURCE_DIR}/model/cli/logits_out.c
                    ${CMAKE_SOURCE_DIR}/model/cli/live_rate.c)
set(CHORD_FUZZ_TARGETS gguf tokenizer model cli)
set(fuzz_binaries)
foreach(t ${CHORD_FUZZ_TARGETS})
  add_executable(fuzz_${t} ${fuzz_src}/fuzz_${t}.c ${fuzz_extra_${t}})
  target_link_libraries(fuzz_${t} PRIVATE chord_fuzz_lib)
  target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer ${fuzz_sanitize})
  target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer ${fuzz_sanitize})
  add_executable(cov_${t} ${fuzz_src}/fuzz_${t}.c ${fuzz_extra_${t}})
  target_link_libraries(cov_${t} PRIVATE chord_cov_lib)
  target_compile_options(cov_${t} PRIVATE -fsanitize=fuzzer-no-link ${fuzz_coverage})
  target_link_options(cov_${t} PRIVATE -fsanitize=fuzzer ${fuzz_coverage})
  foreach(b fuzz_${t} cov_${t})
    target_include_directories(${b} PRIVATE ${fuzz_src} ${CMAKE_SOURCE_DIR}/model/cli)
  endforeach()
  list(APPEND fuzz_binaries fuzz_${t} cov_${t})
endforeach()

add_executable(fuzz_seeds ${fuzz_src}/seeds.c)
target_link_libraries(fuzz_seeds PRIVATE chord_lib)
set(fuzz_out ${CMAKE_BINARY_DIR}/fuzz)
add_custom_command(OUTPUT ${fuzz_out}/gguf.dict
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${fuzz_out}/seeds
  COMMAND fuzz_seeds ${fuzz_out} ${fuzz_src}/gguf.dict
  DEPENDS fuzz_seeds ${fuzz_src}/gguf.dict
  COMMENT "Writing the fuzz seed corpora and dictionary")
add_custom_target(fuzz ALL DEPENDS ${fuzz_binaries} ${fuzz_out}/gguf.dict)
