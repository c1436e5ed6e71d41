# nelson_generate(TARGET FILE.x [NAMESPACE ns] [DEFINES NAME[=VALUE] ...] [INCLUDE_DIRS dir ...]
#                 [MAX_CHAIN n] [MAX_DEPTH n] [NO_CLIENT] [NO_SERVER] [VIEWS] [VIEW_TYPES name ...]
#                 [INCLUDES header ...])
#
# Runs nelson-gen on FILE.x at build time and adds the C++ it writes to TARGET: FILE.hpp
# (types and codec declarations) and FILE.cpp (codec bodies), in a directory of TARGET's own
# that becomes a PUBLIC include directory, so `#include "FILE.hpp"` works in TARGET and in
# what links it. TARGET also links nelson::xdr, which the generated code uses, and, when the
# contract has programs, nelson::client and nelson::server for the client stubs and server
# skeletons (NO_CLIENT / NO_SERVER leave those out).
# VIEWS makes every variable-length opaque<>/string<> a view into the decoded bytes
# (nelson-gen --views), VIEW_TYPES only those of the typedefs, structs and unions named
# (--view NAME each). INCLUDES names headers the generated one #includes: the C++ of types
# the contract uses without defining them (what a `%#include` gives rpcgen's C).
#
#   add_library(mount_proto STATIC)
#   nelson_generate(mount_proto /usr/include/rpcsvc/mount.x NAMESPACE nfs::mount)
function(nelson_generate target file)
  cmake_parse_arguments(ARG "NO_CLIENT;NO_SERVER;VIEWS" "NAMESPACE;MAX_CHAIN;MAX_DEPTH" "DEFINES;INCLUDE_DIRS;VIEW_TYPES;INCLUDES" ${ARGN})
  get_filename_component(_x "${file}" ABSOLUTE)
  get_filename_component(_stem "${file}" NAME_WE)
  set(_dir "${CMAKE_CURRENT_BINARY_DIR}/${target}_nelson_gen")
  set(_hpp "${_dir}/${_stem}.hpp")
  set(_cpp "${_dir}/${_stem}.cpp")
  set(_args --header "${_hpp}" --source "${_cpp}")
  if(ARG_NAMESPACE)
    list(APPEND _args --namespace "${ARG_NAMESPACE}")
  endif()
  if(ARG_MAX_CHAIN)
    list(APPEND _args --max-chain "${ARG_MAX_CHAIN}")
  endif()
  if(ARG_MAX_DEPTH)
    list(APPEND _args --max-depth "${ARG_MAX_DEPTH}")
  endif()
  if(ARG_NO_CLIENT)
    list(APPEND _args --no-client)
  endif()
  if(ARG_NO_SERVER)
    list(APPEND _args --no-server)
  endif()
  if(ARG_VIEWS)
    list(APPEND _args --views)
  endif()
  foreach(_h IN LISTS ARG_INCLUDES)
    list(APPEND _args --include "${_h}")
  endforeach()
  foreach(_v IN LISTS ARG_VIEW_TYPES)
    list(APPEND _args --view "${_v}")
  endforeach()
  foreach(_d IN LISTS ARG_DEFINES)
    list(APPEND _args "-D${_d}")
  endforeach()
  foreach(_i IN LISTS ARG_INCLUDE_DIRS)
    list(APPEND _args "-I${_i}")
  endforeach()
  add_custom_command(
    OUTPUT "${_hpp}" "${_cpp}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${_dir}"
    COMMAND nelson-gen ${_args} "${_x}"
    DEPENDS "${_x}" nelson-gen
    COMMENT "nelson-gen ${_stem}.x"
    VERBATIM)
  target_sources(${target} PRIVATE "${_hpp}" "${_cpp}")
  target_include_directories(${target} PUBLIC "${_dir}")
  target_link_libraries(${target} PUBLIC nelson::xdr)
  # Linked whether or not the contract has programs (cheap: static libraries, only what is used).
  if(NOT ARG_NO_CLIENT)
    target_link_libraries(${target} PUBLIC nelson::client)
  endif()
  if(NOT ARG_NO_SERVER)
    target_link_libraries(${target} PUBLIC nelson::server)
  endif()
endfunction()
