"""Writes a batch for examples/tiny_gpt.onnx of M microbatches.

    make-gpt-data.py M OUT

OUT/input_ids.pb and OUT/labels.pb: M microbatches of the model's batch of
2 sequences of 16 tokens (vocabulary 128), stacked along axis 0, drawn with
a fixed seed.
"""
import os
import sys

import numpy as np
from onnx import numpy_helper

m, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
seq = rng.integers(0, 128, size=(2 * m, 17), dtype=np.int64)
for name, array in (("input_ids", seq[:, :16]), ("labels", seq[:, 1:])):
    tensor = numpy_helper.from_array(np.ascontiguousarray(array), name=name)
    with open(os.path.join(out, name + ".pb"), "wb") as f:
        f.write(tensor.SerializeToString())
