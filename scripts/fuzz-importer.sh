#!/usr/bin/env bash
# Builds the ONNX importer with libFuzzer and AddressSanitizer (clang 22) and
# fuzzes it for SECONDS (default 300), seeded with the example models and the
# lit tests' .onnxtext files. Crashing inputs land in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
PP_WITH_FUZZER=1 scripts/install-deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DPP_ENABLE_FUZZER=ON >/dev/null
cmake --build build-fuzz -j2 --target pp-import-fuzzer
corpus=build-fuzz/corpus
mkdir -p "$corpus" build-fuzz/crashes
# Seeds: binary models get a leading 0 byte, text models a leading 1 byte.
for f in examples/*.onnx; do
  { printf '\x00'; cat "$f"; } > "$corpus/seed-$(basename "$f")"
done
find test -name '*.onnxtext' | while read -r f; do
  { printf '\x01'; cat "$f"; } > "$corpus/seed-$(echo "$f" | tr / _)"
done
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons slabs in code
# inlined into the instrumented importer but not in the uninstrumented
# libMLIR.so sharing them, which would report false use-after-poison errors.
ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 build-fuzz/bin/pp-import-fuzzer "$corpus" \
  -max_total_time="$seconds" -max_len=600000 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1
