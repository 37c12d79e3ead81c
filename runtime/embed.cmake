# chord_embed(OUT_VAR SYMBOL INPUT [BINARY]): generates build/generated/<SYMBOL>.c holding
# `const unsigned char SYMBOL[]` and `const size_t SYMBOL_len`, and appends the .c to OUT_VAR.
# Text inputs get a trailing NUL so they can be used as C strings.
function(chord_embed out_var symbol input)
  set(out ${CMAKE_BINARY_DIR}/generated/${symbol}.c)
  set(nul 1)
  if(ARGN STREQUAL "BINARY")
    set(nul 0)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${input} -DOUT=${out} -DSYM=${symbol} -DNUL=${nul}
            -P ${CMAKE_SOURCE_DIR}/runtime/embed_file.cmake
    DEPENDS ${input} ${CMAKE_SOURCE_DIR}/runtime/embed_file.cmake
    COMMENT "Embedding ${symbol}" VERBATIM)
  set(${out_var} ${${out_var}} ${out} PARENT_SCOPE)
endfunction()
