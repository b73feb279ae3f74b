#!/usr/bin/env python3
"""Parity of pipelined training with PyTorch, over stages, microbatches and
schedules.

    check_pipelines.py MODEL... --data M=DIR... [--stages 1,2,4]
                       [--schedules gpipe,1f1b,...] [--examples DIR]
                       [--pp-opt PATH] [--pp-run PATH] [--work DIR]
                       [--transport threads|mpi] [--mpirun CMD]
                       [--backend cpu|cuda|cuda-emulation]

For every model, every number of microbatches M given with --data (M=1 is
examples/data; others are data sets with golden steps of M microbatches that
`examples/export_models.py --data-out DIR --microbatches M` writes), every
stage count p and every schedule, this exports the model with
`--pp-pipeline="num-stages=p microbatches=M schedule=S"` and checks pp-run's
step against PyTorch's golden one with check_parity.py's tolerance: the
loss, every gradient, the weights after one SGD and one AdamW step (two of
each for the MLP) and BatchNorm's running statistics.

--backend runs pp-run on that backend (the CUDA backend on a GPU, or its
kernels and device paths emulated on the host): the same tolerance against
PyTorch, the same bit-for-bit promises.

It also checks what the runtime promises bit for bit:
 - run to run: the first pipeline of each model runs twice; its loss and
   gradients are byte-identical;
 - schedule to schedule: pipelines with the same cut (the same stage
   programs' parameters and boundary tensors) give byte-identical losses
   and gradients whatever the schedule, since weight gradients add up in
   microbatch order.

A combination pp-opt refuses for a reason that is a property of the model
or the schedule (more virtual stages than ops; an interleaved order that
would deadlock) is skipped and listed with the reason; any other failure
fails the check. One line per model summarises:

    tiny_gpt: 52 pipelines within tolerance (p 1/2/4, M 1/3/8, 6 schedules),
    13 groups of equal cuts bit-identical, run to run bit-identical;
    skipped 2: ...
"""

import argparse
import filecmp
import os
import sys

import check_parity as parity

SCHEDULES = ["gpipe", "1f1b", "interleaved-1f1b", "zb-h1", "zb-h2", "zb-v",
             "dualpipev"]
CHUNKED = {"interleaved-1f1b", "zb-v", "dualpipev"}

# pp-opt's messages for combinations that cannot exist (not for bugs).
SKIP_REASONS = [
    ("exceeds the number of ops", "more virtual stages than ops"),
    ("gives an order that deadlocks", "interleaved order would deadlock"),
    ("needs at least 2 microbatches per stage", "fewer than 2p microbatches"),
]


class Args:
    """check_parity's arguments for one pipeline."""

    def __init__(self, opts, pipeline):
        self.pp_opt = opts.pp_opt
        self.pp_run = opts.pp_run
        self.pipeline = pipeline
        self.verbose = False


def plan_signature(program_dir):
    """What identifies a cut: the manifest's channels and each stage's
    parameters, without the schedule."""
    lines = []
    with open(os.path.join(program_dir, "manifest.pbtxt")) as f:
        text = f.read()
    start = text.find("channels {")
    end = text.find("simulation {")
    lines.append(text[start:end] if start >= 0 else "")
    for name in sorted(os.listdir(program_dir)):
        if name.endswith(".weights"):
            lines.append("%s %d" % (name, os.path.getsize(
                os.path.join(program_dir, name))))
    return "\n".join(lines)


def same_dump(a, b):
    names = sorted(os.listdir(os.path.join(a, "grad")))
    if names != sorted(os.listdir(os.path.join(b, "grad"))):
        return False
    files = ["loss.pb"] + [os.path.join("grad", n) for n in names]
    return all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f),
                           shallow=False) for f in files)


def with_transport(opts):
    """pp-run on the chosen backend, through mpirun with the stage count of
    each program for --transport=mpi."""
    backend = "" if opts.backend == "cpu" else " --backend=" + opts.backend
    if opts.transport == "threads" and not backend:
        return opts.pp_run
    os.makedirs(opts.work, exist_ok=True)
    wrapper = os.path.join(opts.work, "pp-run-wrapper.sh")
    with open(wrapper, "w") as f:
        if opts.transport == "threads":
            f.write("#!/bin/sh\nexec %s \"$@\"%s\n" % (opts.pp_run, backend))
        else:
            f.write("#!/bin/sh\n"
                    "n=$(grep -c '^stages {' \"$1/manifest.pbtxt\")\n"
                    "exec %s -np \"$n\" %s \"$@\" --transport=mpi%s\n"
                    % (opts.mpirun, opts.pp_run, backend))
    os.chmod(wrapper, 0o755)
    return wrapper


def check_model(model, opts, datasets):
    checked, skipped, failed = 0, [], []
    groups = {}  # (M, plan signature) -> [(schedule, p, dump)]
    run_to_run = None
    for m, data_root in datasets:
        golden = parity.Golden(
            opts.examples, model,
            os.path.join(data_root, model) if data_root else None)
        if golden.hyper.get("microbatches", 1) != m:
            raise parity.CheckError(
                "%s: the golden step has %s microbatches, not %d"
                % (golden.data_dir, golden.hyper.get("microbatches"), m))
        for p in opts.stages:
            for schedule in opts.schedules:
                pipeline = "num-stages=%d microbatches=%d schedule=%s" % (
                    p, m, schedule)
                label = "p=%d M=%d %s" % (p, m, schedule)
                work = os.path.join(opts.work, model, "p%d-m%d-%s"
                                    % (p, m, schedule))
                args = Args(opts, pipeline)
                try:
                    results = parity.pp_results(golden, work, args)
                except parity.CheckError as e:
                    reason = next((r for key, r in SKIP_REASONS
                                   if key in str(e) and "pp-opt" in str(e)),
                                  None)
                    if reason:
                        skipped.append("%s (%s)" % (label, reason))
                        continue
                    failed.append("%s: %s" % (label, e))
                    continue
                report = parity.check(golden, results, False)
                checked += 1
                if report.failed:
                    failed.append("%s: %s" % (label, "; ".join(
                        report.failed)))
                dump = os.path.join(work, "dump")
                signature = plan_signature(os.path.join(work, "program"))
                groups.setdefault((m, signature), []).append(
                    (schedule, p, dump))
                if run_to_run is None:
                    again = os.path.join(opts.work, model, "again")
                    parity.pp_results(golden, again, args)
                    run_to_run = same_dump(dump, os.path.join(again, "dump"))
                    if not run_to_run:
                        failed.append("%s: two runs differ" % label)
    equal_groups = 0
    for (m, _), members in sorted(groups.items(), key=lambda kv: kv[0][0]):
        if len(members) < 2:
            continue
        first = members[0]
        for other in members[1:]:
            if not same_dump(first[2], other[2]):
                failed.append(
                    "M=%d p=%d: %s and %s have the same cut but their "
                    "gradients differ" % (m, first[1], first[0], other[0]))
        equal_groups += 1
    return checked, equal_groups, run_to_run, skipped, failed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("models", nargs="+", metavar="MODEL")
    ap.add_argument("--examples",
                    default=os.path.join(os.path.dirname(os.path.dirname(
                        here)), "examples"))
    ap.add_argument("--data", action="append", default=[],
                    metavar="M=DIR",
                    help="M microbatches: golden data under DIR/<model>/ "
                         "(M=1 may name no directory: examples/data)")
    ap.add_argument("--stages", default="1,2,4")
    ap.add_argument("--schedules", default=",".join(SCHEDULES))
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    ap.add_argument("--work", default="pipelines")
    ap.add_argument("--transport", choices=["threads", "mpi"],
                    default="threads")
    ap.add_argument("--mpirun",
                    default="mpirun --allow-run-as-root --oversubscribe")
    ap.add_argument("--backend", choices=["cpu", "cuda", "cuda-emulation"],
                    default="cpu")
    opts = ap.parse_args()
    opts.stages = [int(p) for p in opts.stages.split(",")]
    opts.schedules = opts.schedules.split(",")
    datasets = []
    for spec in opts.data or ["1="]:
        m, _, directory = spec.partition("=")
        datasets.append((int(m), directory or None))
    opts.pp_run = with_transport(opts)

    ok = True
    for model in opts.models:
        try:
            checked, groups, run_to_run, skipped, failed = check_model(
                model, opts, datasets)
        except parity.CheckError as e:
            print("error: %s: %s" % (model, e))
            ok = False
            continue
        line = ("%s: %d pipelines within tolerance (p %s, M %s, %d "
                "schedules), %d groups of equal cuts bit-identical, run to "
                "run %s" % (
                    model, checked - len(failed),
                    "/".join(map(str, opts.stages)),
                    "/".join(str(m) for m, _ in datasets),
                    len(opts.schedules), groups,
                    "bit-identical" if run_to_run else "DIFFERENT"))
        line += "; skipped %d" % len(skipped)
        if skipped:
            line += ": " + ", ".join(skipped)
        print(line)
        for f in failed:
            print("  FAILED %s" % f)
        ok = ok and not failed and run_to_run
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
