#!/usr/bin/env bash
# Installs what is missing, builds pp, and runs the main job on the bundled
# example model, the tiny GPT: summarise it, plan it for two pipeline stages
# (cost model, optimal cut, schedule, simulation), then compile its training
# step (loss, backward pass, program export) and train it with pp-run.
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
echo
echo "== pp-opt $model --pp-pipeline=\"num-stages=1 microbatches=1\" --pp-export=build/tiny_gpt_train"
build/bin/pp-opt "$model" --pp-pipeline="num-stages=1 microbatches=1" \
  --pp-export=build/tiny_gpt_train -o build/tiny_gpt_train.mlir
echo
echo "== pp-run build/tiny_gpt_train --data examples/data/tiny_gpt --steps 20 --optimizer adamw --lr 0.01"
build/bin/pp-run build/tiny_gpt_train --data examples/data/tiny_gpt --steps 20 \
  --optimizer adamw --lr 0.01 --save build/tiny_gpt_trained.onnx
echo
echo "== the training step (forward, backward-input, backward-weight) is in"
echo "   build/tiny_gpt_train.mlir, its program in build/tiny_gpt_train/, the"
echo "   trained model in build/tiny_gpt_trained.onnx"
