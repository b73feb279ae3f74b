"""Writes MODEL.onnx to OUT.onnx with one ONNX TrainingInfoProto whose
update_binding names the initializers given after it (and nothing else)."""
import sys

import onnx
from onnx import helper

model = onnx.load(sys.argv[1])
info = onnx.TrainingInfoProto()
info.algorithm.CopyFrom(helper.make_graph([], "algorithm", [], []))
for name in sys.argv[3:]:
    binding = info.update_binding.add()
    binding.key = name
    binding.value = name + ".updated"
model.training_info.append(info)
onnx.save(model, sys.argv[2])
