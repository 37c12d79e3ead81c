# Every tests/test_*.c is one Criterion executable, registered with CTest.
# Caches for PoCL and Mesa live in the build tree so repeated runs skip kernel builds.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)

file(GLOB CHORD_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/test_*.c)
file(GLOB CHORD_TEST_HELPERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/support_*.c)
set(CHORD_TEST_ENV
  POCL_CACHE_DIR=${CMAKE_BINARY_DIR}/cache/pocl
  MESA_SHADER_CACHE_DIR=${CMAKE_BINARY_DIR}/cache/mesa
  CHORD_BUILD_DIR=${CMAKE_BINARY_DIR}
  CHORD_VK_VALIDATION=1)
foreach(src ${CHORD_TEST_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${CHORD_TEST_HELPERS})
  target_link_libraries(${name} PRIVATE chord_lib PkgConfig::CRITERION)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  if(name STREQUAL "test_host_read") # chord-bench's host read ceiling lives in bench/, outside the library
    target_sources(${name} PRIVATE ${CMAKE_SOURCE_DIR}/bench/host_read.c)
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/bench)
  endif()
  add_test(NAME ${name} COMMAND ${name} --jobs 1)
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${CHORD_TEST_ENV}" TIMEOUT 1200)
endforeach()
