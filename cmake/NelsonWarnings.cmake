# Compile flags every nelson target shares: strict warnings, optional sanitizers.
add_library(nelson_build_flags INTERFACE)
target_compile_options(nelson_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wformat=2
  -Wimplicit-fallthrough)
if(NELSON_WERROR)
  target_compile_options(nelson_build_flags INTERFACE -Werror)
endif()
if(NELSON_SANITIZE)
  set(_nelson_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(nelson_build_flags INTERFACE ${_nelson_san})
  target_link_options(nelson_build_flags INTERFACE ${_nelson_san})
endif()
