# The operator console (console/ at the repository root) embedded into yinxin_api at build time:
# embed_console.cmake turns every file into a byte array with its content type in a generated
# console_assets.cpp, so `yinxin serve` needs nothing installed beside the binary. Adding or
# removing a console file re-runs CMake (CONFIGURE_DEPENDS); editing one regenerates the .cpp.
set(YX_CONSOLE_DIR ${PROJECT_SOURCE_DIR}/console)
file(GLOB_RECURSE yx_console_files CONFIGURE_DEPENDS LIST_DIRECTORIES false RELATIVE ${YX_CONSOLE_DIR}
  ${YX_CONSOLE_DIR}/*)
list(SORT yx_console_files)
set(yx_console_inputs "")
foreach(f IN LISTS yx_console_files)
  list(APPEND yx_console_inputs ${YX_CONSOLE_DIR}/${f})
endforeach()
set(yx_console_cpp ${CMAKE_CURRENT_BINARY_DIR}/console_assets.cpp)
string(REPLACE ";" "|" yx_console_list "${yx_console_files}")
add_custom_command(
  OUTPUT ${yx_console_cpp}
  COMMAND ${CMAKE_COMMAND} -DYX_CONSOLE_DIR=${YX_CONSOLE_DIR} "-DYX_CONSOLE_FILES=${yx_console_list}"
          -DYX_OUT=${yx_console_cpp} -P ${CMAKE_CURRENT_SOURCE_DIR}/embed_console.cmake
  DEPENDS ${yx_console_inputs} ${CMAKE_CURRENT_SOURCE_DIR}/embed_console.cmake
  COMMENT "Embedding the operator console (${CMAKE_CURRENT_SOURCE_DIR}/../../console)"
  VERBATIM)
target_sources(yinxin_api PRIVATE ${yx_console_cpp})
# The generated file includes console_assets.h from this directory.
target_include_directories(yinxin_api PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
