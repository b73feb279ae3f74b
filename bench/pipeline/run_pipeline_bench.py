#!/usr/bin/env python3
"""Pipelined training on this machine: throughput, plan against measurement,
and the runtime's cost per action.

    /usr/bin/python3 bench/pipeline/run_pipeline_bench.py [--build DIR]
        [--microbatches 8] [--schedules 1f1b,zb-h1] [--steps N]
        [--warmup W] [--repeat R] [--keep DIR] [--skip-mpi]

1. Throughput. The GPT of the training benchmark (bench/train: d_model 512,
   8 heads, 8 blocks, sequence 256, vocabulary 4096, tied head; one sequence
   per microbatch) trains with M microbatches per step:
   - one stage in one process on one thread (`num-stages=1`): the baseline;
   - two stages as two threads of one process (pp-run's default);
   - two stages as two MPI processes (`mpirun -np 2 pp-run --transport=mpi`).
   A step's time is (time of W + N steps - time of W steps) / N, so that
   start-up and warm-up cancel. The configurations are timed in R
   interleaved rounds (every configuration once per round), because a
   shared VM's speed drifts by tens of percent over minutes: a speed-up is
   the median over the rounds of the baseline's step time over the
   configuration's in the same round, printed with its range. Throughput
   is samples per second; the target is 1.7x the baseline's for two stages
   on this 2-core machine.

2. Plan against measurement. The baseline run with `pp-run
   --profile=cpu.json` writes this machine's measured device profile; the
   two-stage programs are planned with it (`--pp-device=cpu.json`), and
   `pp-run --plan-report` sets each stage's measured busy time, bubble and
   step time against what pp-simulate predicted, and the step replayed
   from its measured actions (the measured step minus it is the runtime's
   own time between actions). Targets: each stage's busy time within 15%
   of the plan's, the measured bubble within 3 points of the simulated
   one. The measured (`--trace`) and simulated (`trace=`) timelines of
   every schedule are kept with --keep.

3. Cost per action. A chain of sixteen 4x4 linear layers (no compute to
   speak of) is cut into 4 stages and trained with 1F1B on 64
   microbatches. Its step is almost nothing but the runtime's own work, so
   the step time divided by the critical path's length (m + p - 1 slots of
   a forward and a backward, each with its receive and send) gives the
   cost of one slot: one function launch, one send and one receive. The
   transport's round trip alone is pp-run --profile's link latency.

Prints markdown tables (docs/Benchmarks.md, "Pipelined training").
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "train"))

import run_train_bench as trainbench  # noqa: E402  (the GPT and its export)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import helper, TensorProto, numpy_helper  # noqa: E402

em = trainbench.em
torch = trainbench.torch
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe"]


def fail(message):
    sys.exit("run_pipeline_bench.py: error: " + message)


WARNED = set()


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        fail("%s exited with %d:\n%s" % (" ".join(cmd), result.returncode,
                                         result.stdout.rstrip()))
    # pp-run's warnings about the machine (OpenBLAS's kernels) change every
    # number below: pass them on, once.
    for line in result.stdout.splitlines():
        if line.startswith("warning:") and line not in WARNED:
            WARNED.add(line)
            print(line, file=sys.stderr)
    return result.stdout


def timed(cmd):
    start = time.perf_counter()
    run(cmd)
    return time.perf_counter() - start


def step_seconds(cmd, warmup, steps, repeat):
    """(time of W + N steps - time of W steps) / N, medians of R runs."""
    def median(n):
        return statistics.median(timed(cmd + ["--steps", str(n)])
                                 for _ in range(repeat))
    return (median(warmup + steps) - median(warmup)) / steps


def interleaved_step_seconds(cmds, warmup, steps, rounds):
    """Per command, its step time in each of `rounds` rounds, every command
    timed once per round: (time of W + N steps - time of W steps) / N."""
    times = [[] for _ in cmds]
    for _ in range(rounds):
        for i, cmd in enumerate(cmds):
            long = timed(cmd + ["--steps", str(warmup + steps)])
            short = timed(cmd + ["--steps", str(warmup)])
            times[i].append((long - short) / steps)
    return times


def export(pp_opt, model, pipeline, out, device=None):
    cmd = [pp_opt, model, "--pp-pipeline=" + pipeline, "--pp-export=" + out,
           "-o", os.devnull]
    if device:
        cmd.append("--pp-device=" + device)
    run(cmd)


def gpt_data(work, microbatches):
    """The GPT of bench/train and a batch of `microbatches` sequences."""
    model, ids, labels, path, _, shape, _ = trainbench.prepare_gpt512(work)
    gen = torch.Generator().manual_seed(6)
    seq = torch.randint(0, shape["vocab"],
                        (microbatches, shape["max_seq"] + 1), generator=gen)
    data = os.path.join(work, "gpt512-m%d" % microbatches)
    em.write_tensor(seq[:, :-1].contiguous().numpy(), "input_ids",
                    os.path.join(data, "input_ids.pb"))
    em.write_tensor(seq[:, 1:].contiguous().numpy(), "labels",
                    os.path.join(data, "labels.pb"))
    return path, data


def chain_model(work, layers=16, width=4):
    """A chain of tiny linear layers, with an MSE loss's labels."""
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    prev = "x"
    for i in range(layers):
        w = numpy_helper.from_array(
            (rng.standard_normal((width, width)) * 0.5).astype(np.float32),
            "w%d" % i)
        inits.append(w)
        nodes.append(helper.make_node("MatMul", [prev, w.name], ["h%d" % i],
                                      name="/layer%d/MatMul" % i))
        nodes.append(helper.make_node("Tanh", ["h%d" % i], ["r%d" % i],
                                      name="/layer%d/Tanh" % i))
        prev = "r%d" % i
    graph = helper.make_graph(
        nodes, "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, width])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = os.path.join(work, "chain.onnx")
    onnx.save(model, path)
    return path


def chain_data(work, microbatches, width=4):
    rng = np.random.default_rng(1)
    data = os.path.join(work, "chain-m%d" % microbatches)
    em.write_tensor(rng.standard_normal((microbatches, width)).astype(
        np.float32), "x", os.path.join(data, "x.pb"))
    em.write_tensor(rng.standard_normal((microbatches, width)).astype(
        np.float32), "labels", os.path.join(data, "labels.pb"))
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--microbatches", type=int, default=8)
    ap.add_argument("--schedules", default="1f1b,zb-h1")
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--keep", help="keep the work directory here")
    ap.add_argument("--skip-mpi", action="store_true")
    opts = ap.parse_args()
    pp_opt = os.path.join(opts.build, "bin", "pp-opt")
    pp_run = os.path.join(opts.build, "bin", "pp-run")
    for tool in (pp_opt, pp_run):
        if not os.access(tool, os.X_OK):
            fail("no %s: build pp first (scripts/build.sh)" % tool)
    work = opts.keep or tempfile.mkdtemp(prefix="pp-pipeline-bench-")
    os.makedirs(work, exist_ok=True)
    m = opts.microbatches
    common = ["--optimizer", "sgd", "--lr", "0.01", "--threads", "1"]

    # 1. Throughput and 2. plan against measurement.
    model, data = gpt_data(work, m)
    base = os.path.join(work, "gpt-1stage")
    export(pp_opt, model, "num-stages=1 microbatches=%d" % m, base)
    base_cmd = [pp_run, base, "--data", data] + common
    profile = os.path.join(work, "cpu-measured.json")
    run(base_cmd + ["--steps", "3", "--profile=" + profile])
    configs = [("1 stage, 1 process, 1 thread", "-", base_cmd)]
    reports = []
    for schedule in opts.schedules.split(","):
        program = os.path.join(work, "gpt-2stages-" + schedule)
        pipeline = "num-stages=2 microbatches=%d schedule=%s" % (m, schedule)
        export(pp_opt, model, pipeline + " trace=%s" % os.path.join(
            work, "planned-%s.json" % schedule), program, device=profile)
        cmd = [pp_run, program, "--data", data] + common
        configs.append(("2 stages, threads", schedule, cmd))
        if not opts.skip_mpi:
            configs.append(("2 stages, MPI", schedule,
                            MPIRUN + ["-np", "2"] + cmd + ["--transport=mpi"]))
        report = subprocess.run(
            cmd + ["--steps", str(opts.warmup + opts.steps), "--plan-report",
                   "--trace", os.path.join(work, "measured-%s.json"
                                           % schedule)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if report.returncode != 0:
            fail(report.stderr)
        reports.append((schedule, report.stderr.strip()))
    times = interleaved_step_seconds([c[2] for c in configs], opts.warmup,
                                     opts.steps, opts.repeat)
    base = times[0]

    print("### Throughput: GPT d=512, 8 blocks, seq 256, %d microbatches of "
          "1 sequence (%d rounds)\n" % (m, opts.repeat))
    print("| run | schedule | step time | samples/s | vs 1 stage (range) |")
    print("|---|---|---|---|---|")
    for (what, schedule, _), ts in zip(configs, times):
        ratios = [b / t for b, t in zip(base, ts)]
        t = statistics.median(ts)
        print("| %s | %s | %.3f s | %.2f | %.2fx (%.2f-%.2f) |"
              % (what, schedule, t, m / t, statistics.median(ratios),
                 min(ratios), max(ratios)))
    print("\n### Plan (calibrated cpu profile) against measurement, threads\n")
    for schedule, text in reports:
        print("```\n%s\n```\n" % text)

    # 3. Cost per action.
    chain = chain_model(work)
    cm = 64
    cdata = chain_data(work, cm)
    program = os.path.join(work, "chain-4stages")
    export(pp_opt, chain, "num-stages=4 microbatches=%d schedule=1f1b "
           "loss=mse" % cm, program)
    ccmd = [pp_run, program, "--data", cdata] + common
    slots = 2 * (cm + 4 - 1)
    print("### Cost of one pipeline slot (a launch, a send and a receive): "
          "16 tiny layers on 4 stages, 1F1B, %d microbatches\n" % cm)
    print("| transport | step time | per slot |")
    print("|---|---|---|")
    t = step_seconds(ccmd, 2, 20, opts.repeat)
    print("| threads | %.2f ms | %.1f us |" % (t * 1e3, t / slots * 1e6))
    if not opts.skip_mpi:
        t = step_seconds(MPIRUN + ["-np", "4"] + ccmd + ["--transport=mpi"],
                         2, 20, opts.repeat)
        print("| MPI (4 processes on 2 cores) | %.2f ms | %.1f us |"
              % (t * 1e3, t / slots * 1e6))
    with open(profile) as f:
        link = re.search(r'"link": \{"bandwidth": (\S+), "latency": (\S+)\}',
                         f.read())
    if link:
        print("\nThread transport (pp-run --profile): latency %.1f us, "
              "bandwidth %.2f GB/s" % (float(link.group(2).rstrip("}")) * 1e6,
                                       float(link.group(1).rstrip(",")) / 1e9))
    if not opts.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
