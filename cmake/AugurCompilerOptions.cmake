# Warnings and sanitizers for every Augur target, applied through one interface library.
add_library(augur_compile_options INTERFACE)
target_compile_options(augur_compile_options INTERFACE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor)
target_include_directories(augur_compile_options INTERFACE
  ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/generated)

if(AUGUR_SANITIZE AND AUGUR_TSAN)
  message(FATAL_ERROR "AUGUR_SANITIZE and AUGUR_TSAN are exclusive: use two build trees")
endif()
if(AUGUR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(AUGUR_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(AUGUR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "AUGUR_FUZZ needs clang (libFuzzer)")
  endif()
  # Coverage for everything; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
