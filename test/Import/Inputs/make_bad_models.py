"""Writes a small, deliberately broken binary ONNX model for the importer's
error tests: `make_bad_models.py KIND OUT.onnx`.

The text syntax cannot express these defects (raw bytes, unknown data types,
external data), so the tests build them with onnx.helper at test time.
"""
import sys

import onnx
from onnx import TensorProto, helper


def model_with(initializer, input_type=TensorProto.FLOAT):
    x = helper.make_tensor_value_info("X", input_type, [2, 3])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])
    node = helper.make_node("Add", ["X", initializer.name], ["Y"], name="add")
    graph = helper.make_graph([node], "bad", [x], [y], [initializer])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def raw_tensor(name, data_type, dims, nbytes):
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    t.raw_data = bytes(nbytes)
    return t


def external_tensor(name, location, **entries):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend([2, 3])
    t.data_location = TensorProto.EXTERNAL
    for key, value in [("location", location)] + list(entries.items()):
        entry = t.external_data.add()
        entry.key = key
        entry.value = value
    return t


def make(kind):
    if kind == "raw-bytes":
        # 2 x 3 floats need 24 bytes.
        return model_with(raw_tensor("B", TensorProto.FLOAT, [2, 3], 20))
    if kind == "dtype-99":
        return model_with(raw_tensor("B", 99, [2, 3], 24))
    if kind == "input-dtype-99":
        return model_with(raw_tensor("B", TensorProto.FLOAT, [2, 3], 24),
                          input_type=99)
    if kind == "external-missing":
        return model_with(external_tensor("B", "missing.bin"))
    if kind == "external-escape":
        return model_with(external_tensor("B", "../weights.bin"))
    # Offsets and lengths that strtoll would half-read; a huge offset; a
    # directory as the data file (weights.bin next to the model, 24 bytes,
    # is written by the test).
    for bad in ("abc", "4abc", " 4", "-4"):
        if kind == "external-offset-" + bad.strip():
            return model_with(external_tensor("B", "weights.bin", offset=bad))
    if kind == "external-length-x":
        return model_with(external_tensor("B", "weights.bin", length="24x"))
    if kind == "external-offset-huge":
        return model_with(external_tensor("B", "weights.bin",
                                          offset="9223372036854775000"))
    if kind == "external-directory":
        return model_with(external_tensor("B", "weights.d"))
    if kind == "negative-dim":
        return model_with(raw_tensor("B", TensorProto.FLOAT, [-2, 3], 0))
    if kind == "named-mismatch":
        # A named node whose operands do not multiply.
        x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])
        w = helper.make_tensor_value_info("W", TensorProto.FLOAT, [4, 5])
        y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 5])
        node = helper.make_node("MatMul", ["X", "W"], ["Y"], name="proj")
        graph = helper.make_graph([node], "bad", [x, w], [y])
        return helper.make_model(graph,
                                 opset_imports=[helper.make_opsetid("", 17)])
    if kind == "named-duplicate":
        x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])
        y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])
        nodes = [helper.make_node("Relu", ["X"], ["a"], name="r1"),
                 helper.make_node("Tanh", ["X"], ["a"], name="r2"),
                 helper.make_node("Relu", ["a"], ["Y"], name="r3")]
        graph = helper.make_graph(nodes, "bad", [x], [y])
        return helper.make_model(graph,
                                 opset_imports=[helper.make_opsetid("", 17)])
    if kind == "einsum-empty-input":
        x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])
        y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])
        node = helper.make_node("Einsum", ["X", ""], ["Y"], name="ein",
                                equation="ij,ij->ij")
        graph = helper.make_graph([node], "bad", [x], [y])
        return helper.make_model(graph,
                                 opset_imports=[helper.make_opsetid("", 17)])
    raise SystemExit("unknown kind " + kind)


if __name__ == "__main__":
    onnx.save(make(sys.argv[1]), sys.argv[2])
