#!/usr/bin/env python3
"""Parity of pp's training step with PyTorch's golden step.

    check_parity.py MODEL... [--examples DIR] [--pp-opt PATH]
                    [--pp-run PATH] [--work DIR] [--pipeline OPTIONS]
                    [--reference pp|torch-float32] [-v]

For examples/MODEL.onnx and its golden step (examples/data/MODEL/golden/,
written by examples/export_models.py; layout in examples/README.md):

 1. `pp-opt MODEL.onnx --pp-pipeline=OPTIONS --pp-export=WORK/MODEL/program`
    (cross-entropy on output 0 against `labels`, BatchNorm in train mode);
 2. for every update of golden/hyperparameters.json (optimizer, steps):
    `pp-run WORK/program --data examples/data/MODEL --steps N --optimizer ..
    (settings from the JSON) --save WORK/MODEL/<update>.onnx`, the first
    one-step run with `--dump WORK/MODEL/dump` as well;
 3. compares, against the golden step:
    - the loss (dump/loss.pb) and every parameter's gradient (dump/grad/,
      keyed by the tensor names inside the files: exactly the golden set,
      a tied weight once);
    - every parameter's update, i.e. its value in the saved model minus its
      value in MODEL.onnx;
    - the change of every BatchNorm running statistic after one step.

Updates and statistics are compared as changes, not as values: one step
changes a weight by about 1e-3 of its size (AdamW's decoupled weight decay
by 1e-5 of it, a BatchNorm variance's unbiasing by 5e-5), so a relative
check of the weight itself would accept an update that is wrong by 10%, or
missing.

Tolerance (float32): an element passes if

    |got - want| <= 1e-4 * max(|want|, scale) + propagated + rounding

- `scale` is the root mean square of the golden tensor (for the loss, the
  loss itself). A gradient element is a float32 sum of many terms whose
  rounding error grows with the terms, not with the (possibly cancelling)
  result: an element near zero is judged against the tensor's typical
  magnitude rather than its own.
- `propagated` (updates only) is how far the optimizer's update moves when
  the gradient moves within its own tolerance [g - tol, g + tol]: SGD's
  update is linear in g (lr * tol, times the momentum sum over several
  steps); AdamW's first step is lr * g / (|g| + eps), taken at the
  interval's ends. It matters where the exact gradient is at the level of
  float32 rounding, e.g. attention's key bias, whose exact gradient is zero
  (softmax ignores a constant added to every score): AdamW turns that
  rounding noise into an update of up to lr. Only the first step's gradient
  is golden; later steps on the same batch are charged as if theirs were
  equal to it.
- `rounding` (updates and statistics) is what float32 storage of the weight
  adds to its change: half an ulp of the weight for the golden's rounding
  and one per step for the implementation's (AdamW rounds the weight twice
  per step, decay then update, as BatchNorm does its statistics).

PyTorch's own float32 step passes with at least 2x to spare on every tensor
(worst: AdamW updates of weights near 1 or 2, one ulp off), and the check
catches each bug of Inputs/check_mutants.py, e.g. AdamW without weight
decay, Adam's betas swapped, a biased BatchNorm running variance, a tied
weight's gradient that misses one use.

`--reference torch-float32` compares PyTorch's own float32 step instead of
pp's (no pp tool is run): it shows how much of the tolerance float32
arithmetic itself needs.

On failure, the worst element of every failing tensor is printed; the exit
status is 1.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

RTOL = 1e-4


# ----------------------------------------------------------------------------
# Reading tensors
# ----------------------------------------------------------------------------


def read_tensor(path):
    proto = onnx.TensorProto()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    return proto.name, numpy_helper.to_array(proto)


def read_tensor_dir(directory):
    """All `*.pb` files of `directory`, keyed by the name inside each."""
    if not os.path.isdir(directory):
        raise CheckError("no directory %s" % directory)
    tensors = {}
    for fname in sorted(os.listdir(directory)):
        if not fname.endswith(".pb"):
            continue
        name, value = read_tensor(os.path.join(directory, fname))
        if not name:
            raise CheckError("%s/%s holds a tensor without a name"
                             % (directory, fname))
        if name in tensors:
            raise CheckError("%s: two files hold tensor '%s'"
                             % (directory, name))
        tensors[name] = value
    return tensors


def read_initializers(model_path):
    if not os.path.isfile(model_path):
        raise CheckError("no model %s" % model_path)
    model = onnx.load(model_path)
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


class CheckError(Exception):
    """A driver-level failure (a tool failed, a file is missing)."""


# ----------------------------------------------------------------------------
# The golden step
# ----------------------------------------------------------------------------


class Golden:
    def __init__(self, examples, model, data_dir=None):
        """The golden step under `data_dir` (default: the example's,
        examples/data/MODEL), of the model examples/MODEL.onnx."""
        self.model = model
        self.onnx_path = os.path.join(examples, model + ".onnx")
        self.data_dir = data_dir or os.path.join(examples, "data", model)
        root = os.path.join(self.data_dir, "golden")
        with open(os.path.join(root, "hyperparameters.json")) as f:
            self.hyper = json.load(f)
        if self.hyper.get("loss") != "cross-entropy":
            raise CheckError("%s: loss '%s' is not the pipeline's "
                             "cross-entropy" % (root, self.hyper.get("loss")))
        self.loss = read_tensor(os.path.join(root, "loss.pb"))[1]
        self.grads = read_tensor_dir(os.path.join(root, "grad"))
        self.updates = []
        for update in self.hyper["updates"]:
            params = read_tensor_dir(os.path.join(root, update["dir"]))
            if set(params) != set(self.grads):
                raise CheckError("%s/%s: not the parameters of grad/"
                                 % (root, update["dir"]))
            self.updates.append((update, params))
        self.state = {}
        self.state_steps = None
        if "state" in self.hyper:
            self.state = read_tensor_dir(
                os.path.join(root, self.hyper["state"]["dir"]))
            self.state_steps = self.hyper["state"]["steps"]
        self.initial = read_initializers(self.onnx_path)
        for name in list(self.grads) + list(self.state):
            if name not in self.initial:
                raise CheckError("golden tensor '%s' is no initializer of %s"
                                 % (name, self.onnx_path))


def optimizer_flags(hyper, kind):
    """pp-run's options for the golden optimizer `kind`."""
    h = hyper[kind]
    if kind == "sgd":
        if h["dampening"] != 0 or h["nesterov"]:
            raise CheckError("pp-run has no SGD dampening or Nesterov option")
        return ["--optimizer", "sgd", "--lr", repr(h["lr"]),
                "--momentum", repr(h["momentum"]),
                "--weight-decay", repr(h["weight_decay"])]
    if kind == "adamw":
        if h["amsgrad"]:
            raise CheckError("pp-run has no AMSGrad option")
        return ["--optimizer", "adamw", "--lr", repr(h["lr"]),
                "--beta1", repr(h["beta1"]), "--beta2", repr(h["beta2"]),
                "--eps", repr(h["eps"]),
                "--weight-decay", repr(h["weight_decay"])]
    raise CheckError("unknown optimizer '%s' in hyperparameters.json" % kind)


# ----------------------------------------------------------------------------
# What is compared: pp's step or PyTorch's float32 step
# ----------------------------------------------------------------------------


def run_tool(cmd, log):
    log.write("$ %s\n" % " ".join(cmd))
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    log.write(result.stdout)
    if result.returncode != 0:
        raise CheckError("%s exited with %d:\n%s"
                         % (os.path.basename(cmd[0]), result.returncode,
                            result.stdout.rstrip()))


def pp_results(golden, work, args):
    """Runs pp-opt and pp-run in `work`; returns (loss, grads, {update dir:
    (params, state)}) as read back from pp-run's dump and saved models."""
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    program = os.path.join(work, "program")
    with open(os.path.join(work, "commands.log"), "w") as log:
        run_tool([args.pp_opt, golden.onnx_path,
                  "--pp-pipeline=%s" % args.pipeline,
                  "--pp-export=%s" % program], log)
        dump = None
        updates = {}
        for update, _ in golden.updates:
            saved = os.path.join(work, update["dir"] + ".onnx")
            cmd = [args.pp_run, program, "--data", golden.data_dir,
                   "--steps", str(update["steps"])]
            cmd += optimizer_flags(golden.hyper, update["optimizer"])
            cmd += ["--save", saved]
            if dump is None and update["steps"] == 1:
                dump = os.path.join(work, "dump")
                cmd += ["--dump", dump]
            run_tool(cmd, log)
            weights = read_initializers(saved)
            updates[update["dir"]] = (
                {n: weights.get(n) for n in golden.grads},
                {n: weights.get(n) for n in golden.state})
    if dump is None:
        raise CheckError("hyperparameters.json lists no one-step update")
    loss_name, loss = read_tensor(os.path.join(dump, "loss.pb"))
    if loss_name != "loss":
        raise CheckError("%s/loss.pb holds tensor '%s', not 'loss'"
                         % (dump, loss_name))
    return loss, read_tensor_dir(os.path.join(dump, "grad")), updates


def torch_float32_results(golden, examples):
    """PyTorch's own float32 step, in the shape of pp_results."""
    sys.path.insert(0, examples)
    import export_models  # noqa: E402  (the examples' models and reference)
    import torch
    torch.use_deterministic_algorithms(True)
    model, inputs, labels = export_models.MODELS[golden.model][0]()
    first = export_models.reference_step(model, inputs, labels, torch.float32)
    updates = {}
    for update, _ in golden.updates:
        step = export_models.reference_step(model, inputs, labels,
                                            torch.float32,
                                            update["optimizer"],
                                            update["steps"])
        updates[update["dir"]] = (step["params"], step["state"])
    return first["loss"], first["grads"], updates


# ----------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------


class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.checked = 0
        self.failed = []

    def compare(self, label, got, want, scale, propagated=0.0):
        """One tensor against its golden value (see the module comment)."""
        self.checked += 1
        if got is None:
            return self.fail(label, "missing")
        got = np.asarray(got)
        if got.shape != want.shape:
            return self.fail(label, "shape %s, want %s"
                             % (list(got.shape), list(want.shape)))
        if got.dtype != want.dtype:
            return self.fail(label, "element type %s, want %s"
                             % (got.dtype, want.dtype))
        got64, want64 = got.astype(np.float64), want.astype(np.float64)
        allowed = RTOL * np.maximum(np.abs(want64), scale) + propagated
        diff = np.abs(got64 - want64)
        bad = ~(diff <= allowed)  # NaN counts as bad
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(diff == 0, 0.0, diff / allowed)
        ratio = np.where(np.isnan(ratio), np.inf, ratio)
        worst = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
        detail = ("worst at %s: got %.9g, want %.9g, |diff| %.3g, "
                  "allowed %.3g (%.3g of it)"
                  % (list(worst), got64[worst], want64[worst], diff[worst],
                     np.broadcast_to(allowed, diff.shape)[worst],
                     ratio[worst]))
        if bad.any():
            return self.fail(label, "%d of %d elements off; %s"
                             % (int(bad.sum()), bad.size, detail))
        if self.verbose:
            print("ok    %s: %s" % (label, detail))
        return True

    def compare_change(self, label, got, want, before, propagated=0.0):
        """`got - before` against `want - before`, in float64."""
        before = before.astype(np.float64)
        want_change = want.astype(np.float64) - before
        got_change = None
        if got is not None:
            if got.shape != before.shape or got.dtype != np.float32:
                return self.compare(label, got, want, 0.0)
            got_change = got.astype(np.float64) - before
        return self.compare(label, got_change, want_change, rms(want_change),
                            propagated)

    def fail(self, label, message):
        self.failed.append(label)
        print("FAIL  %s: %s" % (label, message))
        return False


def rms(array):
    a = np.asarray(array, dtype=np.float64)
    return math.sqrt(float(np.mean(a * a))) if a.size else 0.0


def propagated_update_error(update, hyper, grad):
    """How far an update may move when the gradient moves within its own
    tolerance (see the module comment). Only the first step's gradient is
    golden; later steps on the same batch are charged as if theirs were the
    same (the weights have moved by about 1e-3 of their size)."""
    g = grad.astype(np.float64)
    tol = RTOL * np.maximum(np.abs(g), rms(g))
    h = hyper[update["optimizer"]]
    steps = update["steps"]
    if update["optimizer"] == "sgd":
        # Step k applies lr * sum over j <= k of momentum^(k-j) * g_j.
        weight = sum(h["momentum"] ** (k - j)
                     for k in range(steps) for j in range(k + 1))
        return h["lr"] * weight * tol

    # With equal gradients every AdamW step is lr * g / (|g| + eps).
    def adamw(x):
        return x / (np.abs(x) + h["eps"])

    return steps * h["lr"] * np.maximum(np.abs(adamw(g + tol) - adamw(g)),
                                        np.abs(adamw(g - tol) - adamw(g)))


def rounding_error(before, want, steps):
    """Float32 holds the weight, not its change: the golden's own rounding
    to float32 moves the change by half a unit in the last place (ulp) of
    the weight, and an implementation that rounds the weight twice per step
    (AdamW: decay, then update; BatchNorm statistics: decay, then add) by
    one ulp per step."""
    largest = np.maximum(np.abs(before), np.abs(want)).astype(np.float32)
    return (0.5 + steps) * np.spacing(largest).astype(np.float64)


def check(golden, results, verbose):
    loss, grads, updates = results
    report = Report(verbose)
    report.compare("loss", np.asarray(loss), golden.loss,
                   abs(float(golden.loss)))
    extra = sorted(set(grads) - set(golden.grads))
    if extra:
        report.fail("grad", "gradients of non-parameters: %s"
                    % ", ".join(extra))
    for name, want in sorted(golden.grads.items()):
        report.compare("grad/" + name, grads.get(name), want, rms(want))
    for update, want_params in golden.updates:
        params, state = updates[update["dir"]]
        for name, want in sorted(want_params.items()):
            before = golden.initial[name]
            report.compare_change(
                "%s/%s (update)" % (update["dir"], name), params.get(name),
                want, before,
                propagated_update_error(update, golden.hyper,
                                        golden.grads[name])
                + rounding_error(before, want, update["steps"]))
        if update["steps"] != golden.state_steps:
            continue
        # Running statistics update once per microbatch.
        updates_of_state = update["steps"] * golden.hyper.get("microbatches", 1)
        for name, want in sorted(golden.state.items()):
            before = golden.initial[name]
            report.compare_change(
                "%s/%s (state change)" % (update["dir"], name),
                state.get(name), want, before,
                rounding_error(before, want, updates_of_state))
    return report


def check_model(model, args):
    """Checks one model; returns whether everything is within tolerance."""
    try:
        golden = Golden(args.examples, model)
        if args.reference == "pp":
            results = pp_results(golden, os.path.join(args.work, model), args)
        else:
            results = torch_float32_results(golden, args.examples)
        report = check(golden, results, args.verbose)
    except (CheckError, OSError, KeyError, ValueError) as e:
        print("error: %s: %s" % (model, e))
        return False
    summary = ("%s: loss, %d gradients, %d updates of %d parameters, "
               "%d state tensors: %d tensors checked"
               % (model, len(golden.grads), len(golden.updates),
                  len(golden.grads), len(golden.state), report.checked))
    if report.failed:
        print("%s, %d FAILED" % (summary, len(report.failed)))
        return False
    print("%s, all within tolerance" % summary)
    return True


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("models", nargs="+", metavar="MODEL",
                    help="example model names (mlp, tiny_gpt, ...)")
    ap.add_argument("--examples",
                    default=os.path.join(os.path.dirname(os.path.dirname(
                        here)), "examples"),
                    help="the examples directory (default: the source's)")
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    ap.add_argument("--work", default="parity",
                    help="scratch directory, one subdirectory per model "
                         "(default: ./parity)")
    ap.add_argument("--pipeline", default="num-stages=1 microbatches=1",
                    help="pp-opt's --pp-pipeline options")
    ap.add_argument("--reference", choices=["pp", "torch-float32"],
                    default="pp", help="what to compare with the golden step")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print the worst element of passing tensors")
    args = ap.parse_args()
    ok = [check_model(model, args) for model in args.models]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
