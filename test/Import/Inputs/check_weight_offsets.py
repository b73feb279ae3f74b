"""Checks that every parameter whose data the importer located inside the
model file (#nn.external<..., location = ..., offset = N, length = M>) points
at exactly the bytes of that initializer, as ONNX's own reader decodes it.

usage: check_weight_offsets.py MODEL.onnx IMPORTED.mlir
"""
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model_path, mlir_path = sys.argv[1:3]
expected = {t.name: numpy_helper.to_array(t)
            for t in onnx.load(model_path).graph.initializer}
raw = open(model_path, "rb").read()
pattern = re.compile(r'#nn\.external<"[^"]*", "([^"]+)", location = "[^"]*", '
                     r'offset = (\d+), length = (\d+)>')
checked = 0
for key, offset, length in pattern.findall(open(mlir_path).read()):
    want = expected[key]
    offset, length = int(offset), int(length)
    got = np.frombuffer(raw[offset:offset + length], dtype=want.dtype)
    if length != want.nbytes or not np.array_equal(got.reshape(want.shape), want):
        sys.exit("parameter %s: bytes at offset %d do not match" % (key, offset))
    checked += 1
print("verified %d parameters" % checked)
