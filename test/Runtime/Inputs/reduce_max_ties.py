"""ReduceMax/ReduceMin with ties, trained by pp against PyTorch.

    reduce_max_ties.py OUT PP_OPT PP_RUN

Exports a module whose parameter has ties along the reduced axes
(torch.amax and torch.amin, which share the gradient equally among tied
elements), imports it with pp-opt (loss = the model's scalar output),
runs one step with pp-run --dump and compares pp's parameter gradient
with torch.autograd's, in float64. Prints one line per parameter.
"""

import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

out, pp_opt, pp_run = sys.argv[1:4]
os.makedirs(os.path.join(out, "data"), exist_ok=True)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # Rows with two, three and no ties for the maximum; a column with
        # two ties for the minimum; 3.0 twice for the maximum of all.
        self.w = torch.nn.Parameter(torch.tensor(
            [[1.0, 3.0, 3.0, -1.0],
             [2.0, 2.0, 2.0, 0.5],
             [-4.0, 2.0, 1.5, 2.5]], dtype=torch.float64))

    def forward(self, x):
        y = self.w * x
        top = torch.amax(y, dim=1)
        low = torch.amin(y, dim=0, keepdim=True)
        whole = torch.amax(self.w, dim=(0, 1))
        return (top * top).sum() + (low * low).sum() + whole


torch.manual_seed(0)
model = Model()
x = torch.ones(3, 4, dtype=torch.float64)
x[2, 0] = 0.5
path = os.path.join(out, "model.onnx")
torch.onnx.export(model, (x,), path, input_names=["x"], output_names=["y"],
                  opset_version=13, training=torch.onnx.TrainingMode.TRAINING,
                  do_constant_folding=False)
with open(os.path.join(out, "data", "x.pb"), "wb") as f:
    f.write(numpy_helper.from_array(x.numpy(), "x").SerializeToString())

loss = model(x)
loss.backward()
want = model.w.grad.numpy()

program = os.path.join(out, "program")
subprocess.run([pp_opt, path, "--pp-attach-loss=kind=output", "--pp-autodiff",
                "--pp-export=" + program, "-o", os.devnull], check=True)
dump = os.path.join(out, "dump")
subprocess.run([pp_run, program, "--data", os.path.join(out, "data"),
                "--steps", "1", "--dump", dump], check=True,
               stdout=subprocess.DEVNULL)
ops = sorted({n.op_type for n in onnx.load(path).graph.node})
print("ops:", " ".join(ops))
for name in sorted(os.listdir(os.path.join(dump, "grad"))):
    proto = onnx.TensorProto()
    with open(os.path.join(dump, "grad", name), "rb") as f:
        proto.ParseFromString(f.read())
    got = numpy_helper.to_array(proto)
    ok = got.shape == want.shape and np.allclose(got, want, rtol=1e-12,
                                                 atol=1e-12)
    print("grad %s: %s" % (proto.name, "matches PyTorch" if ok else
                           "differs: pp %s, PyTorch %s" % (got.tolist(),
                                                           want.tolist())))
