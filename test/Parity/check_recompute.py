#!/usr/bin/env python3
"""Recomputation changes no bit, and the memory plan holds.

    check_recompute.py CASE... --pp-opt PATH --pp-run PATH --work DIR
                       [--stages P] [--schedules gpipe,1f1b,...]
                       [--allowance 0.05]

CASE is NAME=MODEL:DATA:M[:REPEAT] (an ONNX model, its pp-run data
directory, its microbatches, and how many times to stack the data on axis
0 to make a batch of M microbatches: a one-microbatch data set repeats). For every case and schedule, this exports the model with
`--pp-pipeline="num-stages=P microbatches=M schedule=S recompute=R"` for
every policy R (none, selective, full, and auto at a memory limit halfway
between full's and none's largest predicted stage peak), trains two AdamW
steps with pp-run and checks:

 - the loss and every gradient of the last step (--dump) and the trained
   weights (--save) are byte-identical to policy none's: recomputed ops,
   dropout included, compute exactly what the forward did;
 - every stage's measured peak (pp-run --report's peak_bytes, the stage's
   buffer pool) is within the allowance of the plan's prediction
   (predicted_peak_bytes), and the plan report's stages[].peak_memory is
   that same prediction;
 - auto's plan fits its limit on every stage.

One line per case summarises:

    tiny_gpt: 28 pipelines (7 schedules x 4 policies) bit-identical to
    recompute=none; memory within 5% of the plan on 56 stages (largest
    error 1.97%); auto fits its limit on 7 schedules
"""

import argparse
import filecmp
import glob
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ALL_SCHEDULES = ["gpipe", "1f1b", "interleaved-1f1b", "zb-h1", "zb-h2", "zb-v",
             "dualpipev"]
POLICIES = ["none", "selective", "full", "auto"]
# pp-opt's messages for combinations that cannot exist (not for bugs).
SKIP_REASONS = [
    ("exceeds the number of ops", "more virtual stages than ops"),
    ("needs at least 2 microbatches per stage", "fewer than 2p microbatches"),
]


class Failure(Exception):
    pass


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    return result.returncode, result.stdout + result.stderr


def export(opts, model, stages, m, schedule, policy, limit, out):
    pipeline = (f"num-stages={stages} microbatches={m} schedule={schedule} "
                f"recompute={policy}")
    if limit is not None:
        pipeline += f" memory-limit={int(limit)}"
    code, text = run([opts.pp_opt, model, "--pp-device=cpu",
                      f"--pp-pipeline={pipeline}", f"--pp-export={out}/program",
                      f"--pp-report={out}/plan.json", "-o", "/dev/null"])
    if code:
        for needle, reason in SKIP_REASONS:
            if needle in text:
                return reason
        raise Failure(f"pp-opt {pipeline}: {text.strip()}")
    with open(f"{out}/plan.json") as f:
        return json.load(f)


def train(opts, data, out):
    code, text = run([opts.pp_run, f"{out}/program", "--data", data,
                      "--steps", "2", "--optimizer", "adamw", "--lr", "0.01",
                      "--seed", "5", "--dump", f"{out}/dump", "--save",
                      f"{out}/trained.onnx", "--report", f"{out}/run.json"])
    if code:
        raise Failure(f"pp-run {out}: {text.strip()}")
    with open(f"{out}/run.json") as f:
        return json.load(f)


def repeat_data(data, times, out):
    """DATA's tensors stacked `times` times on axis 0, in OUT."""
    os.makedirs(out, exist_ok=True)
    for path in glob.glob(os.path.join(data, "*.pb")):
        tensor = onnx.TensorProto()
        with open(path, "rb") as f:
            tensor.ParseFromString(f.read())
        array = numpy_helper.to_array(tensor)
        stacked = np.concatenate([array] * times, axis=0)
        with open(os.path.join(out, os.path.basename(path)), "wb") as f:
            f.write(numpy_helper.from_array(stacked, tensor.name)
                    .SerializeToString())
    return out


def same_bytes(a, b):
    """Relative paths under a and b whose bytes differ (or are missing)."""
    differ = []
    for root, _, files in os.walk(a):
        for name in files:
            path = os.path.relpath(os.path.join(root, name), a)
            other = os.path.join(b, path)
            if not os.path.exists(other) or not filecmp.cmp(
                    os.path.join(a, path), other, shallow=False):
                differ.append(path)
    return differ


def check_case(opts, name, model, data, m):
    pipelines = stages_checked = auto_fits = 0
    largest = 0.0
    skipped = []
    for schedule in opts.schedules:
        work = os.path.join(opts.work, name, schedule)
        plans = {}
        for policy in POLICIES:
            out = os.path.join(work, policy)
            os.makedirs(out, exist_ok=True)
            limit = None
            if policy == "auto":
                peak = lambda p: max(s["peak_memory"] for s in p["stages"])
                limit = (peak(plans["none"]) + peak(plans["full"])) / 2
            plan = export(opts, model, opts.stages, m, schedule, policy,
                          limit, out)
            if isinstance(plan, str):
                skipped.append(f"{schedule} ({plan})")
                break
            plans[policy] = plan
            report = train(opts, data, out)
            pipelines += 1
            if policy != "none":
                base = os.path.join(work, "none")
                differ = same_bytes(f"{base}/dump", f"{out}/dump")
                if not filecmp.cmp(f"{base}/trained.onnx",
                                   f"{out}/trained.onnx", shallow=False):
                    differ.append("trained.onnx")
                if differ:
                    raise Failure(f"{name} {schedule} recompute={policy}: "
                                  f"differs from recompute=none in "
                                  f"{', '.join(sorted(differ))}")
            for stage, planned in zip(report["stages"], plan["stages"]):
                predicted = stage["predicted_peak_bytes"]
                if predicted is None:
                    raise Failure(f"{name} {schedule} recompute={policy}: "
                                  f"the export carries no memory plan")
                if planned["peak_memory"] != predicted:
                    raise Failure(
                        f"{name} {schedule} recompute={policy} stage "
                        f"{stage['stage']}: the plan report's peak_memory "
                        f"{planned['peak_memory']} is not the exported "
                        f"prediction {predicted}")
                error = abs(stage["peak_bytes"] - predicted) / predicted
                largest = max(largest, error)
                stages_checked += 1
                if error > opts.allowance:
                    raise Failure(
                        f"{name} {schedule} recompute={policy} stage "
                        f"{stage['stage']}: measured peak "
                        f"{stage['peak_bytes']} bytes, predicted "
                        f"{predicted:.0f} ({100 * error:.2f}% off, over "
                        f"{100 * opts.allowance:g}%)")
                if policy == "auto" and predicted > limit:
                    raise Failure(
                        f"{name} {schedule} recompute=auto stage "
                        f"{stage['stage']}: predicted {predicted:.0f} bytes "
                        f"over its memory-limit {limit:.0f}")
            if policy == "auto":
                auto_fits += 1
    line = (f"{name}: {pipelines} pipelines ({pipelines // len(POLICIES)} "
            f"schedules x {len(POLICIES)} policies) bit-identical to "
            f"recompute=none; memory within {100 * opts.allowance:g}% of the "
            f"plan on {stages_checked} stages (largest error "
            f"{100 * largest:.2f}%); auto fits its limit on {auto_fits} "
            f"schedules")
    if skipped:
        line += f"; skipped {len(skipped)}: {', '.join(skipped)}"
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="+")
    parser.add_argument("--pp-opt", default="pp-opt")
    parser.add_argument("--pp-run", default="pp-run")
    parser.add_argument("--work", required=True)
    parser.add_argument("--stages", type=int, default=2)
    parser.add_argument("--schedules", default=",".join(ALL_SCHEDULES))
    parser.add_argument("--allowance", type=float, default=0.05)
    opts = parser.parse_args()
    opts.schedules = opts.schedules.split(",")
    failed = False
    for case in opts.cases:
        name, spec = case.split("=", 1)
        model, data, m, *repeat = spec.split(":")
        if repeat and int(repeat[0]) > 1:
            data = repeat_data(data, int(repeat[0]),
                               os.path.join(opts.work, name, "data"))
        try:
            check_case(opts, name, model, data, int(m))
        except Failure as e:
            print(f"FAILED: {e}", flush=True)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
