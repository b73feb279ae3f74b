"""Checks the structure of a pp-run --trace file.

    check-trace.py TRACE.json

Parses the file with Python's json module and checks the layout that
pp-simulate's traces share: metadata naming the process and the track
`stage 0`; complete events on process 0, track 0; every function event (F,
B, W of a microbatch) inside a `step N` event and holding the kernels of
its run, every kernel inside a function event of its step and microbatch.
Prints one summary line per step: its functions in time order and how many
kernels each holds, then the optimizer; exits 1 with a message on the
first violation.
"""
import json
import sys


def fail(message):
    print("check-trace: " + message)
    sys.exit(1)


def inside(inner, outer):
    return (outer["ts"] <= inner["ts"] and
            inner["ts"] + inner["dur"] <= outer["ts"] + outer["dur"] + 1e-3)


def main():
    with open(sys.argv[1]) as f:
        trace = json.load(f)
    events = trace["traceEvents"]
    meta = {e["name"]: e["args"] for e in events if e["ph"] == "M"}
    if not meta.get("process_name", {}).get("name", "").startswith("pp-run "):
        fail("no process_name 'pp-run DIR'")
    if meta.get("thread_name") != {"name": "stage 0"}:
        fail("no thread_name 'stage 0'")
    complete = [e for e in events if e["ph"] == "X"]
    for e in complete:
        if e["pid"] != 0 or e["tid"] != 0 or e["dur"] < 0:
            fail("event %s is not on stage 0 or has a negative duration" %
                 e["name"])
    steps = [e for e in complete if e["cat"] == "step"]
    functions = [e for e in complete
                 if e["cat"] in ("forward", "backward-input",
                                 "backward-weight")]
    kernels = [e for e in complete if e["cat"] == "kernel"]
    for k in kernels:
        if not any(inside(k, f) and f["args"]["step"] == k["args"]["step"] and
                   f["args"]["microbatch"] == k["args"]["microbatch"] and
                   f["name"][0] == k["args"]["function"] for f in functions):
            fail("kernel %s at %s is in no function event" %
                 (k["name"], k["ts"]))
    for step in steps:
        number = step["args"]["step"]
        line = []
        for f in sorted(functions, key=lambda e: e["ts"]):
            if f["args"]["step"] != number:
                continue
            if not inside(f, step):
                fail("%s is outside step %d" % (f["name"], number))
            if f["name"] != "FBW"[["forward", "backward-input",
                                    "backward-weight"].index(f["cat"])] + \
                    str(f["args"]["microbatch"]):
                fail("function event %s of category %s" %
                     (f["name"], f["cat"]))
            held = [k for k in kernels if inside(k, f) and
                    k["args"]["step"] == number]
            line.append("%s(%d)" % (f["name"], len(held)))
        for o in complete:
            if o["cat"] == "optimizer-step" and o["args"]["step"] == number:
                if o["name"] != "OPT" or not inside(o, step):
                    fail("optimizer event %s outside step %d" %
                         (o["name"], number))
                line.append("OPT")
        print("%s: %s" % (step["name"], " ".join(line)))


main()
