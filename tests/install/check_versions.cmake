# One version for library, header, binding and plugin: the header and the
# binding state the version they were written for, and it must be the
# project's.
#   cmake -DSOURCE=<repo> -DVERSION=<project version> -P check_versions.cmake
file(READ "${SOURCE}/ffi/wallarm.lua" binding)
string(REGEX MATCH "VERSION = \"([0-9.]+)\"" _ "${binding}")
if(NOT CMAKE_MATCH_1 STREQUAL VERSION)
  message(FATAL_ERROR "ffi/wallarm.lua says VERSION ${CMAKE_MATCH_1}, the project is ${VERSION}")
endif()
file(READ "${SOURCE}/libwallarm/include/wallarm.h" header)
set(_header_version "")
foreach(_part IN ITEMS MAJOR MINOR PATCH)
  string(REGEX MATCH "#define WALLARM_VERSION_${_part} ([0-9]+)" _ "${header}")
  list(APPEND _header_version "${CMAKE_MATCH_1}")
endforeach()
list(JOIN _header_version "." _header_version)
if(NOT _header_version STREQUAL VERSION)
  message(FATAL_ERROR "wallarm.h says WALLARM_VERSION_* ${_header_version}, the project is ${VERSION}")
endif()
file(READ "${SOURCE}/kong-plugin/handler.lua" handler)
if(NOT handler MATCHES "VERSION = wallarm.VERSION")
  message(FATAL_ERROR "kong-plugin/handler.lua must take its VERSION from the binding")
endif()
message(STATUS "library, binding and plugin: ${VERSION}")
