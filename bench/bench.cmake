# chord-bench: Google Benchmark (Debian's libbenchmark-dev) behind the C wrapper in bench/gbench.h.
find_package(benchmark QUIET)
if(NOT benchmark_FOUND)
  message(STATUS "Google Benchmark not found: chord-bench is not built (install libbenchmark-dev)")
  return()
endif()
# model/cli/cli.c: the -t option, shared with chord's subcommands
add_executable(chord-bench ${CMAKE_SOURCE_DIR}/bench/chord_bench.c ${CMAKE_SOURCE_DIR}/bench/host_read.c
                           ${CMAKE_SOURCE_DIR}/bench/gbench.cc ${CMAKE_SOURCE_DIR}/model/cli/cli.c)
target_include_directories(chord-bench PRIVATE ${CMAKE_SOURCE_DIR}/model/cli)
target_link_libraries(chord-bench PRIVATE chord_lib benchmark::benchmark)
if(CHORD_WITH_CUDA AND EXISTS ${CMAKE_SOURCE_DIR}/bench/cuda.cmake)
  include(${CMAKE_SOURCE_DIR}/bench/cuda.cmake)
  target_link_libraries(chord-bench PRIVATE chord_cuda_yardstick)
endif()
install(TARGETS chord-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
