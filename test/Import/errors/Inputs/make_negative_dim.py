"""Writes OUT.onnx, whose graph input X declares dimension -3 (ONNX's text
syntax cannot spell a negative dimension)."""
import sys

import onnx
from onnx import TensorProto, helper

graph = helper.make_graph(
    [helper.make_node("Relu", ["X"], ["Y"])], "negative",
    [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, -3])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          sys.argv[1])
