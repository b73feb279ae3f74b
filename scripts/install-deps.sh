#!/usr/bin/env bash
# Installs the Debian packages pp needs, only those that are missing.
# Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libonnx-dev libprotobuf-dev protobuf-compiler
  libopenblas-dev libopenmpi-dev openmpi-bin
  libgtest-dev googletest
  libglpk-dev
  libonnx-testdata
  python3-torch python3-onnx python3-numpy python3-torchvision python3-venv
)
# The fuzzer (PP_ENABLE_FUZZER) additionally needs clang with libFuzzer.
if [[ "${PP_WITH_FUZZER:-0}" == 1 ]]; then
  packages+=(clang-22 libclang-rt-22-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# The conformance set's Hugging Face architectures come from transformers,
# which Debian does not package: a virtual environment in build/ that sees
# Debian's PyTorch, with the one transformers release known to work with it.
TRANSFORMERS_VERSION=4.36.2
setup_conformance_venv() {
  local venv
  venv="$(cd "$(dirname "$0")/.." && pwd)/build/conformance-venv"
  if "$venv/bin/python" -c "import transformers, sys; sys.exit(transformers.__version__ != '$TRANSFORMERS_VERSION')" 2>/dev/null; then
    return
  fi
  echo "install-deps: transformers $TRANSFORMERS_VERSION into $venv" >&2
  rm -rf "$venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "transformers==$TRANSFORMERS_VERSION"
}

if [[ ${#missing[@]} -eq 0 ]]; then
  setup_conformance_venv
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
setup_conformance_venv
