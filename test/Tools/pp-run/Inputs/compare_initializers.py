"""Prints, for each initializer of BEFORE.onnx, whether AFTER.onnx holds it
unchanged ("kept") or with other values ("trained")."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def initializers(path):
    return {t.name: numpy_helper.to_array(t)
            for t in onnx.load(path).graph.initializer}


before, after = initializers(sys.argv[1]), initializers(sys.argv[2])
for name, value in before.items():
    print(name, "kept" if np.array_equal(value, after[name]) else "trained")
