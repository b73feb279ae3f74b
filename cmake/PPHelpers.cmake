# Helpers shared by pp's CMake files.

# The shared LLVM and MLIR libraries every pp binary links: never the static
# archives next to them (duplicate option registration at start-up).
set(PP_LLVM_MLIR_LIBS MLIR LLVM)

# pp_add_library(NAME SRCS... [DEPENDS targets...] [LINK libs...])
# A static library of pp's own code linked against the shared MLIR/LLVM.
function(pp_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
