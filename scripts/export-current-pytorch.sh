#!/usr/bin/env bash
# Exports the conformance set with current PyTorch's two ONNX exporters
# (TorchScript, dynamo=False; torch.export, dynamo=True) and writes the
# golden trajectories the test suite compares pp with
# (test/Parity/current-pytorch.test), into
# test/Parity/Inputs/current-pytorch/.
#
#   scripts/export-current-pytorch.sh [MODEL ...]
#
# It makes its own virtual environment, build/current-pytorch-venv, with
# the versions pinned in test/Parity/current-pytorch-requirements.txt from
# PyPI (PyTorch's Linux wheel pulls its CUDA libraries, a few GB; only the
# CPU computes). The suite itself needs none of it: the exports are
# committed. Rerun it after changing the generator
# (test/Parity/export_current_pytorch.py and what it imports): the
# manifest test says when.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/build/current-pytorch-venv"
requirements="$root/test/Parity/current-pytorch-requirements.txt"
stamp="$venv/requirements.txt"

if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  echo "export-current-pytorch: installing $(grep -c '==' "$requirements") pinned packages into $venv" >&2
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi

out="$root/test/Parity/Inputs/current-pytorch"
if [[ $# -eq 0 ]]; then
  rm -rf "$out"
fi
mkdir -p "$out"
cd "$root/test/Parity"
# One thread: the exports and the float64 reference are then computed the
# same way on every run.
OMP_NUM_THREADS=1 PYTHONHASHSEED=0 "$venv/bin/python" \
  export_current_pytorch.py --out "$out" "$@"
