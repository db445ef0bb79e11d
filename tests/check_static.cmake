# Checks that the logreg command is a static PIE when the build asked for one
# (cli/CMakeLists.txt): no program interpreter, no shared library needed, and
# position-independent (ELF type DYN). A dependency that exists only as a
# shared library would otherwise turn it back into a dynamic program, and
# its start-up from about 3.5 to 6 ms.
# Usage: cmake -DREADELF=readelf -DPROGRAM=cli/logreg -P check_static.cmake
execute_process(COMMAND ${READELF} -h -l -d ${PROGRAM} OUTPUT_VARIABLE report RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${READELF} ${PROGRAM} failed (${status})")
endif()
if(report MATCHES "INTERP")
  message(FATAL_ERROR "${PROGRAM} has a program interpreter: it is linked dynamically")
endif()
if(report MATCHES "\\(NEEDED\\)")
  string(REGEX MATCHALL "Shared library: \\[[^]]*\\]" needed "${report}")
  message(FATAL_ERROR "${PROGRAM} needs shared libraries: ${needed}")
endif()
if(NOT report MATCHES "Type:[ ]+DYN")
  message(FATAL_ERROR "${PROGRAM} is not position-independent (static PIE expected)")
endif()
message(STATUS "${PROGRAM}: a static PIE")
