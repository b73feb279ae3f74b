# ThreadSanitizer builds of the runtime's threaded tests.
#
# PP_ENABLE_TSAN_TESTS is on by default where the compiler builds a threaded
# program with -fsanitize=thread that also runs (ThreadSanitizer's runtime
# refuses some kernels' memory layouts). pp_add_tsan_gtest(NAME SOURCES ...)
# builds the listed sources, instrumented, into a GoogleTest executable whose
# tests ctest runs as "tsan.<suite>.<test>" with the label `tsan`.

include_guard(GLOBAL)
include(CheckCXXSourceRuns)
find_package(Threads REQUIRED)

set(CMAKE_REQUIRED_FLAGS -fsanitize=thread)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=thread)
set(CMAKE_REQUIRED_LIBRARIES Threads::Threads)
check_cxx_source_runs([[
#include <thread>
int main() {
  int x = 0;
  std::thread t([&] { x = 1; });
  t.join();
  return x == 1 ? 0 : 1;
}
]] PP_THREAD_SANITIZER_WORKS)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
unset(CMAKE_REQUIRED_LIBRARIES)

option(PP_ENABLE_TSAN_TESTS
  "Build and run the runtime's threaded tests under ThreadSanitizer"
  ${PP_THREAD_SANITIZER_WORKS})

function(pp_add_tsan_gtest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDES;LIBRARIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE
    ${PROJECT_SOURCE_DIR}/runtime/include ${ARG_INCLUDES})
  target_compile_options(${name} PRIVATE
    -fsanitize=thread -g -O1 -fno-omit-frame-pointer)
  target_link_options(${name} PRIVATE -fsanitize=thread)
  target_link_libraries(${name} PRIVATE
    ${ARG_LIBRARIES} PPSupportHeaders GTest::gtest GTest::gtest_main
    Threads::Threads)
  # A report makes the process exit with status 66 even when every test
  # passed; halt_on_error stops at the first one.
  gtest_discover_tests(${name}
    TEST_PREFIX "tsan."
    DISCOVERY_TIMEOUT 120
    PROPERTIES
      LABELS tsan
      TIMEOUT 300
      ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1 second_deadlock_stack=1")
endfunction()
