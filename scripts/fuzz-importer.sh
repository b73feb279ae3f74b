#!/usr/bin/env bash
# Fuzzes the ONNX importer for SECONDS (default 300): scripts/fuzz.sh's
# importer target, kept under its old name.
exec "$(dirname "$0")/fuzz.sh" importer "$@"
