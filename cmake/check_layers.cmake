# The layer rule (docs/architecture.md): a file in lib/<layer> includes only
# headers of its own layer or of the layers below it. Lowest first:
set(SIGIL_LAYERS base encode export telemetry providers core abi)
# Outside lib/: the public header (sigil/...) and the generated protobuf code
# (sigil/v1/..., opentelemetry/...) sit below every layer.
#
#   cmake -DLIB_DIR=<dir> [-DSTAMP=<file>] -P check_layers.cmake
# prints every upward include and fails when there is one; writes STAMP when
# the tree is clean (the build runs it whenever a file in lib/ changes).
if(NOT LIB_DIR)
  message(FATAL_ERROR "usage: cmake -DLIB_DIR=<lib dir> [-DSTAMP=<file>] -P check_layers.cmake")
endif()

file(GLOB_RECURSE files RELATIVE ${LIB_DIR} ${LIB_DIR}/*.h ${LIB_DIR}/*.cpp ${LIB_DIR}/*.c)
set(violations "")
set(checked 0)
foreach(rel ${files})
  string(REGEX MATCH "^[^/]+" layer "${rel}")
  list(FIND SIGIL_LAYERS "${layer}" own)
  if(own EQUAL -1)
    if(NOT layer STREQUAL "proto")
      list(APPEND violations "${rel}: lib/${layer} is not a layer (known: ${SIGIL_LAYERS})")
    endif()
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS ${LIB_DIR}/${rel} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*$" "\\1" path "${line}")
    if(NOT path MATCHES "/")
      continue()  # a header beside the file, in its own layer
    endif()
    string(REGEX MATCH "^[^/]+" target "${path}")
    list(FIND SIGIL_LAYERS "${target}" rank)
    if(rank EQUAL -1)
      continue()  # sigil/..., opentelemetry/...: below every layer
    endif()
    if(rank GREATER own)
      list(APPEND violations "${rel}: includes \"${path}\" (${target} is above ${layer})")
    endif()
  endforeach()
endforeach()

if(violations)
  list(LENGTH violations n)
  string(REPLACE ";" "\n  " text "${violations}")
  message(FATAL_ERROR "layer rule broken (${n}):\n  ${text}\n"
                      "A layer includes only itself and the layers below it, lowest first: base, encode, export, telemetry, providers, core, abi.")
endif()
if(checked EQUAL 0)
  message(FATAL_ERROR "no engine sources found under ${LIB_DIR}")
endif()
if(STAMP)
  file(WRITE ${STAMP} "${checked} files follow the layer rule\n")
endif()
message(STATUS "layer rule: ${checked} files, no upward include")
