"""Checks a pp-run --trace file of a pipeline and prints its actions.

    check-pipeline-trace.py TRACE.json [--slack US]

Parses the file with Python's json module and checks the layout pp-run
writes for several stages: one track per stage (`stage 0`, `stage 1`, ...),
every action inside its stage's `step N` event, the function runs of a
fused backward (BW) inside it, every kernel inside a function run of its
stage, step and microbatch; and that the stages share one clock: every
receive (RF, RB) ends after the matching send (SF, SB) of its peer began
(within --slack microseconds: MPI ranks align their clocks to within half
a round trip).
Prints, per step and stage, the actions in time order (a fused backward as
BW0[B0 W0]); exits 1 with a message on the first violation.
"""
import json
import re
import sys


def fail(message):
    print("check-pipeline-trace: " + message)
    sys.exit(1)


def inside(inner, outer):
    return (outer["ts"] <= inner["ts"] + 1e-3 and
            inner["ts"] + inner["dur"] <= outer["ts"] + outer["dur"] + 1e-3)


def main():
    slack = float(sys.argv[3]) if len(sys.argv) > 3 and \
        sys.argv[2] == "--slack" else 0.0
    with open(sys.argv[1]) as f:
        trace = json.load(f)
    events = trace["traceEvents"]
    tracks = {e["tid"]: e["args"]["name"] for e in events
              if e["ph"] == "M" and e["name"] == "thread_name"}
    if sorted(tracks) != list(range(len(tracks))) or any(
            tracks[t] != "stage %d" % t for t in tracks):
        fail("tracks are not stage 0, stage 1, ...: %s" % tracks)
    complete = [e for e in events if e["ph"] == "X"]
    steps = [e for e in complete if e["cat"] == "step"]
    kernels = [e for e in complete if e["cat"] == "kernel"]
    runs = [e for e in complete if e["cat"] in
            ("forward", "backward-input", "backward-weight")]
    actions = [e for e in complete if e["cat"] not in ("step", "kernel")]
    for k in kernels:
        if not any(r["tid"] == k["tid"] and inside(k, r) and
                   r["args"]["step"] == k["args"]["step"] and
                   r["args"]["microbatch"] == k["args"]["microbatch"]
                   for r in runs):
            fail("kernel %s at %s on stage %d is in no function run" %
                 (k["name"], k["ts"], k["tid"]))
    # One clock: a receive ends after its send began.
    comm = re.compile(r"^(SF|RF|SB|RB)(\d+)(?:\.(\d+))?([<>])(\d+)$")
    sends = {}
    for e in actions:
        m = comm.match(e["name"])
        if m and m.group(1)[0] == "S":
            key = (e["args"]["step"], m.group(1)[1], e["tid"],
                   int(m.group(5)), int(m.group(2)))
            sends.setdefault(key, []).append(e)
    for e in actions:
        m = comm.match(e["name"])
        if not m or m.group(1)[0] != "R":
            continue
        key = (e["args"]["step"], m.group(1)[1], int(m.group(5)), e["tid"],
               int(m.group(2)))
        if not any(e["ts"] + e["dur"] >= s["ts"] - 1e-3 - slack
                   for s in sends.get(key, [])):
            fail("%s on stage %d ends before its send began" %
                 (e["name"], e["tid"]))
    for step in sorted(steps, key=lambda e: (e["args"]["step"], e["tid"])):
        number, stage = step["args"]["step"], step["tid"]
        mine = sorted((e for e in actions if e["tid"] == stage and
                       e["args"]["step"] == number),
                      key=lambda e: (e["ts"], -e["dur"]))
        line = []
        for e in mine:
            if not inside(e, step):
                fail("%s on stage %d is outside step %d" %
                     (e["name"], stage, number))
            if e["cat"] in ("backward-input", "backward-weight") and any(
                    b["cat"] == "full-backward" and inside(e, b)
                    for b in mine):
                continue  # printed inside its BW
            if e["cat"] == "full-backward":
                inner = [r["name"] for r in mine
                         if r["cat"] in ("backward-input", "backward-weight")
                         and inside(r, e)]
                line.append("%s[%s]" % (e["name"], " ".join(inner)))
            else:
                line.append(e["name"])
        print("step %d stage %d: %s" % (number, stage, " ".join(line)))


main()
