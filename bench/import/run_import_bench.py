#!/usr/bin/env python3
"""Import benchmark: time and peak memory of `pp-opt MODEL.onnx`.

Generates the GPT-2-medium-shaped model (random weights) into bench/out/ if it
is missing, then runs pp-opt on it REPEAT times with --mlir-timing and prints a
Markdown table row per variant: wall time, the 'Read protobuf' and 'Build IR'
phases, printing time, peak RSS and its ratio to the model's size on disk.

    python3 bench/import/run_import_bench.py [--pp-opt build/bin/pp-opt] [--repeat 3]

Uses only the Python standard library (the generator needs onnx and numpy).
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "bench", "out")


def generate(path, extra):
    if os.path.exists(path):
        return
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "import", "make_gpt2_medium.py"),
                    "--out", path] + extra, check=True)


def model_bytes(path):
    total = os.path.getsize(path)
    if os.path.exists(path + ".data"):
        total += os.path.getsize(path + ".data")
    return total


def timer(report, name):
    m = re.search(r"^\s*([0-9.]+) \([ 0-9.]+%\)\s+" + re.escape(name) + r"\s*$", report, re.M)
    return float(m.group(1)) if m else float("nan")


def run_once(pp_opt, model, output):
    """One run in a fresh child; returns (wall, phases, peak RSS bytes)."""
    code = (
        "import resource,subprocess,sys,time\n"
        "t=time.time();p=subprocess.run(sys.argv[1:],stderr=subprocess.PIPE,text=True);w=time.time()-t\n"
        "sys.stderr.write(p.stderr);print(p.returncode,w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    p = subprocess.run([sys.executable, "-c", code, pp_opt, model, "-o", output, "--mlir-timing"],
                       capture_output=True, text=True)
    rc, wall, rss_kib = p.stdout.split()
    if rc != "0":
        sys.exit("pp-opt failed:\n" + p.stderr)
    phases = {n: timer(p.stderr, n) for n in ("Read protobuf", "Build IR", "Output")}
    return float(wall), phases, int(rss_kib) * 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pp-opt", default=os.path.join(ROOT, "build", "bin", "pp-opt"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the generated models")
    args = ap.parse_args()

    variants = [("single file", os.path.join(OUT, "gpt2_medium.onnx"), []),
                ("external data", os.path.join(OUT, "gpt2_medium_ext.onnx"), ["--external-data"])]
    print("| model | size on disk | wall (best of %d) | read protobuf | build IR | print IR | IR size | peak RSS | RSS / size |" % args.repeat)
    print("|---|---|---|---|---|---|---|---|---|")
    for label, path, extra in variants:
        generate(path, extra)
        size = model_bytes(path)
        ir = os.path.join(OUT, "imported.mlir")
        runs = [run_once(args.pp_opt, path, ir) for _ in range(args.repeat)]
        wall, phases, rss = min(runs, key=lambda r: r[0])
        peak = max(r[2] for r in runs)
        print("| GPT-2 medium, %s | %.2f GB | %.2f s | %.2f s | %.2f s | %.3f s | %.0f KB | %.2f GB | %.2f |" % (
            label, size / 1e9, wall, phases["Read protobuf"], phases["Build IR"], phases["Output"],
            os.path.getsize(ir) / 1e3, peak / 1e9, peak / size), flush=True)
        os.remove(ir)
        if not args.keep:
            for f in (path, path + ".data"):
                if os.path.exists(f):
                    os.remove(f)


if __name__ == "__main__":
    main()
