# Checks that the SGD loops compiled into the learn library still prefetch.
# GCC 12 once deleted every one of their software prefetches without a
# word (core::prefetch_line in src/core/kernels.hpp says why), which made
# the shuffled epochs up to a fifth slower.
# Usage: cmake -DOBJDUMP=objdump -DLIBRARY=liblogreg_learn.a -P check_prefetch.cmake
execute_process(COMMAND ${OBJDUMP} -d ${LIBRARY} OUTPUT_VARIABLE disassembly RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} -d ${LIBRARY} failed (${status})")
endif()
foreach(object sgd.cpp.o sgd_coordinate.cpp.o)
  # The object's part of the archive's disassembly: from its header to the next one.
  string(FIND "${disassembly}" "${object}:     file format" begin)
  if(begin EQUAL -1)
    message(FATAL_ERROR "${object} not found in ${LIBRARY}")
  endif()
  string(SUBSTRING "${disassembly}" ${begin} -1 rest)
  string(LENGTH "${object}:     file format" header)
  string(SUBSTRING "${rest}" ${header} -1 rest)
  string(FIND "${rest}" ":     file format" next)
  if(NOT next EQUAL -1)
    string(SUBSTRING "${rest}" 0 ${next} rest)
  endif()
  string(REGEX MATCHALL "prefetcht0" found "${rest}")
  list(LENGTH found count)
  if(count EQUAL 0)
    message(FATAL_ERROR "${object}: no prefetch instruction left in the SGD loops")
  endif()
  message(STATUS "${object}: ${count} prefetch instructions")
endforeach()
