# Fails when a test of the build has no tier label (CMakeLists.txt,
# WALLARM_TEST_TIERS): `ctest -L <tier>` would never run it.
#   cmake -DCTEST=ctest -DBUILD_DIR=<build> -DTIERS="unit|lua|..." -P check_labels.cmake
foreach(_v CTEST BUILD_DIR TIERS)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "check_labels.cmake: -D${_v}= is required")
  endif()
endforeach()

# -LE leaves out every test with a label matching the regex: what is left
# has none of the tiers.
execute_process(
  COMMAND "${CTEST}" --test-dir "${BUILD_DIR}" -N -LE "^(${TIERS})$"
  OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "ctest -N failed (${_rc}):\n${_out}${_err}")
endif()
if(NOT _out MATCHES "Total Tests: ([0-9]+)")
  message(FATAL_ERROR "cannot read the count of tests from ctest -N:\n${_out}")
endif()
set(_count "${CMAKE_MATCH_1}")
if(NOT _count EQUAL 0)
  string(REGEX MATCHALL "Test +#[0-9]+: [^\n]*" _unlabeled "${_out}")
  list(JOIN _unlabeled "\n  " _list)
  message(FATAL_ERROR "${_count} test(s) without a tier label (${TIERS}):\n  ${_list}")
endif()
message(STATUS "every test has one of the labels ${TIERS}")
