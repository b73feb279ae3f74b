#!/usr/bin/env python3
"""Writes a small MLP with a training-mode Dropout and its data.

    make_dropout_mlp.py OUT_DIR

OUT_DIR/dropout_mlp.onnx: x[2,16] -> Gemm -> Relu -> Dropout(0.25, training)
-> Gemm -> logits[2,4] per microbatch; OUT_DIR/data/{x,labels}.pb: a batch
of 4 microbatches for pp-run.
Recomputing the dropout in a backward function must draw the same mask.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    rng = np.random.default_rng(7)

    def init(name, *shape):
        return numpy_helper.from_array(
            (rng.standard_normal(shape) * 0.3).astype(np.float32), name)

    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Constant", [], ["ratio"],
                         value=numpy_helper.from_array(
                             np.array(0.25, dtype=np.float32))),
        helper.make_node("Constant", [], ["train"],
                         value=numpy_helper.from_array(np.array(True))),
        helper.make_node("Dropout", ["r", "ratio", "train"], ["d"], seed=3),
        helper.make_node("Gemm", ["d", "w2", "b2"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "dropout_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 16])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [2, 4])],
        [init("w1", 32, 16), init("b1", 32), init("w2", 4, 32),
         init("b2", 4)])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "dropout_mlp.onnx"))
    for name, array in [
            ("x", rng.standard_normal((8, 16)).astype(np.float32)),
            ("labels", rng.integers(0, 4, size=8).astype(np.int64))]:
        with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(array, name).SerializeToString())


if __name__ == "__main__":
    main()
