#!/usr/bin/env python3
"""Step time, bubble and peak memory of every schedule on a GPT plan.

Builds a 16-layer GPT (d_model 512, 8 heads, vocabulary 50257, sequence 512)
with bench/import/make_gpt2_medium.py, costs every op on an H100 profile
(pp-annotate-cost), cuts it at layer boundaries into p = 4 and 8 stages
(p * 2 virtual stages for interleaved-1f1b and zb-v) for the kind's
in-flight memory (pp-partition-stages), then for m = 8 and 32 schedules it
with each kind
(pp-schedule, transfers timed by the H100 link) and simulates it
(pp-simulate). Prints a Markdown table; docs/Schedules.md records it.

    /usr/bin/python3 bench/schedule/gpt_table.py [--pp-opt build/bin/pp-opt]
"""
import argparse
import json
import os
import subprocess
import sys
import time

# (kind, chunks per stage): chunked kinds get a cut of p * v virtual stages.
KINDS = [("gpipe", 1), ("1f1b", 1), ("interleaved-1f1b", 2), ("zb-h1", 1),
         ("zb-h2", 1), ("zb-v", 2), ("dualpipev", 2), ("search", 1)]


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pp-opt", default="build/bin/pp-opt")
    ap.add_argument("--out", default="bench/out/schedule")
    ap.add_argument("--stages", default="4,8")
    ap.add_argument("--microbatches", default="8,32")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    onnx = os.path.join(args.out, "gpt.onnx")
    if not os.path.exists(onnx):
        run(["/usr/bin/python3", "bench/import/make_gpt2_medium.py", "--out", onnx,
             "--layers", "16", "--d-model", "512", "--heads", "8",
             "--vocab", "50257", "--seq", "512", "--external-data"])
    rows = []
    start = time.time()
    for p in map(int, args.stages.split(",")):
        for m in map(int, args.microbatches.split(",")):
            for kind, v in KINDS:
                if kind == "dualpipev" and m < 2 * p:
                    continue  # needs 2p microbatches
                plan = os.path.join(args.out, f"gpt-p{p}-m{m}-{kind}.mlir")
                run([args.pp_opt, onnx, "--pp-annotate-cost",
                     f"--pp-partition-stages=num-stages={p} virtual-stages={v} "
                     f"schedule={kind} microbatches={m} granularity=layer",
                     "-o", plan])
                report = os.path.join(args.out, f"sched-p{p}-m{m}-{kind}.json")
                if os.path.exists(report):
                    os.remove(report)
                opts = f"schedule={kind} microbatches={m} device=h100"
                run([args.pp_opt, plan, f"--pp-schedule={opts}",
                     f"--pp-simulate=report={report}", "-o", os.devnull])
                with open(report) as f:
                    s = json.load(f)["schedule"]
                bound = max(st["busy_time"] for st in s["stages"])
                rows.append((p, m, kind + (f" v={v}" if v > 1 else ""),
                             s["step_time"] * 1e3, s["step_time"] / bound,
                             s["bubble_fraction"],
                             s["window_bubble_fraction"],
                             max(st["peak_activations"] for st in s["stages"]),
                             max(st["peak_bytes"] for st in s["stages"]) / 2**20))
    print("| p | m | schedule | step time (ms) | / busiest stage's work "
          "| bubble | window bubble "
          "| peak activations (microbatches) | peak activation memory (MiB) |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for p, m, k, t, lb, b, wb, pa, pb in rows:
        print(f"| {p} | {m} | {k} | {t:.3f} | {lb:.3f} | {100*b:.1f}% "
              f"| {100*wb:.1f}% | {pa:g} | {pb:.0f} |")
    print(f"\n{len(rows)} schedules in {time.time() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
