#!/bin/sh
# Builds the linear classifier's export directory, data and source model:
#
#   make-linear.sh PROGRAM_PROTO ONNX_PROTO OUT [MICROBATCHES] [DTYPE]
#
# writes OUT/program/ (manifest.pbtxt, stage0.pb, stage0.weights with
# w = [[0.5, -0.25], [0.25, 0], [-0.5, 0.75]]), OUT/data/{x,labels}.pb and
# OUT/model.onnx. MICROBATCHES (default 1) cuts the batch of 4; DTYPE f64
# makes an f64 program (its weights are zero: gradient checks fill them).
set -e
program_proto=$1 onnx_proto=$2 out=$3 microbatches=${4:-1} dtype=${5:-f32}
inputs=$(dirname "$0")
rows=$((4 / microbatches))
mkdir -p "$out/program" "$out/data"

edit="s/microbatches: 1/microbatches: $microbatches/"
manifest_edit="$edit; s|SOURCE_MODEL|$out/model.onnx|"
edit="$edit; s/shape: 4 /shape: $rows /g"
if [ "$dtype" = f64 ]; then
  edit="$edit; s/FLOAT32/FLOAT64/g; s/length: 24/length: 48/"
  manifest_edit="$manifest_edit; s/FLOAT32/FLOAT64/g"
  head -c 48 /dev/zero > "$out/program/stage0.weights"
else
  # 0.5, -0.25, 0.25, 0, -0.5, 0.75 as little-endian floats.
  printf '\000\000\000\077\000\000\200\276\000\000\200\076' \
    > "$out/program/stage0.weights"
  printf '\000\000\000\000\000\000\000\277\000\000\100\077' \
    >> "$out/program/stage0.weights"
fi
sed "$edit" "$inputs/linear.program" |
  protoc --encode=pp.program.Program -I "$(dirname "$program_proto")" \
    "$program_proto" > "$out/program/stage0.pb"
sed "$manifest_edit" "$inputs/linear.manifest" > "$out/program/manifest.pbtxt"

encode() {
  protoc --encode="onnx.$1" -I "$(dirname "$onnx_proto")" "$onnx_proto"
}
encode TensorProto < "$inputs/x.txt" > "$out/data/x.pb"
encode TensorProto < "$inputs/labels.txt" > "$out/data/labels.pb"
encode ModelProto < "$inputs/model.txt" > "$out/model.onnx"
