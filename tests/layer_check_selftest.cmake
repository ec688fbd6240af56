# Runs cmake/check_layers.cmake on lib/ (must pass) and on copies of lib/
# with one upward include each (must fail and name the file): today's tree,
# then each of the include cycles the layers once had.
set(check ${SOURCE_DIR}/cmake/check_layers.cmake)
execute_process(COMMAND ${CMAKE_COMMAND} -DLIB_DIR=${SOURCE_DIR}/lib -P ${check}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the layer check fails on lib/:\n${out}${err}")
endif()

# file to add the include to | the include
set(cases
    "core/config.h|export/spool.h"                 # allowed: core is above export
    "export/transport.h|core/config.h"             # export -> core
    "encode/protobuf.h|export/export_result.h"     # encode -> export
    "export/otlp_exporter.h|telemetry/telemetry.h" # export -> telemetry
    "export/retry_policy.cpp|telemetry/trace_context.h"
    "base/model.h|encode/protobuf.h"               # base -> anything
    "telemetry/span_cycle.h|core/client.h")        # a new file in a layer
foreach(case ${cases})
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 file)
  list(GET parts 1 include)
  file(REMOVE_RECURSE ${WORK_DIR})
  file(COPY ${SOURCE_DIR}/lib DESTINATION ${WORK_DIR})
  file(APPEND ${WORK_DIR}/lib/${file} "\n#include \"${include}\"\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -DLIB_DIR=${WORK_DIR}/lib -P ${check}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(file STREQUAL "core/config.h")
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "a downward include (${file} -> ${include}) was refused:\n${err}")
    endif()
  elseif(rc EQUAL 0)
    message(FATAL_ERROR "the layer check accepted ${file} including ${include}")
  elseif(NOT err MATCHES "${file}: includes \"${include}\"")
    message(FATAL_ERROR "the layer check failed without naming ${file} -> ${include}:\n${err}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
message(STATUS "the layer check passes lib/ and refuses every upward include tried")
