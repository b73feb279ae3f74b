#!/usr/bin/env python3
"""Compares two example data trees written by examples/export_models.py.

    compare_data.py GOT WANT [--rtol R]

The trees must hold the same files. Files other than TensorProto (`.pb`)
files must be byte-identical; tensors must have the same name, element type
and shape, and every element must satisfy

    |got - want| <= rtol * max(|want|, rms(want))

The golden data is PyTorch run in float64 and rounded to float32: the
float64 sums behind it depend on the CPU's vector width and the BLAS's
blocking, so two machines can round a value whose exact result is zero
(attention's key bias gradient) to different numbers of the order of 1e-18.
A byte comparison would then fail on any machine but the one that wrote the
files, while a tolerance of 1e-6 of the tensor's typical magnitude is still
far below any change of the training step the golden data is meant to pin.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def files_under(root):
    out = set()
    for dirpath, _, names in os.walk(root):
        for name in names:
            out.add(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def compare_tensor(path_got, path_want, rtol):
    got = onnx.load_tensor(path_got)
    want = onnx.load_tensor(path_want)
    if got.name != want.name:
        return "name %r, expected %r" % (got.name, want.name)
    a, b = numpy_helper.to_array(got), numpy_helper.to_array(want)
    if a.dtype != b.dtype or a.shape != b.shape:
        return "%s%s, expected %s%s" % (a.dtype, a.shape, b.dtype, b.shape)
    if not np.issubdtype(b.dtype, np.floating):
        return None if np.array_equal(a, b) else "integer values differ"
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not (np.isfinite(a64).all() and np.isfinite(b64).all()):
        same = np.array_equal(a64, b64, equal_nan=True)
        return None if same else "non-finite values differ"
    rms = float(np.sqrt(np.mean(b64 ** 2))) if b64.size else 0.0
    bound = rtol * np.maximum(np.abs(b64), rms)
    err = np.abs(a64 - b64)
    bad = err > bound
    if bad.any():
        i = int(np.argmax(np.where(bad, err - bound, -np.inf)))
        return "element %d is %r, expected %r (tolerance %.3g)" % (
            i, a64.flat[i], b64.flat[i], bound.flat[i])
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("got")
    parser.add_argument("want")
    parser.add_argument("--rtol", type=float, default=1e-6)
    args = parser.parse_args()
    got, want = files_under(args.got), files_under(args.want)
    problems = []
    for name in sorted(want - got):
        problems.append("%s: missing" % name)
    for name in sorted(got - want):
        problems.append("%s: not in %s" % (name, args.want))
    for name in sorted(got & want):
        a, b = os.path.join(args.got, name), os.path.join(args.want, name)
        if name.endswith(".pb"):
            problem = compare_tensor(a, b, args.rtol)
        else:
            with open(a, "rb") as fa, open(b, "rb") as fb:
                problem = None if fa.read() == fb.read() else "files differ"
        if problem:
            problems.append("%s: %s" % (name, problem))
    for p in problems:
        print(p)
    print("%d files compared, %d differ" % (len(got | want), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
