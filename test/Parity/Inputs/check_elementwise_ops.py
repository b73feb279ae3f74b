#!/usr/bin/env python3
"""Parity of pp's gradients of the elementwise ONNX operators with
torch.autograd, in float64, at PyTorch's own choices where the derivative
is not defined.

    check_elementwise_ops.py --pp-opt PATH --pp-run PATH --work DIR

Builds a float64 module whose scalar loss sums, over the terms below, each
term times a weight of its own (a parameter, so that the weight's gradient
is the term itself and checks the forward), exports it with
torch.onnx (opset 17, training mode), and runs
`pp-opt --pp-attach-loss=kind=output --pp-autodiff --pp-export` and
`pp-run --dump` on one batch. The loss and every gradient must match
torch.autograd's within 1e-7 of the tensor's scale: HardSigmoid's alpha
is the float32 1/6 in ONNX, which moves its terms by about 3e-8; the rest
agree to rounding.

The parameter `p` holds the values where the functions have kinks, with
PyTorch's backward there: Hardswish at -3 (its middle piece holds that
end: -1/2), Hardsigmoid at -3 and 3 (0: the ends are out), clamp at its
bounds 0 and 6 (the gradient passes: clamp_backward is inclusive), abs and
sign at 0 (0); `q` ties with a row of `p` in maximum and with a row of the
input in minimum (each operand gets half). Two kinks stay off: Hardswish
at +3, where torch 1.13's CPU kernel gives 3/2 in its scalar loop (as its
formula and its CUDA kernel) but 1 in its vector loop, so that the answer
depends on the element's position (pp gives 3/2; the kernel tests check
it); and ReLU6, which PyTorch exports as Relu then Clip(0, 6), at exactly 6,
where Clip passes the gradient and hardtanh_backward does not.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

TERMS = [
    ("hardswish", lambda p, q, x: F.hardswish(p - 6.0) + F.hardswish(p + 3.5)),
    ("hardsigmoid", lambda p, q, x: F.hardsigmoid(p)),
    ("clamp", lambda p, q, x: torch.clamp(p, 0.0, 6.0)),
    ("clamp_min", lambda p, q, x: torch.clamp(p, min=-1.0)),
    ("clamp_max", lambda p, q, x: torch.clamp(p, max=0.5)),
    ("relu6", lambda p, q, x: F.relu6(p + 0.5)),
    ("maximum", lambda p, q, x: torch.maximum(p, q)),
    ("minimum", lambda p, q, x: torch.minimum(x, q)),
    ("abs", lambda p, q, x: torch.abs(p)),
    ("sign", lambda p, q, x: torch.sign(p) * p),
    ("sin", lambda p, q, x: torch.sin(p * x)),
    ("cos", lambda p, q, x: torch.cos(p)),
    ("reciprocal", lambda p, q, x: torch.reciprocal(p + 10.0)),
    ("softplus", lambda p, q, x: F.softplus(p * 5.0)),
    ("floor_ceil", lambda p, q, x: torch.floor(p * 2.5) + torch.ceil(x) * p),
    ("fmod", lambda p, q, x: torch.fmod(p * 1.7, q + 4.0)),
    ("remainder", lambda p, q, x: torch.remainder(p, 2.5)),
    ("where_ge_le", lambda p, q, x: torch.where(p >= 0, p, 2 * p)
     + torch.where(p <= q, q, p * q)),
]


class Terms(nn.Module):
    def __init__(self, q):
        super().__init__()
        # Kinks of the functions, and values that tie with q (row 0).
        p = torch.empty(4, 8).uniform_(-5, 5)
        p[0] = q
        p[1] = torch.tensor([-3.0, 3.0, 0.0, 6.0, -1.0, 0.5, -3.5, 3.5])
        self.p = nn.Parameter(p)
        self.q = nn.Parameter(q.clone())
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.empty(4, 8).uniform_(-1, 1)) for _ in TERMS])

    def forward(self, x):
        loss = None
        for (_, term), w in zip(TERMS, self.weights):
            t = (term(self.p, self.q, x) * w).sum()
            loss = t if loss is None else loss + t
        return loss


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), result.stdout))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(os.path.join(args.work, "data"), exist_ok=True)

    torch.manual_seed(0)
    q = torch.empty(8).uniform_(-2, 2)
    model = Terms(q)
    x = torch.empty(4, 8).uniform_(-2, 2)
    x[2] = q  # minimum(x, q) ties on this row

    onnx_path = os.path.join(args.work, "terms.onnx")
    torch.onnx.export(model, (x,), onnx_path, opset_version=17,
                      input_names=["x"], output_names=["loss"],
                      training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False)
    names = {name for name, _ in model.named_parameters()}
    initializers = {t.name for t in onnx.load(onnx_path).graph.initializer}
    if names != initializers:
        sys.exit("the export's initializers %s are not the parameters %s"
                 % (sorted(initializers), sorted(names)))
    tensor = numpy_helper.from_array(x.numpy(), "x")
    with open(os.path.join(args.work, "data", "x.pb"), "wb") as f:
        f.write(tensor.SerializeToString())

    loss = model(x)
    loss.backward()
    want = {name: p.grad.numpy() for name, p in model.named_parameters()}

    program = os.path.join(args.work, "program")
    dump = os.path.join(args.work, "dump")
    run([args.pp_opt, onnx_path, "--pp-attach-loss=kind=output",
         "--pp-autodiff", "--pp-export=" + program, "-o", os.devnull])
    run([args.pp_run, program, "--data", os.path.join(args.work, "data"),
         "--steps", "1", "--dump", dump])

    def read(path):
        proto = onnx.TensorProto()
        with open(path, "rb") as f:
            proto.ParseFromString(f.read())
        return proto.name, numpy_helper.to_array(proto)

    failures, worst = [], 0.0

    def compare(label, got, want):
        nonlocal worst
        scale = max(float(np.sqrt(np.mean(want ** 2))), 1e-12)
        err = np.abs(got - want) / np.maximum(np.abs(want), scale)
        at = int(np.argmax(err))
        worst = max(worst, float(err.flat[at]))
        if got.shape != want.shape or err.flat[at] > 1e-7:
            failures.append("%s: element %d is %.17g, torch %.17g"
                            % (label, at, got.flat[at], want.flat[at]))

    _, got_loss = read(os.path.join(dump, "loss.pb"))
    compare("loss", got_loss, loss.detach().numpy())
    grads = {}
    for file in os.listdir(os.path.join(dump, "grad")):
        name, value = read(os.path.join(dump, "grad", file))
        grads[name] = value
    if set(grads) != set(want):
        failures.append("gradients of %s, torch has %s"
                        % (sorted(grads), sorted(want)))
    for name in sorted(set(grads) & set(want)):
        compare(name, grads[name], want[name])
    for failure in failures:
        print("FAIL " + failure)
    print("elementwise ops: loss and %d gradients %s (worst relative "
          "error %.1e)" % (len(grads), "differ from PyTorch's" if failures
                           else "match PyTorch's", worst))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
