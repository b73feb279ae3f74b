#!/usr/bin/env bash
# Installs what is missing, builds pp, and runs the main job on the bundled
# example model, the tiny GPT: a pipelined training run of two stages as two
# threads, planned with this machine's measured costs, next to its simulated
# and measured timelines.
#
#   1. summarise the model;
#   2. measure this machine: train the model on one stage for a few steps
#      with pp-run --profile=FILE.json, which writes a device profile;
#   3. plan two stages with that profile (cost model, optimal cut, ZB-H1
#      schedule, send/recv, verification, simulation), outline each stage,
#      differentiate it, and export one program per stage;
#   4. train 20 steps with both stages as threads, and compare the measured
#      step and each stage's peak memory with the plan (pp-run
#      --plan-report, --report).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
model=examples/tiny_gpt.onnx
data=examples/data/tiny_gpt_m4 # 4 microbatches of the model's 2 sequences
out=build/quickstart
rm -rf "$out" && mkdir -p "$out"

echo "== pp-opt $model --pp-summary"
build/bin/pp-opt "$model" --pp-summary -o /dev/null

echo
echo "== measuring this machine: one stage, 4 steps, pp-run --profile=$out/cpu-measured.json"
build/bin/pp-opt "$model" --pp-pipeline="num-stages=1 microbatches=4" \
  --pp-export="$out/one-stage" -o /dev/null
build/bin/pp-run "$out/one-stage" --data "$data" --steps 4 \
  --profile="$out/cpu-measured.json" >/dev/null 2>"$out/one-stage-profile.txt" ||
  { cat "$out/one-stage-profile.txt" >&2; exit 1; }
echo "   (per-op times in $out/one-stage-profile.txt)"

pipeline="num-stages=2 microbatches=4 schedule=zb-h1"
echo
echo "== pp-opt $model --pp-pipeline=\"$pipeline\" --pp-device=$out/cpu-measured.json --pp-report=- --pp-export=$out/pipeline"
build/bin/pp-opt "$model" \
  --pp-pipeline="$pipeline trace=$out/planned-trace.json timeline=$out/planned.svg" \
  --pp-device="$out/cpu-measured.json" --pp-report=- \
  --pp-export="$out/pipeline" -o "$out/pipeline.mlir"

echo
echo "== pp-run $out/pipeline --data $data --steps 20 --optimizer adamw --lr 0.01 --plan-report --report $out/memory.json"
build/bin/pp-run "$out/pipeline" --data "$data" --steps 20 \
  --optimizer adamw --lr 0.01 --plan-report --report "$out/memory.json" \
  --trace "$out/measured-trace.json" --save "$out/tiny_gpt_trained.onnx"

echo
echo "== the pipelined training step (one function per stage and its backward"
echo "   functions, the schedule with its sends and receives) is in"
echo "   $out/pipeline.mlir, its programs in $out/pipeline/, the trained"
echo "   model in $out/tiny_gpt_trained.onnx; each stage's measured and"
echo "   predicted peak memory in $out/memory.json (docs/Memory.md)."
echo "== timelines: simulated $out/planned-trace.json (and $out/planned.svg),"
echo "   measured $out/measured-trace.json: open both in https://ui.perfetto.dev"
echo "   (one track per stage, the same action names)."
