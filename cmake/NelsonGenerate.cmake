# nelson_generate(TARGET FILE.x [NAMESPACE ns] [DEFINES NAME[=VALUE] ...] [INCLUDE_DIRS dir ...]
#                 [MAX_CHAIN n])
#
# Runs nelson-gen on FILE.x at build time and adds the C++ it writes to TARGET: FILE.hpp
# (types and codec declarations) and FILE.cpp (codec bodies), in a directory of TARGET's own
# that becomes a PUBLIC include directory, so `#include "FILE.hpp"` works in TARGET and in
# what links it. TARGET also links nelson::xdr, which the generated code uses.
#
#   add_library(mount_proto STATIC)
#   nelson_generate(mount_proto /usr/include/rpcsvc/mount.x NAMESPACE nfs::mount)
function(nelson_generate target file)
  cmake_parse_arguments(ARG "" "NAMESPACE;MAX_CHAIN" "DEFINES;INCLUDE_DIRS" ${ARGN})
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
endfunction()
