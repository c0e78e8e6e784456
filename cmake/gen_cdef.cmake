# Writes the C declarations between the cdef markers of wallarm.h as a Lua
# module that returns them as one string, for ffi.cdef:
#
#   cmake -DHEADER=libwallarm/include/wallarm.h -DOUTPUT=ffi/wallarm_cdef.lua \
#         -P cmake/gen_cdef.cmake
#
# The output depends on the header's bytes only (no paths, dates or host
# details), so the committed copy can be compared with a fresh one byte for
# byte. Comments stay: LuaJIT's C parser skips them.
cmake_minimum_required(VERSION 3.20)

foreach(_var IN ITEMS HEADER OUTPUT)
  if("${${_var}}" STREQUAL "")
    message(FATAL_ERROR "gen_cdef.cmake: -D${_var}=<path> is required "
      "(usage: cmake -DHEADER=<wallarm.h> -DOUTPUT=<file.lua> -P gen_cdef.cmake)")
  endif()
endforeach()
if(NOT EXISTS "${HEADER}")
  message(FATAL_ERROR "gen_cdef.cmake: header ${HEADER} does not exist")
endif()

set(_begin_marker "/* cdef-begin */")
set(_end_marker "/* cdef-end */")
file(READ "${HEADER}" _text)

# Exactly one of each marker, in order: anything else is an editing mistake
# that would silently drop or duplicate declarations.
foreach(_which IN ITEMS begin end)
  string(FIND "${_text}" "${_${_which}_marker}" _${_which}_first)
  string(FIND "${_text}" "${_${_which}_marker}" _${_which}_last REVERSE)
  if(_${_which}_first EQUAL -1)
    message(FATAL_ERROR "${HEADER}: no '${_${_which}_marker}' line")
  endif()
  if(NOT _${_which}_first EQUAL _${_which}_last)
    message(FATAL_ERROR "${HEADER}: '${_${_which}_marker}' appears more than once")
  endif()
endforeach()
if(_end_first LESS _begin_first)
  message(FATAL_ERROR "${HEADER}: '${_end_marker}' comes before '${_begin_marker}'")
endif()

string(LENGTH "${_begin_marker}" _marker_length)
math(EXPR _start "${_begin_first} + ${_marker_length}")
math(EXPR _length "${_end_first} - ${_start}")
string(SUBSTRING "${_text}" ${_start} ${_length} _region)

# Only blank lines at either end go; the end marker's indentation with them.
string(REGEX REPLACE "^([ \t\r]*\n)+" "" _region "${_region}")
string(REGEX REPLACE "(\n[ \t\r]*)+$" "" _region "${_region}")
if(_region MATCHES "^[ \t\r\n]*$")
  message(FATAL_ERROR "${HEADER}: nothing between '${_begin_marker}' and '${_end_marker}'")
endif()
string(APPEND _region "\n")

# The region goes into a Lua long string [[...]], which the first "]]" ends.
string(FIND "${_region}" "]]" _bad)
if(NOT _bad EQUAL -1)
  string(FIND "${_text}" "${_region}" _region_at)
  math(EXPR _bad_at "${_region_at} + ${_bad}")
  string(SUBSTRING "${_text}" 0 ${_bad_at} _before)
  string(REGEX MATCHALL "\n" _newlines "${_before}")
  list(LENGTH _newlines _line)
  math(EXPR _line "${_line} + 1")
  message(FATAL_ERROR "${HEADER}:${_line}: the cdef region contains \"]]\", "
    "which would end the Lua long string [[...]] that carries it; "
    "write it differently there (for example \"] ]\").")
endif()

set(_lua "-- Generated from libwallarm/include/wallarm.h by cmake/gen_cdef.cmake: do not edit.\n")
string(APPEND _lua "return [[\n${_region}]]\n")

# Rewriting identical bytes would only bump the mtime of a source file.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" _old)
  if(_old STREQUAL _lua)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${_lua}")
