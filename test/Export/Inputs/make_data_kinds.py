"""Writes a binary ONNX model whose parameters come in every form the
exporter reads: a large Constant node (a global keyed `constant:NAME`), a
large int64, a large uint32 and a large bool initializer (constant
globals), a float16 initializer in raw bytes, and a small float initializer in the typed
`float_data` field. `make_data_kinds.py OUT.onnx`.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
n = 70000  # More than the importer inlines as a constant.

big = rng.standard_normal((300, 256)).astype(np.float32)
ids = rng.integers(-1000, 1000, size=n).astype(np.int64)
counts = rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32)
mask = rng.integers(0, 2, size=n).astype(np.bool_)
half = rng.standard_normal(8).astype(np.float16)
typed = helper.make_tensor("typed", TensorProto.FLOAT, [4],
                           [0.5, -1.25, 2.0, 3.75])

nodes = [
    helper.make_node("Constant", [], ["big"], name="big_constant",
                     value=numpy_helper.from_array(big, "big")),
    helper.make_node("Add", ["x", "big"], ["y"], name="add_big"),
    helper.make_node("Add", ["i", "ids"], ["j"], name="add_ids"),
    helper.make_node("Add", ["c", "counts"], ["d"], name="add_counts"),
    helper.make_node("Where", ["mask", "a", "b"], ["w"], name="where"),
    helper.make_node("Add", ["h", "half"], ["k"], name="add_half"),
    helper.make_node("Add", ["v", "typed"], ["u"], name="add_typed"),
]
inputs = [
    helper.make_tensor_value_info("x", TensorProto.FLOAT, [300, 256]),
    helper.make_tensor_value_info("i", TensorProto.INT64, [n]),
    helper.make_tensor_value_info("c", TensorProto.UINT32, [n]),
    helper.make_tensor_value_info("a", TensorProto.FLOAT, [n]),
    helper.make_tensor_value_info("b", TensorProto.FLOAT, [n]),
    helper.make_tensor_value_info("h", TensorProto.FLOAT16, [8]),
    helper.make_tensor_value_info("v", TensorProto.FLOAT, [4]),
]
outputs = [
    helper.make_tensor_value_info("y", TensorProto.FLOAT, [300, 256]),
    helper.make_tensor_value_info("j", TensorProto.INT64, [n]),
    helper.make_tensor_value_info("d", TensorProto.UINT32, [n]),
    helper.make_tensor_value_info("w", TensorProto.FLOAT, [n]),
    helper.make_tensor_value_info("k", TensorProto.FLOAT16, [8]),
    helper.make_tensor_value_info("u", TensorProto.FLOAT, [4]),
]
initializers = [numpy_helper.from_array(ids, "ids"),
                numpy_helper.from_array(counts, "counts"),
                numpy_helper.from_array(mask, "mask"),
                numpy_helper.from_array(half, "half"), typed]
graph = helper.make_graph(nodes, "data_kinds", inputs, outputs, initializers)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
