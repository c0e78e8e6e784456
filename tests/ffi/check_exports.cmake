# ctest exports_match_cdef: the wallarm_* symbols the library exports are
# exactly the functions the cdef declares, so nothing public is missing from
# the Lua binding and nothing in the binding is missing from the library.
#   cmake -DNM=<nm> -DLIBRARY=<libwallarm.so> -DCDEF=<wallarm_cdef.lua>
#         -P check_exports.cmake
cmake_minimum_required(VERSION 3.20)

foreach(_var IN ITEMS NM LIBRARY CDEF)
  if("${${_var}}" STREQUAL "")
    message(FATAL_ERROR "check_exports.cmake: -D${_var}=... is required")
  endif()
endforeach()

# Declared: every `wallarm_name (` outside comments. Comments mention
# functions too ("see wallarm_result()"), so they go first.
file(READ "${CDEF}" _cdef)
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " _cdef "${_cdef}")
string(REGEX REPLACE "//[^\n]*" "" _cdef "${_cdef}")
string(REGEX MATCHALL "[^A-Za-z0-9_]wallarm_[A-Za-z0-9_]*[ \t\r\n]*\\(" _calls " ${_cdef}")
set(_declared "")
foreach(_call IN LISTS _calls)
  string(REGEX REPLACE "^.(wallarm_[A-Za-z0-9_]*).*$" "\\1" _name "${_call}")
  list(APPEND _declared "${_name}")
endforeach()
list(REMOVE_DUPLICATES _declared)
list(SORT _declared)
list(LENGTH _declared _declared_count)
if(_declared_count EQUAL 0)
  message(FATAL_ERROR "${CDEF}: found no wallarm_*( function declarations")
endif()

# Exported: the defined dynamic symbols, in POSIX format ("name type value
# size"), with any symbol version ("@@V1") cut off.
execute_process(
  COMMAND "${NM}" -D --defined-only -P "${LIBRARY}"
  OUTPUT_VARIABLE _nm ERROR_VARIABLE _nm_err RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}: ${_nm_err}")
endif()
string(REGEX MATCHALL "\nwallarm_[^ \t\n@]*" _symbols "\n${_nm}")
set(_exported "")
foreach(_symbol IN LISTS _symbols)
  string(STRIP "${_symbol}" _symbol)
  list(APPEND _exported "${_symbol}")
endforeach()
list(REMOVE_DUPLICATES _exported)
list(SORT _exported)

set(_missing ${_declared})
if(_exported)
  list(REMOVE_ITEM _missing ${_exported})
endif()
set(_extra ${_exported})
list(REMOVE_ITEM _extra ${_declared})

if(_missing OR _extra)
  set(_msg "${LIBRARY} does not export exactly the functions of ${CDEF}.")
  if(_missing)
    list(JOIN _missing "\n  " _list)
    string(APPEND _msg "\nDeclared in the cdef but not exported (define them, outside the hidden visibility):\n  ${_list}")
  endif()
  if(_extra)
    list(JOIN _extra "\n  " _list)
    string(APPEND _msg "\nExported but not declared in the cdef (declare them between the cdef markers of wallarm.h, or hide them):\n  ${_list}")
  endif()
  message(FATAL_ERROR "${_msg}")
endif()
message(STATUS "${_declared_count} wallarm_* functions, declared and exported")
