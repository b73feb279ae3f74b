#!/usr/bin/env bash
# Configures and builds pp in build/ (Release, Ninja, 2 jobs by default).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${PP_JOBS:-2}"
