# The cpu backend: runtime/cpu*.c, kernels/common/cpu_*.c and every kernels/<op>/cpu*.c. Always built, into every
# copy of the library (chord_ref_library): it needs only the C compiler. Included by CMakeLists.txt; sets
# CHORD_CPU_SOURCES.
#
# On x86-64, files named *_avx2.c are compiled with AVX2+FMA+F16C and *_avx512.c with AVX-512 F/BW/VL/DQ/VNNI,
# each only where the compiler takes the flags (CHORD_CPU_HAVE_AVX2 / _AVX512, on every cpu source, then say
# the path exists; source properties, so the fuzz build's copies get them too); the rest is portable C at -O3
# -fno-trapping-math (the loops are written for the auto-vectorizer). Nothing built with the wider flags runs
# before cpu_isa.c has checked cpuid and XGETBV. Elsewhere only the portable files are built.
include(CheckCCompilerFlag)
file(GLOB cpu_kernels CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernels/*/cpu*.c)
file(GLOB cpu_runtime CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/cpu*.c)
set(cpu_avx2 ${cpu_kernels})
list(FILTER cpu_avx2 INCLUDE REGEX "_avx2\\.c$")
set(cpu_avx512 ${cpu_kernels})
list(FILTER cpu_avx512 INCLUDE REGEX "_avx512\\.c$")
list(FILTER cpu_kernels EXCLUDE REGEX "_avx(2|512)\\.c$")

set(CHORD_CPU_AVX2_FLAGS -mavx2 -mfma -mf16c)
set(CHORD_CPU_AVX512_FLAGS -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni -mfma -mf16c)
set(cpu_x86 OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(cpu_x86 ON)
  string(REPLACE ";" " " avx2_str "${CHORD_CPU_AVX2_FLAGS}")
  string(REPLACE ";" " " avx512_str "${CHORD_CPU_AVX512_FLAGS}")
  check_c_compiler_flag("${avx2_str}" CHORD_CC_AVX2)
  check_c_compiler_flag("${avx512_str}" CHORD_CC_AVX512)
endif()

# -fno-trapping-math: no kernel reads floating-point exception flags, and without it gcc will not if-convert the
# clamps of cpu_math.h's exp, so no loop that calls it is vectorized. Results are unchanged (no -ffast-math).
set(CHORD_CPU_OPT -O3 -fno-trapping-math)
set_source_files_properties(${cpu_kernels} PROPERTIES COMPILE_OPTIONS "${CHORD_CPU_OPT}")
set(CHORD_CPU_SOURCES ${cpu_runtime} ${cpu_kernels})
set(cpu_paths)
if(cpu_x86 AND CHORD_CC_AVX2)
  list(APPEND CHORD_CPU_SOURCES ${cpu_avx2})
  set_source_files_properties(${cpu_avx2} PROPERTIES COMPILE_OPTIONS "${CHORD_CPU_OPT};${CHORD_CPU_AVX2_FLAGS}")
  list(APPEND cpu_paths CHORD_CPU_HAVE_AVX2)
endif()
if(cpu_x86 AND CHORD_CC_AVX512)
  list(APPEND CHORD_CPU_SOURCES ${cpu_avx512})
  set_source_files_properties(${cpu_avx512} PROPERTIES COMPILE_OPTIONS "${CHORD_CPU_OPT};${CHORD_CPU_AVX512_FLAGS}")
  list(APPEND cpu_paths CHORD_CPU_HAVE_AVX512)
endif()
set_source_files_properties(${CHORD_CPU_SOURCES} PROPERTIES COMPILE_DEFINITIONS "${cpu_paths}")
