"""Checks an export directory's weights against the ONNX model they came
from: every parameter of stage0.pb lies at a 64-byte aligned offset of
stage0.weights, the ranges do not overlap, and each holds exactly the bytes
of its ONNX initializer (or large Constant, `constant:NAME`) as ONNX's own
reader decodes it, with the parameter's dtype and shape.

usage: check_weights.py PROGRAM_PB2_DIR MODEL EXPORT_DIR
(PROGRAM_PB2_DIR holds program_pb2.py, made by protoc --python_out.)
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

pb2_dir, model_path, export_dir = sys.argv[1:4]
sys.path.insert(0, pb2_dir)
import program_pb2  # noqa: E402

if model_path.endswith(".onnxtext"):
    import onnx.parser
    model = onnx.parser.parse_model(open(model_path).read())
else:
    model = onnx.load(model_path)  # Reads external data next to the model.

tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
for node in model.graph.node:
    if node.op_type == "Constant":
        for attr in node.attribute:
            if attr.name == "value":
                tensors["constant:" + node.output[0]] = \
                    numpy_helper.to_array(attr.t)

dtypes = {program_pb2.FLOAT32: np.float32, program_pb2.FLOAT64: np.float64,
          program_pb2.INT64: np.int64, program_pb2.INT32: np.int32,
          program_pb2.BOOL: np.bool_, program_pb2.FLOAT16: np.float16,
          program_pb2.INT8: np.int8, program_pb2.UINT8: np.uint8,
          program_pb2.INT16: np.int16, program_pb2.UINT16: np.uint16,
          program_pb2.UINT32: np.uint32, program_pb2.UINT64: np.uint64}

program = program_pb2.Program()
with open(os.path.join(export_dir, "stage0.pb"), "rb") as f:
    program.ParseFromString(f.read())
with open(os.path.join(export_dir, "stage0.weights"), "rb") as f:
    weights = f.read()

end = 0
for p in program.parameters:
    want = tensors.get(p.source_name)
    if want is None:
        sys.exit("parameter %s: no initializer %s" % (p.name, p.source_name))
    if p.offset % 64 != 0 or p.offset < end:
        sys.exit("parameter %s: offset %d is unaligned or overlaps"
                 % (p.name, p.offset))
    if list(p.type.shape) != list(want.shape) or \
            np.dtype(dtypes[p.type.dtype]) != want.dtype:
        sys.exit("parameter %s: type %s%s, initializer %s%s"
                 % (p.name, program_pb2.DataType.Name(p.type.dtype),
                    list(p.type.shape), want.dtype, list(want.shape)))
    got = weights[p.offset:p.offset + p.length]
    if p.length != want.nbytes or got != want.astype("<" + want.dtype.str[1:]
                                                     ).tobytes():
        sys.exit("parameter %s: bytes [%d, %d) differ from initializer %s"
                 % (p.name, p.offset, p.offset + p.length, p.source_name))
    end = p.offset + p.length
if end != len(weights):
    sys.exit("the weights file has %d bytes after the last parameter"
             % (len(weights) - end))
print("verified %d parameters, %d bytes" % (len(program.parameters), end))
