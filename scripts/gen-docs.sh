#!/usr/bin/env bash
# Regenerates the TableGen-derived docs (dialect ops, passes) into docs/.
# The test suite checks that the committed copies are current.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build --target mlir-doc >/dev/null
mkdir -p docs/Dialects
cp build/docs/Dialects/NNDialect.md docs/Dialects/NNDialect.md
cp build/docs/Dialects/PPDialect.md docs/Dialects/PPDialect.md
cp build/docs/PPPasses.md docs/Passes.md
cp build/docs/PartitionPasses.md docs/PartitionPasses.md
cp build/docs/SchedulePasses.md docs/SchedulePasses.md
cp build/docs/TrainingPasses.md docs/TrainingPasses.md
cp build/docs/ExportPasses.md docs/ExportPasses.md
