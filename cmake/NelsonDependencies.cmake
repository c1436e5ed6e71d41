# Optional and required third-party dependencies, all from Debian packages.
# Optional ones are detected, can be forced ON or OFF, and are reported at configure time.
find_package(PkgConfig REQUIRED)

# --- liburing: the io_uring backend of core/ ---------------------------------
set(NELSON_HAVE_URING OFF)
if(NOT NELSON_WITH_URING STREQUAL "OFF")
  pkg_check_modules(LIBURING IMPORTED_TARGET liburing)
  if(LIBURING_FOUND)
    set(NELSON_HAVE_URING ON)
  elseif(NELSON_WITH_URING STREQUAL "ON")
    message(FATAL_ERROR "NELSON_WITH_URING=ON but liburing was not found (apt-get install liburing-dev)")
  endif()
endif()

# --- mimalloc: the allocator of nelson programs -------------------------------
# Not with sanitizers: ASan must own malloc to find leaks and overflows.
set(NELSON_HAVE_MIMALLOC OFF)
set(_nelson_mimalloc_why "")
if(NELSON_WITH_MIMALLOC STREQUAL "OFF")
  set(_nelson_mimalloc_why " (disabled)")
elseif(NELSON_SANITIZE)
  set(_nelson_mimalloc_why " (off under sanitizers)")
else()
  find_package(mimalloc CONFIG QUIET)
  if(mimalloc_FOUND)
    set(NELSON_HAVE_MIMALLOC ON)
  elseif(NELSON_WITH_MIMALLOC STREQUAL "ON")
    message(FATAL_ERROR "NELSON_WITH_MIMALLOC=ON but mimalloc was not found (apt-get install libmimalloc-dev)")
  else()
    set(_nelson_mimalloc_why " (libmimalloc-dev not installed)")
  endif()
endif()

# Links mimalloc into a program so that it replaces malloc/new, where available.
function(nelson_use_allocator target)
  if(NELSON_HAVE_MIMALLOC)
    target_link_libraries(${target} PRIVATE mimalloc)
  endif()
endfunction()

# --- libtirpc: interop peer in tests, baseline in benchmarks ------------------
pkg_check_modules(TIRPC IMPORTED_TARGET libtirpc)

# --- GoogleTest and Google Benchmark -------------------------------------------
if(NELSON_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(NELSON_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

function(nelson_report_configuration)
  message(STATUS "nelson ${PROJECT_VERSION} configuration:")
  message(STATUS "  build type        ${CMAKE_BUILD_TYPE}")
  message(STATUS "  compiler          ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
  message(STATUS "  sanitizers        ${NELSON_SANITIZE}")
  message(STATUS "  io_uring          ${NELSON_HAVE_URING}")
  message(STATUS "  mimalloc          ${NELSON_HAVE_MIMALLOC}${_nelson_mimalloc_why}")
  message(STATUS "  libtirpc (interop/baseline) ${TIRPC_FOUND}")
  message(STATUS "  tests ${NELSON_BUILD_TESTS}, benchmarks ${NELSON_BUILD_BENCH}, fuzzers ${NELSON_BUILD_FUZZ}")
endfunction()
