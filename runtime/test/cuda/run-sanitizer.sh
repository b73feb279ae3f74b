#!/bin/sh
# run-sanitizer.sh TOOL TESTS: the CUDA kernel tests (TESTS, the
# DeviceKernelTestsCuda binary) under compute-sanitizer's TOOL (memcheck,
# racecheck). Exits 77, which ctest reports as a skip, with the reason when
# there is no GPU or no compute-sanitizer.
tool=$1 tests=$2
"$tests" --gtest_filter=DeviceMemory.CopiesRoundTrip > /dev/null
status=$?
if [ $status -eq 77 ]; then
  "$tests" --gtest_filter=DeviceMemory.CopiesRoundTrip
  exit 77
fi
sanitizer=$(command -v compute-sanitizer || true)
if [ -z "$sanitizer" ] && [ -x /usr/local/cuda/bin/compute-sanitizer ]; then
  sanitizer=/usr/local/cuda/bin/compute-sanitizer
fi
if [ -z "$sanitizer" ]; then
  echo "SKIPPED: compute-sanitizer is not installed (CUDA toolkit's" \
       "cuda-sanitizer package)"
  exit 77
fi
exec "$sanitizer" --tool "$tool" --error-exitcode 1 "$tests"
