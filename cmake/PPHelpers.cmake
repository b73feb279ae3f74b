# Helpers shared by pp's CMake files.

# The shared LLVM and MLIR libraries every pp binary links: never the static
# archives next to them (duplicate option registration at start-up).
set(PP_LLVM_MLIR_LIBS MLIR LLVM)

# LLVM's and MLIR's usage requirements (include directories, definitions,
# the shared libraries), given to pp's compiler libraries only: the runtime
# never sees them. Installed as PP::LLVMMLIR, whose include directories and
# definitions PPConfig.cmake adds from the consumer's find_package(MLIR).
add_library(PPLLVMMLIR INTERFACE)
separate_arguments(PP_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")
list(TRANSFORM PP_LLVM_DEFINITIONS REPLACE "^-D" "")
foreach(dir IN LISTS LLVM_INCLUDE_DIRS MLIR_INCLUDE_DIRS)
  target_include_directories(PPLLVMMLIR SYSTEM INTERFACE
    "$<BUILD_INTERFACE:${dir}>")
endforeach()
target_compile_definitions(PPLLVMMLIR INTERFACE
  "$<BUILD_INTERFACE:${PP_LLVM_DEFINITIONS}>")
target_link_libraries(PPLLVMMLIR INTERFACE ${PP_LLVM_MLIR_LIBS})
set_target_properties(PPLLVMMLIR PROPERTIES EXPORT_NAME LLVMMLIR)

# pp's public headers: the source tree and the generated .inc files in the
# build tree, or include/ of an installed pp.
set(PP_PUBLIC_INCLUDE_DIRS
  "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
  "$<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>"
  "$<INSTALL_INTERFACE:include>")

# The libraries, headers and tools `cmake --install` puts in place, and the
# targets of the exported CMake package (PPConfig.cmake, PP::<EXPORT_NAME>).
set_property(GLOBAL PROPERTY PP_EXPORTED_TARGETS PPLLVMMLIR)

# pp_export_target(TARGET [EXPORT_NAME name]): installs TARGET and adds it to
# the PP package as PP::<name> (default: TARGET without its "PP" prefix).
function(pp_export_target target)
  cmake_parse_arguments(ARG "" "EXPORT_NAME" "" ${ARGN})
  if(NOT ARG_EXPORT_NAME)
    string(REGEX REPLACE "^PP" "" ARG_EXPORT_NAME ${target})
  endif()
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${ARG_EXPORT_NAME})
  get_property(targets GLOBAL PROPERTY PP_EXPORTED_TARGETS)
  if(NOT ${target} IN_LIST targets)
    set_property(GLOBAL APPEND PROPERTY PP_EXPORTED_TARGETS ${target})
  endif()
endfunction()

# pp_add_library(NAME SRCS... [DEPENDS targets...] [LINK libs...])
# A static library of pp's own code linked against the shared MLIR/LLVM,
# with pp's public headers and LLVM's and MLIR's as usage requirements;
# installed and exported as PP::<NAME without "PP">.
function(pp_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_include_directories(${name} PUBLIC ${PP_PUBLIC_INCLUDE_DIRS})
  target_link_libraries(${name} PUBLIC ${ARG_LINK} PPLLVMMLIR)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  pp_export_target(${name})
endfunction()
