# One version for library, binding and plugin: the binding states the
# version it was written for, and it must be the project's.
#   cmake -DSOURCE=<repo> -DVERSION=<project version> -P check_versions.cmake
file(READ "${SOURCE}/ffi/wallarm.lua" binding)
string(REGEX MATCH "VERSION = \"([0-9.]+)\"" _ "${binding}")
if(NOT CMAKE_MATCH_1 STREQUAL VERSION)
  message(FATAL_ERROR "ffi/wallarm.lua says VERSION ${CMAKE_MATCH_1}, the project is ${VERSION}")
endif()
file(READ "${SOURCE}/kong-plugin/handler.lua" handler)
if(NOT handler MATCHES "VERSION = wallarm.VERSION")
  message(FATAL_ERROR "kong-plugin/handler.lua must take its VERSION from the binding")
endif()
message(STATUS "library, binding and plugin: ${VERSION}")
