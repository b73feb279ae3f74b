// RUN: pp-opt %s -split-input-file --pp-simulate -verify-diagnostics -o /dev/null
// RUN: not pp-opt %s -split-input-file --pp-simulate="report=%t.nodir/x.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NODIR
// RUN: not pp-opt %s -split-input-file --pp-simulate="report=-" -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNIFORM

// expected-error @below {{pp-simulate: the module holds no 'pp.schedule' (run pp-schedule first)}}
module {
}

// -----

// Without costs: uniform F = B = W = 1, said in a remark. GPipe, p = 2,
// m = 2: m F + m BW + (p-1)(F + BW) = 2 + 4 + 3 = 9.
// expected-remark @below {{pp-simulate: the schedule has no costs; simulating with uniform F = B = W = 1 per stage}}
pp.schedule "gpipe" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    pp.backward mb 0 chunk 0
    pp.backward mb 1 chunk 0
  }
  pp.stage_actions 1 {
    pp.forward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    pp.backward mb 0 chunk 0
    pp.backward mb 1 chunk 0
  }
}
// UNIFORM: schedule gpipe: 2 stages, 2 microbatches, 1 chunk per stage, {{[0-9]+}} actions (uniform costs)
// UNIFORM-NEXT: step time: 9

// -----

// A schedule that fails verification is not simulated.
pp.schedule "custom" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{stage 0, action 0 'W0': W before its B: B0 has not run on this stage}}
    pp.backward_weight mb 0 chunk 0
  }
}

// NODIR: error: pp-simulate: option 'report': cannot write '{{.*}}nodir/x.json': No such file or directory
