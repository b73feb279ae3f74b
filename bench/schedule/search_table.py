#!/usr/bin/env python3
"""schedule=search against every hand-made schedule on deliberately
unbalanced stages, under 1F1B's memory (p microbatches per stage) and
without a limit: step time, its ratio to the busiest stage's work (no
schedule is faster), and the integer program's optimum where it is small
enough to solve. Prints a Markdown table; docs/Schedules.md records it.

    /usr/bin/python3 bench/schedule/search_table.py [--pp-sched build/bin/pp-sched]
"""
import argparse
import json
import subprocess
import time

# (name, p, m, F, B, W per stage, transfer time)
CASES = [
    ("heavy last stage (LM head)", 4, 16,
     [1, 1, 1, 2.2], [1, 1, 1, 2.4], [1, 1, 1, 0.4], 0.1),
    ("heavy first stage (embedding + 2 blocks)", 4, 16,
     [1.8, 1, 1, 1], [2, 1, 1, 1], [1.5, 1, 1, 1], 0.1),
    ("W-light stages, slow links", 4, 16,
     [1, 1, 1, 1], [1.5, 1.5, 1.5, 1.5], [0.2, 0.2, 0.2, 0.2], 0.5),
    ("uneven 8 stages", 8, 32,
     [1, 1.3, 0.8, 1, 1.2, 0.9, 1, 1.6], [1.1, 1.4, 0.9, 1, 1.3, 1, 1, 1.9],
     [0.9, 1.2, 0.7, 1, 1, 0.8, 1, 0.5], 0.05),
    ("small, for the exact solver", 3, 4,
     [1, 1.5, 1], [1.2, 1.8, 1], [0.6, 0.9, 1], 0.2),
]
KINDS = ["gpipe", "1f1b", "zb-h1", "zb-h2", "search"]


def run(pp_sched, case, kind, limit, exact=False):
    name, p, m, f, b, w, comm = case
    cmd = [pp_sched, "-p", str(p), "-m", str(m), "--schedule", kind,
           "--stage-f", ",".join(map(str, f)),
           "--stage-b", ",".join(map(str, b)),
           "--stage-w", ",".join(map(str, w)),
           "--comm", str(comm), "--json"]
    if limit:
        cmd += ["--max-in-flight", str(limit)]
    if exact:
        cmd += ["--exact"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    exact_time = None
    for line in out.stderr.splitlines():
        if line.startswith("exact: step time "):
            exact_time = float(line.split()[3])
    return r, exact_time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pp-sched", default="build/bin/pp-sched")
    args = ap.parse_args()
    print("| stages | limit | " + " | ".join(KINDS) +
          " | busiest stage's work | exact optimum |")
    print("|---|---|" + "---:|" * (len(KINDS) + 2))
    start = time.time()
    for case in CASES:
        name, p, m, f, b, w, _ = case
        bound = m * max(fi + bi + wi for fi, bi, wi in zip(f, b, w))
        for limit in (p, 0):
            cells, exact = [], None
            for kind in KINDS:
                r, x = run(args.pp_sched, case, kind, limit,
                           exact=(kind == "search" and p * m <= 12))
                exact = x if x is not None else exact
                peak = max(s["peak_activations"] for s in r["stages"])
                fits = not limit or peak <= limit + 1e-9
                cell = "%.1f" % r["step_time"]
                cell += "" if fits else " (holds %g)" % peak
                cells.append(cell)
            print("| %s, p=%d m=%d | %s | %s | %g | %s |" % (
                name, p, m, limit or "none", " | ".join(cells), bound,
                "%.1f" % exact if exact is not None else "-"))
    print("\n%.1f s" % (time.time() - start))


if __name__ == "__main__":
    main()
