#!/usr/bin/env python3
"""Activation recomputation and the memory plan on the training GPT.

    /usr/bin/python3 bench/memory/run_memory_bench.py [--build DIR]
        [--stages 4] [--microbatches 8] [--schedules 1f1b,zb-h1]
        [--steps 3] [--keep DIR]

The GPT of the training benchmark (bench/train: d_model 512, 8 heads, 8
blocks, sequence 256, vocabulary 4096, tied head; one sequence per
microbatch) is planned for P stages and M microbatches on the `cpu` device
profile under each schedule with every recomputation policy: none,
selective, full, and auto at a memory limit halfway between full's and
none's largest predicted stage peak. Each plan trains STEPS AdamW steps
with pp-run (stages as threads) and `--report`:

1. Per stage, the measured activation peak (the pool's `activations` kind:
   saved values, values B hands to W) and the measured and predicted
   whole-stage peaks; the step time (median of the steps after the first,
   from --metrics). Targets: full's activation memory within 10% of the
   inputs-only bound (microbatches in flight until B times the stage's
   input bytes); selective's step within 10% of none's while saving at
   least half of none's activation memory; every stage's predicted peak
   within 5% of the measured.

2. The plan's own choice (schedule=auto recompute=auto, pp-fit-memory) at
   auto's limit against a brute-force sweep over (schedule, policy) of the
   plans' predicted step times: the fastest plan that fits.

Prints markdown tables (docs/Benchmarks.md, "Recomputation and memory").
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "pipeline"))

import run_pipeline_bench as pipebench  # noqa: E402  (the GPT and its data)

POLICIES = ["none", "selective", "full", "auto"]
SWEEP = ["gpipe", "1f1b", "zb-h1", "zb-h2"]


def run(cmd, env=None):
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    if result.returncode:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), result.stderr[-4000:]))
    return result.stderr


def plan(pp_opt, model, work, name, pipeline):
    out = os.path.join(work, name)
    shutil.rmtree(out, ignore_errors=True)
    run([pp_opt, model, "--pp-device=cpu", "--pp-pipeline=" + pipeline,
         "--pp-export=" + out + "/program", "--pp-report=" + out + ".json",
         "-o", os.devnull])
    with open(out + ".json") as f:
        return out, json.load(f)


def peak(report):
    return max(s["peak_memory"] for s in report["stages"])


def train(pp_run, out, data, steps, env):
    run([pp_run, out + "/program", "--data", data, "--steps", str(steps),
         "--optimizer", "adamw", "--lr", "0.001", "--report",
         out + "/run.json", "--metrics", out + "/metrics.jsonl"], env=env)
    with open(out + "/run.json") as f:
        report = json.load(f)
    with open(out + "/metrics.jsonl") as f:
        seconds = [json.loads(line)["seconds"] for line in f]
    return report, statistics.median(seconds[1:] or seconds)


def mib(b):
    return "%.1f" % (b / 2**20)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--stages", type=int, default=4)
    parser.add_argument("--microbatches", type=int, default=8)
    parser.add_argument("--schedules", default="1f1b,zb-h1")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep")
    opts = parser.parse_args()
    pp_opt = os.path.join(opts.build, "bin", "pp-opt")
    pp_run = os.path.join(opts.build, "bin", "pp-run")
    work = opts.keep or tempfile.mkdtemp(prefix="pp-memory-bench-")
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ)
    model, data = pipebench.gpt_data(work, opts.microbatches)
    p, m = opts.stages, opts.microbatches
    base = "num-stages=%d microbatches=%d" % (p, m)

    print("| schedule | policy | activations kept per microbatch (MiB, "
          "plan) | activation peak per stage (MiB, measured) | stage peak "
          "measured / predicted (MiB) | largest error | step time | vs none "
          "(median of rounds) |")
    print("|---|---|---|---|---|---|---|---|")
    limits = {}
    for schedule in opts.schedules.split(","):
        plans = {}
        for policy in POLICIES:
            pipeline = "%s schedule=%s recompute=%s" % (base, schedule, policy)
            if policy == "auto":
                limits[schedule] = int((peak(plans["none"][1]) +
                                        peak(plans["full"][1])) / 2)
                pipeline += " memory-limit=%d" % limits[schedule]
            out, report = plan(pp_opt, model, work,
                               "%s-%s" % (schedule, policy), pipeline)
            plans[policy] = (out, report)
        # Interleaved rounds: a shared machine's speed drifts, so each
        # policy's step is compared with none's of the same round.
        results, ratios = {}, {policy: [] for policy in POLICIES}
        for _ in range(opts.rounds):
            times = {}
            for policy in POLICIES:
                out, report = plans[policy]
                measured, seconds = train(pp_run, out, data, opts.steps, env)
                results[policy] = (measured, seconds, report)
                times[policy] = seconds
            for policy in POLICIES:
                ratios[policy].append(times[policy] / times["none"])
        none_act = [s["peak_by_kind"]["activations"]
                    for s in results["none"][0]["stages"]]
        for policy in POLICIES:
            measured, seconds, report = results[policy]
            acts = [s["peak_by_kind"]["activations"]
                    for s in measured["stages"]]
            errors = [abs(s["peak_bytes"] - s["predicted_peak_bytes"]) /
                      s["predicted_peak_bytes"] for s in measured["stages"]]
            peaks = ["%s / %s" % (mib(s["peak_bytes"]),
                                  mib(s["predicted_peak_bytes"]))
                     for s in measured["stages"]]
            label = policy if policy != "auto" else "auto (limit %s MiB)" % (
                mib(limits[schedule]))
            kept = [sum(c["saved_until_b"] + c["saved_until_w"] + c["outputs"]
                        for c in st["memory"]["chunks"])
                    for st in report["stages"]]
            print("| %s | %s | %s | %s | %s | %.2f%% | %.2f s | %+.1f%% |" % (
                schedule, label, ", ".join(mib(k) for k in kept),
                ", ".join(mib(a) for a in acts), ", ".join(peaks),
                100 * max(errors), seconds,
                100 * (statistics.median(ratios[policy]) - 1)))
        # Full against the inputs-only bound; selective's saving.
        full = results["full"][2]
        bound = []
        for s in full["stages"]:
            held = s.get("in_flight", 1)
            inputs = sum(c["received"] for c in s["memory"]["chunks"])
            bound.append(held * inputs)
        full_act = [s["peak_by_kind"]["activations"]
                    for s in results["full"][0]["stages"]]
        def kept_of(policy):
            return [sum(c["saved_until_b"] + c["saved_until_w"] +
                        c["outputs"] for c in st["memory"]["chunks"])
                    for st in results[policy][2]["stages"]]
        sel_act, none_act = kept_of("selective"), kept_of("none")
        print()
        print("%s: full's activations per stage %s MiB against the "
              "inputs-only bound %s MiB; selective keeps %s of none's "
              "activations per microbatch at %+.1f%% step time" % (
                  schedule, ", ".join(mib(a) for a in full_act),
                  ", ".join(mib(b) for b in bound),
                  ", ".join("%.0f%%" % (100 * a / n)
                            for a, n in zip(sel_act, none_act)),
                  100 * (statistics.median(ratios["selective"]) - 1)))
        print()

    # The plan's choice against the brute-force sweep, at auto's limit.
    print("| limit | plan's choice (schedule=auto recompute=auto) | its "
          "predicted step | best of the sweep | its predicted step |")
    print("|---|---|---|---|---|")
    for schedule, limit in limits.items():
        best = None
        for kind in SWEEP:
            for policy in POLICIES:
                pipeline = "%s schedule=%s recompute=%s" % (base, kind, policy)
                if policy == "auto":
                    pipeline += " memory-limit=%d" % limit
                try:
                    _, report = plan(pp_opt, model, work, "sweep", pipeline)
                except SystemExit:
                    continue
                step = report["schedule"]["step_time"]
                if peak(report) <= limit and (best is None or step < best[0]):
                    best = (step, kind, policy)
        pipeline = "%s schedule=auto recompute=auto memory-limit=%d" % (
            base, limit)
        _, report = plan(pp_opt, model, work, "choice", pipeline)
        print("| %s MiB | %s | %.1f ms | %s, recompute=%s | %.1f ms |" % (
            mib(limit), report["schedule"]["kind"],
            1e3 * report["schedule"]["step_time"], best[1], best[2],
            1e3 * best[0]))
    if not opts.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
