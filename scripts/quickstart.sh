#!/usr/bin/env bash
# Installs what is missing, builds pp, and runs the main job on the bundled
# example model: import the tiny GPT, summarise it, and plan it for two
# pipeline stages (cost model, optimal cut, schedule, simulation).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
model=examples/tiny_gpt.onnx
echo "== pp-opt $model --pp-summary"
build/bin/pp-opt "$model" --pp-summary -o /dev/null
pipeline="num-stages=2 microbatches=4 schedule=auto timeline=build/tiny_gpt_plan.svg"
echo
echo "== pp-opt $model --pp-pipeline=\"$pipeline\" --pp-report=-"
build/bin/pp-opt "$model" --pp-pipeline="$pipeline" --pp-report=- \
  -o build/tiny_gpt_plan.mlir
echo
echo "== the planned module is in build/tiny_gpt_plan.mlir, the simulated"
echo "   timeline in build/tiny_gpt_plan.svg"
