#!/usr/bin/env bash
# The CUDA backend's checks on a machine with a GPU, in one call: builds pp
# for this GPU's architecture (build-gpu/), runs the `gpu`-labelled tests
# (the CUDA kernels against the CPU's, under compute-sanitizer too), the
# lit tests that run pipelines on the GPU, and the CUDA benchmark
# (bench/cuda/run_cuda_bench.py). Logs and the benchmark's tables go to
# $OUT (default gpu-results/); a short summary is printed last.
#
#   scripts/gpu-check.sh [--skip-bench] [--quick-bench]
#
# --quick-bench runs the benchmark on a smaller GPT (d_model 1024, 8 blocks,
# sequence 512) for a first look within a short lease.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-results}
mkdir -p "$out"
bench=full
for arg in "$@"; do
  case $arg in
  --skip-bench) bench=none ;;
  --quick-bench) bench=quick ;;
  *) echo "usage: scripts/gpu-check.sh [--skip-bench] [--quick-bench]" >&2
     exit 2 ;;
  esac
done

summary=()
step() { # step NAME LOG COMMAND...: runs COMMAND, logs it, records the outcome
  local name=$1 log=$2
  shift 2
  local start=$SECONDS
  if "$@" > "$out/$log" 2>&1; then
    summary+=("ok      $name ($((SECONDS - start)) s)")
  else
    summary+=("FAILED  $name ($((SECONDS - start)) s, see $out/$log)")
  fi
}

nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null |
       head -1 | tr -d '.')
arch=${arch:-90}
jobs=$(nproc)

step "configure (sm_$arch)" cmake.log \
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPP_CUDA_ARCHITECTURES="$arch"
step build build.log ninja -C build-gpu -j "$jobs"
step "gpu tests (kernels, memcheck, racecheck)" ctest-gpu.log \
  ctest --test-dir build-gpu -L gpu --output-on-failure
step "lit: pipelines and pp-run on the GPU" lit-gpu.log \
  /usr/lib/llvm-22/bin/lit -v build-gpu/test/Parity/cuda-pipelines.test \
  build-gpu/test/Tools/pp-run/cuda-backend.test \
  build-gpu/test/Tools/pp-run/cuda-fusion.test
case $bench in
full)
  step benchmark bench.log /usr/bin/python3 bench/cuda/run_cuda_bench.py \
    --build build-gpu ;;
quick)
  step "benchmark (quick)" bench.log /usr/bin/python3 \
    bench/cuda/run_cuda_bench.py --build build-gpu --d-model 1024 \
    --heads 8 --layers 8 --seq 512 ;;
esac

echo "GPU: $(head -20 "$out/nvidia-smi.txt" | grep -m1 -o 'NVIDIA [A-Z0-9a-z -]*' || echo unknown)"
printf '%s\n' "${summary[@]}"
if [ -f "$out/bench.log" ]; then
  grep -E '^\|' "$out/bench.log" | tail -20
fi
