// A new report file holds only the schedule object.
// RUN: rm -f %t.json
// RUN: pp-opt %s --pp-simulate="report=%t.json trace=%t.trace.json timeline=%t.svg" -o /dev/null
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT
// RUN: FileCheck %s --input-file=%t.trace.json --check-prefix=TRACE
// RUN: FileCheck %s --input-file=%t.svg --check-prefix=SVG
//
// An existing report (the partitioner's) keeps its keys, and the simulation's
// fields join its "schedule" object next to those already there (the
// partitioner's kind and in_flight).
// RUN: echo '{"stages": [{"stage": 0}], "bottleneck_time": 3, "schedule": {"old": 1}}' > %t.plan.json
// RUN: pp-opt %s --pp-simulate="report=%t.plan.json" -o /dev/null
// RUN: FileCheck %s --input-file=%t.plan.json --check-prefix=MERGE
//
// A file that holds no JSON object is replaced.
// RUN: echo 'not json' > %t.bad.json
// RUN: pp-opt %s --pp-simulate="report=%t.bad.json" -o /dev/null
// RUN: FileCheck %s --input-file=%t.bad.json --check-prefix=REPORT
//
// report=- prints a table; the IR is unchanged.
// RUN: pp-opt %s --pp-simulate="report=-" 2>&1 >/dev/null | FileCheck %s --check-prefix=TABLE
// RUN: pp-opt %s --pp-simulate | FileCheck %s --check-prefix=IR

// 1F1B, p = 2, m = 2, stage 0 twice as slow: F = 2, B = W = 2 there. Step:
// F0 F1 on stage 0 (0-4), stage 1 F0 2-3 BW0 3-5, F1 5-6 (after RF1 at 4),
// BW1 6-8; stage 0 BW0 5-9, BW1 9-13. Bubble (1 + 7) / (2 * 13).
// The keys are printed in sorted order.
// REPORT:      "schedule": {
// REPORT-NEXT:   "bubble_fraction": 0.3076923
// REPORT-NEXT:   "comm_time": 0,
// REPORT-NEXT:   "communication": "inserted for the simulation",
// REPORT-NEXT:   "costs": "pp.schedule",
// REPORT-NEXT:   "kind": "1f1b",
// REPORT-NEXT:   "num_actions": 18,
// REPORT-NEXT:   "num_microbatches": 2,
// REPORT-NEXT:   "num_stages": 2,
// REPORT-NEXT:   "placement": "loop",
// REPORT-NEXT:   "schedule": "1f1b",
// REPORT-NEXT:   "stages": [
// REPORT:            "busy_time": 12,
// REPORT:            "idle_time": 1,
// REPORT-NEXT:       "peak_activations": 2,
// REPORT:            "stage": 0,
// REPORT:            "busy_time": 6,
// REPORT:            "end_time": 8,
// REPORT-NEXT:       "idle_time": 7,
// REPORT-NEXT:       "peak_activations": 1,
// REPORT:            "stage": 1,
// REPORT-NEXT:       "start_time": 2,
// REPORT-NEXT:       "transfers_sent": 2
// REPORT:        "step_time": 13,
// REPORT-NEXT:   "verified": true,
// REPORT-NEXT:   "virtual_stages": 1,
// REPORT-NEXT:   "window_bubble_fraction": 0.05263

// MERGE-DAG:  "bottleneck_time": 3
// MERGE-DAG:  "schedule": {
// MERGE-DAG:  "old": 1
// MERGE-DAG:  "step_time": 13

// TRACE:      "displayTimeUnit":"ms","traceEvents"
// TRACE-SAME: "name":"stage 0"
// TRACE-SAME: "name":"F0"
// TRACE-SAME: "name":"BW1"

// SVG:        <svg
// SVG:        stage 0: F0 [0, 2)
// SVG:        </svg>

// TABLE:      schedule 1f1b: 2 stages, 2 microbatches, 1 chunk per stage, 18 actions (pp.schedule costs)
// TABLE-NEXT: step time: 13  bubble: 30.77%  (window bubble 5.26%)  comm time: 0
// TABLE-NEXT: stage   busy   idle  bubble  peak-act  peak-until-B
// TABLE-NEXT:     0     12      1   7.69%         2             2
// TABLE-NEXT:     1      6      7  53.85%         1             1

// IR: pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 attributes {costs =
// IR-NOT: pp.send_activation
pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1
    attributes {costs = {f = [2, 1], b = [2, 1], w = [2, 1]}} {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    pp.backward mb 0 chunk 0
    pp.backward mb 1 chunk 0
    pp.optimizer_step
  }
  pp.stage_actions 1 {
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    pp.backward mb 1 chunk 0
    pp.optimizer_step
  }
}
