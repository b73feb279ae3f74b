#!/usr/bin/env bash
# Installs what is missing, builds pp, and runs the main job on the bundled
# example model: import the tiny GPT and print its summary and IR.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
model=examples/tiny_gpt.onnx
echo "== pp-opt $model --pp-summary -o build/tiny_gpt.mlir"
build/bin/pp-opt "$model" --pp-summary -o build/tiny_gpt.mlir
echo "== the imported module is in build/tiny_gpt.mlir; its first lines:"
head -n 12 build/tiny_gpt.mlir
