"""Compares tensors in ONNX files with expected values.

    check-tensors.py WHAT VALUES [WHAT VALUES ...]

WHAT is a TensorProto file, or MODEL.onnx:INITIALIZER; VALUES the expected
elements, comma-separated, in row-major order. Passes within 1e-5 absolute
plus 1e-5 relative per element; prints "N tensors match", or each mismatch
and exits 1.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load(what):
    if ".onnx:" in what:
        path, name = what.rsplit(":", 1)
        for init in onnx.load(path).graph.initializer:
            if init.name == name:
                return numpy_helper.to_array(init)
        sys.exit("%s: no initializer '%s'" % (path, name))
    return numpy_helper.to_array(onnx.load_tensor(what))


def main(args):
    if len(args) % 2:
        sys.exit(__doc__)
    failed = False
    for what, text in zip(args[0::2], args[1::2]):
        got = load(what).astype(np.float64).ravel()
        want = np.array([float(v) for v in text.split(",")])
        if got.shape != want.shape or not np.all(
                np.abs(got - want) <= 1e-5 + 1e-5 * np.abs(want)):
            print("%s: got %s, want %s" % (what, got.tolist(), want.tolist()))
            failed = True
    if failed:
        sys.exit(1)
    print("%d tensors match" % (len(args) // 2))


main(sys.argv[1:])
