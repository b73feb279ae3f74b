#!/usr/bin/env python3
"""The CUDA backend on a GPU: kernels, a pipelined GPT step against PyTorch
eager, and the plan's prediction against the measurement.

    /usr/bin/python3 bench/cuda/run_cuda_bench.py [--build DIR]
        [--d-model 2048] [--heads 16] [--layers 16] [--seq 1024]
        [--vocab 8192] [--microbatches 8] [--stages 4]
        [--schedules 1f1b,zb-h1] [--steps 5] [--warmup 2] [--tf32]
        [--backend cuda] [--keep DIR]

1. Kernels: build/bench/cuda/cuda_kernel_bench on the GPT's shapes (a
   microbatch of one sequence): matrix products against cuBLAS's sgemm
   alone (target >= 90%), elementwise and normalisation kernels against a
   device-to-device copy's bandwidth (target >= 70%).

2. A training step of a GPT (examples/export_models.py's TinyGPT: d_model
   2048, 16 blocks, sequence 1024 by default, tied head, fp32, SGD), m
   microbatches of one sequence each, cut into 4 stages on one GPU (each
   stage a thread with a stream of its own), against PyTorch eager on the
   same GPU with the same model, batch and gradient accumulation over the
   m microbatches. Step time is the median of the steps after the warm-up
   (pp-run --metrics, torch.cuda.synchronize around each PyTorch step).
   Target: pp at least as fast. Achieved TFLOP/s counts 6 * parameters *
   tokens plus the attention products (12 * layers * seq * d_model per
   token).

3. Plan against measurement: pp-run --profile=measured.json writes the
   GPU's measured device profile; the program is planned again with it
   (--pp-device=measured.json) and pp-run --plan-report compares the
   simulated step with the measured one. Target: within 10%.

Prints markdown tables (docs/CUDA.md, "Performance"). With --backend
cuda-emulation and a small model (--d-model 64 --layers 2 --seq 16
--vocab 128) it runs without a GPU: a check of this script, not a
measurement.
"""

import argparse
import json
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
sys.path.insert(0, os.path.join(ROOT, "examples"))

import export_models as em  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

LR = 0.01


def run(cmd, **kw):
    print("$ " + " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        sys.exit("failed (%d): %s\n%s%s" % (done.returncode, " ".join(cmd),
                                            done.stdout, done.stderr))
    return done


def export_gpt(args, work):
    torch.manual_seed(0)
    shape = dict(vocab=args.vocab, d_model=args.d_model, n_heads=args.heads,
                 n_layers=args.layers, max_seq=args.seq)
    model = em.TinyGPT(tied=True, **shape)
    em.randomize_layernorm(model, torch.Generator().manual_seed(4))
    gen = torch.Generator().manual_seed(5)
    seq = torch.randint(0, args.vocab, (args.microbatches, args.seq + 1),
                        generator=gen)
    ids, labels = seq[:, :-1].contiguous(), seq[:, 1:].contiguous()
    path = os.path.join(work, "gpt.onnx")
    em.export(model, (ids[:1],), path, ["input_ids"], ["logits"],
              torch.onnx.TrainingMode.EVAL, constant_folding=False)
    data = os.path.join(work, "data")
    em.write_tensor(ids.numpy(), "input_ids",
                    os.path.join(data, "input_ids.pb"))
    em.write_tensor(labels.numpy(), "labels", os.path.join(data, "labels.pb"))
    return model, ids, labels, path, data


def step_flops(model, args):
    params = sum(p.numel() for p in model.parameters())
    tokens = args.microbatches * args.seq
    attention = 12 * args.layers * args.seq * args.d_model
    return tokens * (6 * params + attention)


def torch_step_seconds(model, ids, labels, args):
    if not torch.cuda.is_available():
        return None
    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    model = model.to(device).train()
    ids, labels = ids.to(device), labels.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    times = []
    for step in range(args.warmup + args.steps):
        torch.cuda.synchronize()
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        for mb in range(args.microbatches):
            logits = model(ids[mb:mb + 1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   labels[mb:mb + 1].reshape(-1))
            (loss / args.microbatches).backward()
        opt.step()
        torch.cuda.synchronize()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def pp_step_seconds(pp_run, program, data, args, work, extra=()):
    metrics = os.path.join(work, "metrics.jsonl")
    cmd = [pp_run, program, "--data", data, "--backend", args.backend,
           "--optimizer", "sgd", "--lr", repr(LR),
           "--steps", str(args.warmup + args.steps), "--metrics", metrics]
    if args.tf32:
        cmd.append("--tf32")
    done = run(cmd + list(extra))
    with open(metrics) as f:
        steps = [json.loads(line) for line in f if line.strip()]
    return statistics.median(s["seconds"] for s in steps[args.warmup:]), done


def plan(pp_opt, model, program, args, schedule, device=None):
    pipeline = ("num-stages=%d microbatches=%d schedule=%s"
                % (args.stages, args.microbatches, schedule))
    cmd = [pp_opt, model, "--pp-pipeline=" + pipeline,
           "--pp-export=" + program, "-o", os.devnull]
    if device:
        cmd.insert(2, "--pp-device=" + device)
    run(cmd)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--d-model", type=int, default=2048)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--microbatches", type=int, default=8)
    ap.add_argument("--stages", type=int, default=4)
    ap.add_argument("--schedules", default="1f1b,zb-h1")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--backend", default="cuda",
                    choices=["cuda", "cuda-emulation"])
    ap.add_argument("--skip-kernels", action="store_true")
    ap.add_argument("--keep", help="keep the work directory here")
    args = ap.parse_args()

    bin_dir = os.path.join(args.build, "bin")
    pp_opt, pp_run = (os.path.join(bin_dir, t) for t in ("pp-opt", "pp-run"))
    work = args.keep or tempfile.mkdtemp(prefix="pp-cuda-bench-")
    os.makedirs(work, exist_ok=True)

    if not args.skip_kernels and args.backend == "cuda":
        bench = os.path.join(args.build, "bench", "cuda", "cuda_kernel_bench")
        out = run([bench, "--tokens", str(args.seq), "--d-model",
                   str(args.d_model)]).stdout
        print("## Kernels\n\n" + out)

    model, ids, labels, onnx_path, data = export_gpt(args, work)
    flops = step_flops(model, args)
    torch_seconds = torch_step_seconds(model, ids, labels, args)

    print("## GPT step: d_model %d, %d blocks, sequence %d, vocabulary %d, "
          "%d microbatches, %d stages on one GPU%s\n"
          % (args.d_model, args.layers, args.seq, args.vocab,
             args.microbatches, args.stages, ", TF32" if args.tf32 else ""))
    print("| run | step | TFLOP/s | PyTorch eager / pp |\n|---|---|---|---|")
    if torch_seconds:
        print("| PyTorch eager (gradient accumulation) | %.1f ms | %.1f | 1.00 |"
              % (torch_seconds * 1e3, flops / torch_seconds * 1e-12))
    for schedule in args.schedules.split(","):
        program = os.path.join(work, "program-" + schedule)
        plan(pp_opt, onnx_path, program, args, schedule)
        seconds, _ = pp_step_seconds(pp_run, program, data, args, work)
        ratio = ("%.2f" % (torch_seconds / seconds)) if torch_seconds else "-"
        print("| pp %s | %.1f ms | %.1f | %s |"
              % (schedule, seconds * 1e3, flops / seconds * 1e-12, ratio))

    # Plan on measured costs, then compare the simulation with the run.
    print("\n## Plan against measurement (measured device profile)\n")
    print("| schedule | simulated step | measured step | difference |\n"
          "|---|---|---|---|")
    first = args.schedules.split(",")[0]
    profile = os.path.join(work, "measured.json")
    pp_step_seconds(pp_run, os.path.join(work, "program-" + first), data,
                    args, work, ["--profile=" + profile])
    for schedule in args.schedules.split(","):
        program = os.path.join(work, "replanned-" + schedule)
        plan(pp_opt, onnx_path, program, args, schedule, device=profile)
        # The simulated step from --plan-report; the measured one from an
        # unprofiled run (profiling synchronises around every kernel).
        _, done = pp_step_seconds(pp_run, program, data, args, work,
                                  ["--plan-report"])
        m = re.search(r"step time\s+simulated\s+([0-9.]+) (s|ms|us)",
                      done.stderr)
        if not m:
            sys.exit("no step time in --plan-report's output:\n" + done.stderr)
        unit = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
        sim = float(m.group(1)) * unit[m.group(2)]
        meas, _ = pp_step_seconds(pp_run, program, data, args, work)
        print("| %s | %.1f ms | %.1f ms | %+.1f%% |"
              % (schedule, sim * 1e3, meas * 1e3, 100 * (meas - sim) / sim))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
