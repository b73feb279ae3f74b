"""Trains a PyTorch module exported for training with pp and with PyTorch in
float64, and compares the trajectories.

    check_exported_training.py MODEL --work DIR [--steps 3] [--lr 0.1]
        [--pp-opt pp-opt] [--pp-run pp-run] [--pipeline OPTIONS]

The module is built from its class with random weights (a fixed seed) and
exported the way users export a model they mean to train:
`torch.onnx.export(..., training=TrainingMode.TRAINING,
do_constant_folding=False)`, opset 17. Exporting in training mode runs the
module once, which moves BatchNorm's running statistics; the reference
starts from the module as exported (a float64 copy of it after the
export), so both sides start from the same weights.

pp: `pp-opt --pp-pipeline` and `pp-run --steps N` with plain SGD on one
batch, `--metrics` for the loss of every step in full precision and
`--save` for the weights and running statistics after the last step.
PyTorch: the float64 copy, `torch.optim.SGD`, the same N steps.

Compared, each within float32's reach of the float64 trajectory
(|got - want| <= RTOL * max(|want|, rms(want), FLOOR * rms(weight)), rms
over the tensor): the loss of every step, and every initializer's change
over the N steps (a weight's or a running statistic's; changes, not
values, since a step moves a weight by a small fraction of itself; a
change below a millionth of the weight's size, such as that of a conv bias
before a BatchNorm, whose exact gradient is zero, is float32 noise). Prints one line per model;
exit status 1 on a mismatch.
"""

import argparse
import copy
import json
import math
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper

RTOL = 2e-4
FLOOR = 1e-6
OPSET = 17


class ConvBatchNorm(torch.nn.Module):
    """Conv, BatchNorm (training mode), a smooth activation, pooling and a
    classifier: what a CNN exported for training is made of. Tanh, not
    ReLU, so that float32 and float64 cannot take different branches."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(8)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1,
                                     bias=False)
        self.bn2 = torch.nn.BatchNorm2d(8)
        self.head = torch.nn.Linear(8, 5)

    def forward(self, x):
        x = torch.tanh(self.bn1(self.conv1(x)))
        x = torch.tanh(self.bn2(self.conv2(x)))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


def build_conv_batchnorm():
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(4, 3, 8, 8, generator=gen)
    labels = torch.randint(0, 5, (4,), generator=gen)
    return ConvBatchNorm(), x, labels


MODELS = {"conv_batchnorm": build_conv_batchnorm}


def write_tensor(array, name, path):
    tensor = numpy_helper.from_array(array, name)
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def initializers(path):
    return {t.name: numpy_helper.to_array(t).astype(np.float64)
            for t in onnx.load(path).graph.initializer
            if t.data_type in (onnx.TensorProto.FLOAT,
                               onnx.TensorProto.DOUBLE)}


def rms(a):
    return math.sqrt(float(np.mean(a * a))) if a.size else 0.0


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit("%s exited with %d:\n%s" % (" ".join(cmd), result.returncode,
                                            result.stdout))
    return result.stdout


def reference(module, x, labels, steps, lr):
    """PyTorch's float64 trajectory: the loss of every step and the state
    dict after the last one."""
    module = copy.deepcopy(module).double().train()
    opt = torch.optim.SGD(module.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(module(x.double()), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    state = {k: v.detach().numpy().astype(np.float64)
             for k, v in module.state_dict().items()
             if v.dtype == torch.float64}
    return losses, state


def check(name, args):
    work = os.path.join(args.work, name)
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(os.path.join(work, "data"))
    torch.manual_seed(0)
    module, x, labels = MODELS[name]()
    onnx_path = os.path.join(work, name + ".onnx")
    module.train()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), onnx_path, opset_version=OPSET,
                          training=torch.onnx.TrainingMode.TRAINING,
                          do_constant_folding=False, input_names=["x"],
                          output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}})
    write_tensor(x.numpy(), "x", os.path.join(work, "data", "x.pb"))
    write_tensor(labels.numpy(), "labels",
                 os.path.join(work, "data", "labels.pb"))
    want_losses, want_state = reference(module, x, labels, args.steps,
                                        args.lr)

    program = os.path.join(work, "program")
    saved = os.path.join(work, "trained.onnx")
    metrics = os.path.join(work, "metrics.jsonl")
    run([args.pp_opt, onnx_path, "--dim", "batch=%d" % x.shape[0],
         "--pp-pipeline=" + args.pipeline, "--pp-export=" + program,
         "-o", os.devnull])
    run([args.pp_run, program, "--data", os.path.join(work, "data"),
         "--steps", str(args.steps), "--lr", repr(args.lr), "--save", saved,
         "--metrics", metrics])
    got_losses = [json.loads(line)["loss"] for line in open(metrics)]

    failures = []

    def compare(label, got, want, weight=None):
        # A change far below the weight's own size (a conv bias before a
        # BatchNorm, whose exact gradient is zero) is float32 noise.
        floor = FLOOR * rms(weight) if weight is not None else 0.0
        scale = max(rms(want), floor, 1e-30)
        error = np.abs(got - want) / np.maximum(np.abs(want), scale)
        worst = float(np.max(error)) if error.size else 0.0
        if worst > RTOL:
            failures.append("%s: relative error %.3g (limit %g)"
                            % (label, worst, RTOL))

    compare("loss", np.array(got_losses), np.array(want_losses))
    before = initializers(onnx_path)
    after = initializers(saved)
    compared = 0
    for key, want in want_state.items():
        if key not in before:
            failures.append("%s: not an initializer of the export" % key)
            continue
        compare(key, after[key] - before[key], want - before[key],
                before[key])
        compared += 1
    for failure in failures:
        print("FAIL  %s %s" % (name, failure))
    print("%s: %d losses, %d tensors changed over %d SGD steps: %s"
          % (name, len(got_losses), compared, args.steps,
             "all within tolerance" if not failures else
             "%d outside tolerance" % len(failures)))
    return not failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+", choices=sorted(MODELS))
    ap.add_argument("--work", required=True)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--pipeline", default="num-stages=1",
                    help="--pp-pipeline options; keep one microbatch: "
                         "BatchNorm normalises each microbatch by itself")
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    args = ap.parse_args()
    ok = all([check(name, args) for name in args.models])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
