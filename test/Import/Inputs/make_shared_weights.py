"""Writes two models with named nodes (ONNX 1.12's text syntax cannot name
nodes): OUT/blocks.onnx, whose repeated blocks' MatMul nodes read one
weight, and OUT/tied.onnx, a token embedding tied to an LM head."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
w = numpy_helper.from_array(np.eye(4, dtype=np.float32), "w")
blocks = helper.make_graph(
    [helper.make_node("MatMul", ["X", "w"], ["a"], name="n0"),
     helper.make_node("MatMul", ["a", "w"], ["h0"], name="/blocks.0/fc/MatMul"),
     helper.make_node("MatMul", ["h0", "w"], ["Y"], name="/blocks.1/fc/MatMul")],
    "blocks", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 4])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 4])], [w])
onnx.save(helper.make_model(blocks, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "blocks.onnx"))
emb = numpy_helper.from_array(
    np.arange(32, dtype=np.float32).reshape(8, 4), "emb")
tied = helper.make_graph(
    [helper.make_node("Gather", ["emb", "ids"], ["e"], name="/tok_emb/Gather"),
     helper.make_node("Transpose", ["emb"], ["t"], name="/lm_head/Transpose",
                      perm=[1, 0]),
     helper.make_node("MatMul", ["e", "t"], ["Y"], name="/lm_head/MatMul")],
    "tied", [helper.make_tensor_value_info("ids", TensorProto.INT64, [2])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 8])], [emb])
onnx.save(helper.make_model(tied, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "tied.onnx"))
