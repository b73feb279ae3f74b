#!/usr/bin/env bash
# Builds one of pp's libFuzzer targets with AddressSanitizer (clang 22) and
# fuzzes it for SECONDS (default 300), one process:
#
#   scripts/fuzz.sh importer|schedule|loader [SECONDS]
#
#   importer  the ONNX importer (pp-import-fuzzer), seeded with the example
#             models and the lit tests' .onnxtext files;
#   schedule  the schedule text form as `pp-sched --input` reads, verifies
#             and simulates it (pp-sched-fuzzer), seeded with pp-sched's
#             lit inputs and the lists of every generator;
#   loader    pp-run's program loader (pp-load-fuzzer), seeded with the
#             linear classifier of pp-run's lit tests and exports of
#             examples/tiny_gpt.onnx (made with build/bin/pp-opt, built
#             first when missing).
#
# The corpus grows in build-fuzz/corpus-TARGET/; crashing, hanging and
# out-of-memory inputs land in build-fuzz/crashes-TARGET/. JOBS (default 2)
# bounds the build's parallelism; PP_SKIP_DEPS=1 skips install-deps.sh where
# the packages are known to be there; FUZZ_CC and FUZZ_CXX name another clang
# with libFuzzer (default clang-22 and clang++-22).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh importer|schedule|loader [SECONDS]}
seconds=${2:-300}
jobs=${JOBS:-2}
case "$target" in
importer) binary=pp-import-fuzzer max_len=600000 dict= ;;
schedule) binary=pp-sched-fuzzer max_len=65536 dict=tools/pp-sched-fuzzer/schedule.dict ;;
loader) binary=pp-load-fuzzer max_len=600000 dict=tools/pp-load-fuzzer/manifest.dict ;;
*) echo "fuzz.sh: unknown target '$target' (importer, schedule or loader)" >&2
   exit 2 ;;
esac

[[ ${PP_SKIP_DEPS:-0} == 1 ]] || PP_WITH_FUZZER=1 scripts/install-deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="${FUZZ_CC:-clang-22}" \
  -DCMAKE_CXX_COMPILER="${FUZZ_CXX:-clang++-22}" \
  -DPP_ENABLE_FUZZER=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target "$binary"
corpus=build-fuzz/corpus-$target
crashes=build-fuzz/crashes-$target
mkdir -p "$corpus" "$crashes"

seed_importer() {
  # Binary models get a leading 0 byte, text models a leading 1 byte.
  for f in examples/*.onnx; do
    { printf '\x00'; cat "$f"; } > "$corpus/seed-$(basename "$f")"
  done
  find test -name '*.onnxtext' | while read -r f; do
    { printf '\x01'; cat "$f"; } > "$corpus/seed-$(echo "$f" | tr / _)"
  done
}

seed_schedule() {
  # pp-sched's lit inputs ('#' lines are comments to the parser) and every
  # generator's lists, with and without communication.
  for f in test/Tools/pp-sched/*.test test/Tools/pp-sched/Inputs/*; do
    cp "$f" "$corpus/seed-$(echo "$f" | tr / _)"
  done
  cmake --build build-fuzz -j"$jobs" --target pp-sched
  local kind
  for kind in gpipe 1f1b interleaved-1f1b zb-h1 zb-h2 zb-v; do
    ASAN_OPTIONS=detect_leaks=0 build-fuzz/bin/pp-sched -p 3 -m 4 \
      --schedule "$kind" --tied | sed '/^step time:/,$d' \
      > "$corpus/seed-$kind.sched"
    ASAN_OPTIONS=detect_leaks=0 build-fuzz/bin/pp-sched -p 2 -m 3 \
      --schedule "$kind" --compute-only | sed '/^step time:/,$d' \
      > "$corpus/seed-$kind-compute.sched"
  done
}

# pack_export DIR OUT: DIR's manifest, then each stage's program and (as a
# size only) its weights file, in pp-load-fuzzer's input format.
pack_export() {
  local dir=$1 out=$2 f
  {
    cat "$dir/manifest.pbtxt"
    for f in "$dir"/stage*.pb; do
      printf '\n%%%%%% %s\n' "$(basename "$f")"
      cat "$f"
    done
    for f in "$dir"/stage*.weights; do
      printf '\n%%%%%% %s %s\n' "$(basename "$f")" "$(stat -c %s "$f")"
    done
  } > "$out"
}

seed_loader() {
  local work=build-fuzz/loader-seeds schedule
  rm -rf "$work" && mkdir -p "$work"
  [[ -x build/bin/pp-opt ]] || {
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j"$jobs" --target pp-opt
  }
  sh test/Tools/pp-run/Inputs/make-linear.sh runtime/proto/program.proto \
    /usr/include/onnx/onnx.proto "$work/linear" 2
  pack_export "$work/linear/program" "$corpus/seed-linear"
  build/bin/pp-opt examples/tiny_gpt.onnx \
    --pp-pipeline="num-stages=1 microbatches=2" \
    --pp-export="$work/gpt-1" >/dev/null
  pack_export "$work/gpt-1" "$corpus/seed-gpt-1"
  for schedule in 1f1b zb-h1 interleaved-1f1b zb-v; do
    build/bin/pp-opt examples/tiny_gpt.onnx \
      --pp-pipeline="num-stages=2 microbatches=4 schedule=$schedule" \
      --pp-export="$work/gpt-$schedule" >/dev/null
    pack_export "$work/gpt-$schedule" "$corpus/seed-gpt-2-$schedule"
  done
}

"seed_$target"
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons slabs in code
# inlined into the instrumented targets but not in the uninstrumented
# libMLIR.so and libLLVM.so sharing them, which would report false
# use-after-poison errors.
ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 "build-fuzz/bin/$binary" \
  "$corpus" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
  -rss_limit_mb=4096 -artifact_prefix="$crashes/" -print_final_stats=1 \
  ${dict:+-dict="$dict"}
