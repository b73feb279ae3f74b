"""Trains the committed exports of current PyTorch with pp and compares the
trajectories with PyTorch's golden ones, without PyTorch (numpy and ONNX
only).

    check_current_pytorch.py --inputs DIR --work DIR [EXPORTER/MODEL ...]
        [--pp-opt pp-opt] [--pp-run pp-run] [--verbose]

DIR holds what export_current_pytorch.py wrote: per EXPORTER/MODEL the
graph, the formula of its weights, the batch and PyTorch's float64 golden
trajectory, or export-failed.txt where PyTorch's exporter failed (reported,
not a failure of pp). Each model is given its weights (weights.bin, from
weight_formula), imported with `pp-opt --pp-pipeline` (one stage, the
golden's frozen= and padding-index= options) and trained with `pp-run
--steps N` with plain SGD; its losses and every initializer's change are
compared with the golden within trajectory_summary's tolerance. Prints one
line per model; exit status 1 on a mismatch or a failure.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

import trajectory_summary
import weight_formula

FLOATS = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)
DTYPES = {onnx.TensorProto.FLOAT: np.float32,
          onnx.TensorProto.DOUBLE: np.float64}


def write_weights(model_path, weights_json, out_dir):
    """Writes the external data file of model_path from the formula and
    returns every float initializer's value."""
    model = onnx.load(model_path, load_external_data=False)
    table = json.load(open(weights_json))
    values, files = {}, {}
    for tensor in model.graph.initializer:
        if tensor.data_type not in FLOATS:
            continue
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            values[tensor.name] = numpy_helper.to_array(tensor).astype(
                np.float64)
            continue
        entry = dict((e.key, e.value) for e in tensor.external_data)
        formula = table[tensor.name]
        array = weight_formula.values(formula["seed"], formula["offset"],
                                      formula["scale"], tuple(tensor.dims),
                                      DTYPES[tensor.data_type])
        data = array.tobytes()
        if int(entry.get("length", len(data))) != len(data):
            sys.exit("%s: %s: external length %s, the formula gives %d bytes"
                     % (model_path, tensor.name, entry["length"], len(data)))
        location = os.path.join(out_dir, entry["location"])
        f = files.get(location) or open(location, "wb")
        files[location] = f
        f.seek(int(entry.get("offset", 0)))
        f.write(data)
        values[tensor.name] = array.astype(np.float64)
    for f in files.values():
        f.close()
    return values


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        return "%s exited with %d:\n%s" % (
            " ".join(cmd), result.returncode, result.stdout[-3000:])
    return None


def check(case, args):
    source = os.path.join(args.inputs, case)
    failed = os.path.join(source, "export-failed.txt")
    if os.path.exists(failed):
        # PyTorch's exporter failed: nothing to train (docs/Conformance.md).
        print("%s: not exported (%s)" % (case, open(failed).read().strip()))
        return True
    golden = json.load(open(os.path.join(source, "golden.json")))
    work = os.path.join(args.work, case)
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    model_path = os.path.join(work, "model.onnx")
    shutil.copyfile(os.path.join(source, "model.onnx"), model_path)
    before = write_weights(model_path, os.path.join(source, "weights.json"),
                           work)
    program = os.path.join(work, "program")
    saved = os.path.join(work, "trained.onnx")
    metrics = os.path.join(work, "metrics.jsonl")
    pipeline = " ".join(filter(None, [args.pipeline,
                                      golden["pipeline_options"]]))
    error = run([args.pp_opt, model_path, "--dim",
                 "batch=%d" % golden["batch"], "--pp-pipeline=" + pipeline,
                 "--pp-export=" + program, "-o", os.devnull])
    if not error:
        error = run([args.pp_run, program, "--data",
                     os.path.join(source, "data"), "--steps",
                     str(golden["steps"]), "--lr", repr(golden["lr"]),
                     "--save", saved, "--metrics", metrics])
    if error:
        print("FAIL  %s: %s" % (case, error))
        print("%s: failed" % case)
        return False

    failures, worst = [], [0.0, ""]

    def judge(label, err):
        if err > worst[0]:
            worst[:] = [err, label]
        if not err <= trajectory_summary.RTOL:
            failures.append("%s: relative error %.3g (limit %g)"
                            % (label, err, trajectory_summary.RTOL))

    got_losses = [json.loads(line)["loss"] for line in open(metrics)]
    judge("loss", trajectory_summary.loss_error(got_losses,
                                                golden["losses"]))
    after = {t.name: numpy_helper.to_array(t).astype(np.float64)
             for t in onnx.load(saved).graph.initializer
             if t.data_type in FLOATS}
    changes = golden["changes"]
    typical = trajectory_summary.typical_change(changes)
    for name, want in sorted(changes.items()):
        if name not in after or name not in before:
            failures.append("%s: not an initializer of the export" % name)
            continue
        judge(name, trajectory_summary.change_error(
            name, after[name] - before[name], want, before[name], typical))
    for failure in failures:
        print("FAIL  %s %s" % (case, failure))
    print("%s: %d losses, %d tensors changed over %d SGD steps: %s"
          % (case, len(got_losses), len(changes), golden["steps"],
             "all within tolerance" if not failures else
             "%d outside tolerance" % len(failures)))
    if args.verbose:
        print("  %s, %d ONNX nodes (%d op types), opset %d; losses: pp %s, "
              "PyTorch %s; worst relative error %.2g (%s)"
              % (golden["dtype"], golden["nodes"], golden["op_types"],
                 golden["opset"],
                 ", ".join("%.10g" % x for x in got_losses),
                 ", ".join("%.10g" % x for x in golden["losses"]),
                 worst[0], worst[1]))
    return not failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases", nargs="*",
                    help="EXPORTER/MODEL; default: every one in --inputs")
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--pipeline", default="num-stages=1")
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    cases = args.cases or sorted(
        "%s/%s" % (e, m) for e in os.listdir(args.inputs)
        if os.path.isdir(os.path.join(args.inputs, e))
        for m in os.listdir(os.path.join(args.inputs, e)))
    ok = all([check(case, args) for case in cases])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
