# What `cmake --install` puts under the prefix:
#   include/pp/...            pp's headers, TableGen files and generated .inc
#   include/pp/Runtime/...    the runtime's headers (program.pb.h in proto/)
#   lib/libPP*.a              the libraries
#   bin/pp-opt, pp-run, pp-sched
#   lib/cmake/pp/             PPConfig.cmake: find_package(PP CONFIG) gives
#                             PP::NNDialect, PP::PPDialect, PP::Transforms,
#                             PP::Import, PP::Export, PP::Planning,
#                             PP::Runtime, PP::InitAll, ... (docs/Integration.md)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/pp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/pp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/runtime/proto/program.pb.h
              ${PROJECT_SOURCE_DIR}/runtime/proto/program.proto
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pp/Runtime/proto)

get_property(pp_exported_targets GLOBAL PROPERTY PP_EXPORTED_TARGETS)
install(TARGETS ${pp_exported_targets}
  EXPORT PPTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS pp-opt pp-run pp-sched
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(PP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pp)
install(EXPORT PPTargets NAMESPACE PP:: DESTINATION ${PP_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/PPConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lib/cmake/pp/PPConfig.cmake
  INSTALL_DESTINATION ${PP_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/lib/cmake/pp/PPConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lib/cmake/pp/PPConfig.cmake
              ${PROJECT_BINARY_DIR}/lib/cmake/pp/PPConfigVersion.cmake
  DESTINATION ${PP_INSTALL_CMAKEDIR})
