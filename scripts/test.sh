#!/usr/bin/env bash
# Installs what is missing, builds pp and runs the whole test suite (lit and
# GoogleTest, through ctest). GPU tests skip with a message where no GPU is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build --output-on-failure -j "${PP_JOBS:-2}"
