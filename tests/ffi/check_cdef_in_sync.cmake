# ctest cdef_in_sync: regenerates the cdef from the header into the build
# directory and fails unless the committed ffi/wallarm_cdef.lua is identical.
#   cmake -DGEN_CDEF=<gen_cdef.cmake> -DHEADER=<wallarm.h> -DCOMMITTED=<lua>
#         -DFRESH=<lua in the build dir> -DBUILD_DIR=<top build dir>
#         -P check_cdef_in_sync.cmake
cmake_minimum_required(VERSION 3.20)

set(_regen "Regenerate it with\n  cmake --build \"${BUILD_DIR}\" --target regen_cdef\nand commit ffi/wallarm_cdef.lua.")

# A stale copy from an earlier run must not pass for a fresh one.
file(REMOVE "${FRESH}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" "-DHEADER=${HEADER}" "-DOUTPUT=${FRESH}" -P "${GEN_CDEF}"
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0 OR NOT EXISTS "${FRESH}")
  message(FATAL_ERROR "cmake/gen_cdef.cmake failed on ${HEADER} (see above).")
endif()

if(NOT EXISTS "${COMMITTED}")
  message(FATAL_ERROR "${COMMITTED} is missing. ${_regen}")
endif()

execute_process(
  COMMAND "${CMAKE_COMMAND}" -E compare_files "${FRESH}" "${COMMITTED}"
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  find_program(_diff NAMES diff)
  if(_diff)
    execute_process(COMMAND "${_diff}" -u "${COMMITTED}" "${FRESH}")
  endif()
  message(FATAL_ERROR "${COMMITTED} is out of date with ${HEADER}. ${_regen}")
endif()
