#!/usr/bin/env python3
"""Training step on one core: pp-run against PyTorch, and against sgemm.

    /usr/bin/python3 bench/train/run_train_bench.py [--build DIR]
        [--models tiny_gpt gpt512] [--steps N] [--warmup W] [--repeat R]
        [--sgemm-repeat R] [--keep DIR] [--perf]

For each model, one training step (forward, cross-entropy loss, backward,
plain SGD with lr 0.01) on one batch, single-threaded on both sides:

- tiny_gpt: examples/tiny_gpt.onnx on examples/data/tiny_gpt (batch 2,
  sequence 16, d_model 64, 2 blocks, vocabulary 128, tied head);
- gpt512: examples/export_models.py's TinyGPT with d_model 512, 8 heads,
  8 blocks, sequence 256, vocabulary 4096, tied head, batch 1 (one step
  takes about 0.9 s in PyTorch on one core of the reference machine),
  exported to ONNX in a temporary directory like the examples (opset 17,
  no constant folding).

pp: `pp-opt MODEL --pp-pipeline="num-stages=1 microbatches=1" --pp-export`,
then `pp-run DIR --data D --optimizer sgd --lr 0.01 --threads 1 --steps S`.
A step's time is (time of S = W + N steps - time of S = W steps) / N, so
that process start, program loading and the W warm-up steps cancel; each
of the two runs is repeated R times and the median kept. N is raised until
the N steps take about a second.

PyTorch: the same module, weights, batch and optimizer, with
torch.set_num_threads(1) and its BLAS held to one thread
(OPENBLAS_NUM_THREADS=1 and the like); W warm-up steps, then the median of
N steps. Both sides are checked to use no more CPU time than wall time.

sgemm: bench/train's sgemm_bench on the model's matrix-product shapes (all
products of forward, input and weight gradients) gives the time they take at
OpenBLAS's own single-thread speed. sgemm time / pp step time is a lower
bound on the fraction of sgemm's speed that pp's matrix products reach (pp's
step also runs everything else). `pp-run --profile` times every kernel: over
N steps after one warm-up step, the time of its products (nn.matmul,
nn.gemm, nn.conv*) per step, their share of the step and their GFLOP/s, and
sgemm time / their time is the share of sgemm's speed they reach (not
counting the Transpose kernels that feed them, shown apart). With --perf,
`perf record -e cpu-clock` also splits pp-run's CPU time per step by shared
object (again the difference of W + N and W steps), and sgemm time /
pp-run's time in OpenBLAS is the same share measured from outside.

Prints a markdown table (docs/Benchmarks.md, "Training step on one core").
"""

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples"))

# torch.set_num_threads(1) bounds PyTorch's own thread pool, not that of the
# BLAS it links (Debian's torch calls the system OpenBLAS, which would use
# every core): both must be told before torch loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import export_models as em  # noqa: E402

LR = 0.01
GPT512 = dict(vocab=4096, d_model=512, n_heads=8, n_layers=8, max_seq=256)
GPT512_BATCH = 1
TINY = dict(vocab=128, d_model=64, n_heads=2, n_layers=2, max_seq=16)


def fail(message):
    sys.exit("run_train_bench.py: error: " + message)


def cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def check_one_core(what, cpu, wall):
    """A single-threaded run uses no more CPU time than wall time (10%
    allowed for timer granularity and the process's helper threads)."""
    if cpu > 1.1 * wall:
        fail("%s used %.2f s of CPU in %.2f s: more than one core"
             % (what, cpu, wall))


def run(cmd, one_core=False):
    """Runs `cmd`; returns its wall time in seconds. With `one_core`, checks
    that it used one core."""
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        fail("%s exited with %d:\n%s" % (" ".join(cmd), result.returncode,
                                         result.stdout.rstrip()))
    if one_core:
        check_one_core(os.path.basename(cmd[0]),
                       cpu_seconds(resource.RUSAGE_CHILDREN) - cpu, elapsed)
    return elapsed


# ----------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------


def prepare_tiny(work):
    model, inputs, labels = em.build_gpt(True)
    return (model, inputs["input_ids"], labels,
            os.path.join(ROOT, "examples", "tiny_gpt.onnx"),
            os.path.join(ROOT, "examples", "data", "tiny_gpt"), TINY, 2)


def prepare_gpt512(work):
    torch.manual_seed(0)
    model = em.TinyGPT(tied=True, **GPT512)
    # As for the examples: distinct LayerNorm parameters, or the exporter
    # would deduplicate them into one initializer (a tie pp would honour).
    em.randomize_layernorm(model, torch.Generator().manual_seed(4))
    gen = torch.Generator().manual_seed(5)
    seq = torch.randint(0, GPT512["vocab"],
                        (GPT512_BATCH, GPT512["max_seq"] + 1), generator=gen)
    ids, labels = seq[:, :-1].contiguous(), seq[:, 1:].contiguous()
    path = os.path.join(work, "gpt512.onnx")
    em.export(model, (ids,), path, ["input_ids"], ["logits"],
              torch.onnx.TrainingMode.EVAL, constant_folding=False)
    data = os.path.join(work, "gpt512-data")
    em.write_tensor(ids.numpy(), "input_ids",
                    os.path.join(data, "input_ids.pb"))
    em.write_tensor(labels.numpy(), "labels", os.path.join(data, "labels.pb"))
    return model, ids, labels, path, data, GPT512, GPT512_BATCH


MODELS = {"tiny_gpt": prepare_tiny, "gpt512": prepare_gpt512}


# ----------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------


def torch_step_seconds(model, ids, labels, warmup, steps):
    torch.set_num_threads(1)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    times = []
    for i in range(warmup + steps):
        if i == warmup:
            cpu = cpu_seconds(resource.RUSAGE_SELF)
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(ids)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               labels.reshape(-1))
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    check_one_core("PyTorch", cpu_seconds(resource.RUSAGE_SELF) - cpu,
                   sum(times))
    return statistics.median(times)


def pp_step_seconds(pp_run, program, data, warmup, steps, repeat):
    def timed(n):
        cmd = [pp_run, program, "--data", data, "--optimizer", "sgd",
               "--lr", repr(LR), "--threads", "1", "--steps", str(n)]
        return statistics.median(run(cmd, one_core=True)
                                 for _ in range(repeat))

    return (timed(warmup + steps) - timed(warmup)) / steps


PRODUCT_OPS = ("nn.matmul", "nn.gemm", "nn.conv", "nn.conv_grad_input",
               "nn.conv_grad_weight")


def pp_profile(pp_run, program, data, steps):
    """pp-run --profile over 1 + `steps` steps (the first, warm-up, is left
    out by pp-run): per step, the seconds and GFLOP of its products, the
    seconds of its transposes, and the step's seconds."""
    cmd = [pp_run, program, "--data", data, "--optimizer", "sgd",
           "--lr", repr(LR), "--threads", "1", "--steps", str(steps + 1),
           "--profile"]
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        fail("%s exited with %d:\n%s" % (" ".join(cmd), result.returncode,
                                         result.stderr.rstrip()))
    lines = result.stderr.splitlines()
    header = [line for line in lines if line.startswith("profile of steps")]
    if not header or "(%d steps;" % steps not in header[0]:
        fail("pp-run --profile printed no table of %d steps:\n%s"
             % (steps, result.stderr.rstrip()))
    step_ms = float(header[0].split(":")[-1].split()[0])
    products_ms = gflop = transposes_ms = 0.0
    for line in lines:
        fields = line.split()
        # op, calls, total ms, share, mean us[, GFLOP/s]
        if len(fields) < 5 or not fields[0].startswith("nn."):
            continue
        total_ms = float(fields[2])
        if fields[0] in PRODUCT_OPS:
            products_ms += total_ms
            if len(fields) >= 6:
                gflop += float(fields[5]) * total_ms * 1e-3
        elif fields[0] == "nn.transpose":
            transposes_ms += total_ms
    return {"products": products_ms * 1e-3 / steps, "gflop": gflop / steps,
            "transposes": transposes_ms * 1e-3 / steps,
            "step": step_ms * 1e-3}


PERF_HZ = 999


def pp_perf_seconds(pp_run, program, data, warmup, steps, work):
    """CPU seconds per step of pp-run by shared object ({dso: seconds}),
    from `perf record -e cpu-clock` samples: those of W + N steps minus
    those of W steps, over N."""
    def samples(n):
        out = os.path.join(work, "perf-%d.data" % n)
        run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(PERF_HZ),
             "-o", out, "--", pp_run, program, "--data", data,
             "--optimizer", "sgd", "--lr", repr(LR), "--threads", "1",
             "--steps", str(n)])
        report = subprocess.run(
            ["perf", "report", "-i", out, "--no-children", "-n", "--sort",
             "dso", "--stdio", "-q", "-g", "none"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        counts = {}
        for line in report.stdout.splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[0].endswith("%"):
                counts[" ".join(fields[2:])] = int(fields[1])
        if not counts:
            fail("perf report found no samples in %s" % out)
        return counts

    short, full = samples(warmup), samples(warmup + steps)
    return {dso: (full.get(dso, 0) - short.get(dso, 0)) / PERF_HZ / steps
            for dso in full}


def sgemm_seconds(sgemm_bench, shape, batch, repeat):
    cmd = [sgemm_bench, "--batch", str(batch), "--seq",
           str(shape["max_seq"]), "--d-model", str(shape["d_model"]),
           "--heads", str(shape["n_heads"]), "--layers",
           str(shape["n_layers"]), "--vocab", str(shape["vocab"]),
           "--repeat", str(repeat), "--json"]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        fail("%s exited with %d" % (" ".join(cmd), result.returncode))
    return json.loads(result.stdout)


def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, Linux %s, PyTorch %s" % (
        model, os.cpu_count(), platform.release(),
        torch.__version__.split("+")[0])


def fmt_ms(seconds):
    return "%.1f ms" % (seconds * 1e3) if seconds >= 0.01 else \
        "%.2f ms" % (seconds * 1e3)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory with bin/pp-opt, bin/pp-run and "
                         "bench/train/sgemm_bench")
    ap.add_argument("--models", nargs="+", default=list(MODELS),
                    choices=list(MODELS))
    ap.add_argument("--steps", type=int, default=5,
                    help="timed steps at least (default 5)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each pp-run command (median; default 3)")
    ap.add_argument("--sgemm-repeat", type=int, default=5)
    ap.add_argument("--keep", default=None,
                    help="keep the exported models and programs here")
    ap.add_argument("--perf", action="store_true",
                    help="also profile pp-run with perf: CPU time per step "
                         "in OpenBLAS, in pp-run's own code, in the kernel")
    args = ap.parse_args()
    tools = {name: os.path.join(args.build, "bin", name)
             for name in ("pp-opt", "pp-run")}
    tools["sgemm_bench"] = os.path.join(args.build, "bench", "train",
                                        "sgemm_bench")
    for name, path in tools.items():
        if not os.access(path, os.X_OK):
            fail("no %s (build it: ninja -C %s %s)" % (path, args.build,
                                                       name))
    torch.use_deterministic_algorithms(True)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or tmp
        os.makedirs(work, exist_ok=True)
        for name in args.models:
            model, ids, labels, onnx_path, data, shape, batch = \
                MODELS[name](work)
            program = os.path.join(work, name + "-program")
            run([tools["pp-opt"], onnx_path,
                 "--pp-pipeline=num-stages=1 microbatches=1",
                 "--pp-export=" + program])
            t_torch = torch_step_seconds(model, ids, labels, args.warmup,
                                         args.steps)
            # About a second of timed steps, so that the difference of two
            # process runs is not lost in their noise.
            steps = max(args.steps, math.ceil(1.0 / t_torch))
            t_pp = pp_step_seconds(tools["pp-run"], program, data,
                                   args.warmup, steps, args.repeat)
            sgemm = sgemm_seconds(tools["sgemm_bench"], shape, batch,
                                  args.sgemm_repeat)
            kernels = pp_profile(tools["pp-run"], program, data, steps)
            profile = None
            if args.perf:
                # Twice the timed steps (at least 10): the difference of
                # two profiles is noisier than that of two wall times.
                profile = pp_perf_seconds(tools["pp-run"], program, data,
                                          args.warmup, max(10, 2 * steps),
                                          work)
            rows.append((name, batch, shape, steps, t_torch, t_pp, sgemm,
                         profile, kernels))
            print("%s: PyTorch %s, pp-run %s (%d steps), sgemm %s"
                  % (name, fmt_ms(t_torch), fmt_ms(t_pp), steps,
                     fmt_ms(sgemm["step_seconds"])), file=sys.stderr)

    print("Machine: %s; one thread each." % machine())
    print()
    print("| model | batch x seq | PyTorch step | pp-run step | pp / PyTorch "
          "(target <= 1.3) | sgemm, all products | sgemm / pp step "
          "(products >= this share of sgemm speed) |")
    print("|---|---|---|---|---|---|---|")
    for name, batch, shape, steps, t_torch, t_pp, sgemm, _, _ in rows:
        s = sgemm["step_seconds"]
        print("| %s | %d x %d | %s | %s | %.2f | %s (%.3g GFLOP) | %.0f%% |"
              % (name, batch, shape["max_seq"], fmt_ms(t_torch), fmt_ms(t_pp),
                 t_pp / t_torch, fmt_ms(s), sgemm["step_gflop"],
                 100 * s / t_pp))
    print()
    print("pp-run's matrix products per step, timed by pp-run --profile "
          "(warm-up step left out); sgemm / products is the share of "
          "sgemm_bench's speed they reach:")
    print()
    print("| model | products | share of pp-run step | their GFLOP/s | "
          "sgemm / products | transposes |")
    print("|---|---|---|---|---|---|")
    for name, _, _, _, _, _, sgemm, _, kernels in rows:
        products = kernels["products"]
        print("| %s | %s | %.0f%% | %.1f | %.0f%% | %s |"
              % (name, fmt_ms(products), 100 * products / kernels["step"],
                 kernels["gflop"] / products if products else 0.0,
                 100 * sgemm["step_seconds"] / products if products else 0.0,
                 fmt_ms(kernels["transposes"])))
    if args.perf:
        print()
        print("pp-run's CPU time per step by shared object (perf, cpu-clock "
              "at %d Hz); sgemm / OpenBLAS is the share of sgemm_bench's "
              "speed that pp's calls into OpenBLAS reach:" % PERF_HZ)
        print()
        print("| model | OpenBLAS | sgemm / OpenBLAS | pp-run's code | "
              "kernel (page faults, ...) | libm | other |")
        print("|---|---|---|---|---|---|---|")
        for name, _, _, _, _, _, sgemm, profile, _ in rows:
            blas = sum(v for k, v in profile.items() if "openblas" in k)
            own = profile.get("pp-run", 0.0)
            kernel = profile.get("[kernel.kallsyms]", 0.0)
            libm = sum(v for k, v in profile.items() if k.startswith("libm"))
            other = sum(profile.values()) - blas - own - kernel - libm
            print("| %s | %s | %.0f%% | %s | %s | %s | %s |"
                  % (name, fmt_ms(blas), 100 * sgemm["step_seconds"] / blas,
                     fmt_ms(own), fmt_ms(kernel), fmt_ms(libm),
                     fmt_ms(other)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
