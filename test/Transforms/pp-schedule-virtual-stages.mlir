// RUN: pp-opt %s --pp-schedule="schedule=interleaved-1f1b microbatches=2" | FileCheck %s --check-prefix=INTER
// RUN: pp-opt %s --pp-schedule="schedule=zb-v microbatches=2" --pp-simulate="report=-" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZBV
// RUN: pp-opt %s --pp-schedule="schedule=auto microbatches=2" 2>&1 | FileCheck %s --check-prefix=AUTO

// A module cut into 2 stages of 2 chunks (pp-partition-stages
// virtual-stages=2): pp.stage holds the virtual stage. The costs stay per
// virtual stage (vf, vb, vw, vact, vout), and each schedule maps them to
// its stages by its placement: interleaved's loop puts virtual stage 2 (F
// = 4) on stage 0, zb-v's V on stage 1.

module attributes {pp.num_stages = 2 : i64, pp.virtual_stages = 2 : i64} {
  func.func @forward(%x: tensor<8x128xf32>) -> tensor<8x128xf32> {
    %0 = nn.relu %x {pp.stage = 0 : i64, pp.cost = {f = 1.0 : f64, b = 1.0 : f64, w = 1.0 : f64, act = 100 : i64}} : tensor<8x128xf32>
    %1 = nn.relu %0 {pp.stage = 1 : i64, pp.cost = {f = 2.0 : f64, b = 2.0 : f64, w = 2.0 : f64, act = 200 : i64}} : tensor<8x128xf32>
    %2 = nn.relu %1 {pp.stage = 2 : i64, pp.cost = {f = 4.0 : f64, b = 4.0 : f64, w = 4.0 : f64, act = 400 : i64}} : tensor<8x128xf32>
    %3 = nn.relu %2 {pp.stage = 3 : i64, pp.cost = {f = 8.0 : f64, b = 8.0 : f64, w = 8.0 : f64, act = 800 : i64}} : tensor<8x128xf32>
    return {pp.stage = 3 : i64} %3 : tensor<8x128xf32>
  }
}

// INTER: pp.schedule "interleaved-1f1b" stages 2 microbatches 2 virtual_stages 2 attributes {costs = {
// INTER-SAME: f = [5.000000e+00, 1.000000e+01]
// INTER-SAME: vact = [1.000000e+02, 2.000000e+02, 4.000000e+02, 8.000000e+02]
// INTER-SAME: vf = [1.000000e+00, 2.000000e+00, 4.000000e+00, 8.000000e+00]
// INTER-SAME: vout = [4.096000e+03, 4.096000e+03, 4.096000e+03, 0.000000e+00]

// Stage 0 holds virtual stages 0 and 3 (1 + 8 per F, B, W and
// microbatch), stage 1 holds 1 and 2 (2 + 4).
// ZBV: schedule zb-v: 2 stages, 2 microbatches, 2 chunks per stage
// ZBV: stage busy
// ZBV-NEXT: 0 {{.*}}54
// ZBV-NEXT: 1 {{.*}}36

// auto considers only the schedules with the cut's two chunks per stage.
// AUTO: remark: pp-schedule: auto chose {{interleaved-1f1b v=2|zb-v}}: the fastest of 2 candidates
// AUTO: rejected = "the stage cut has 2 chunks per stage, this schedule runs 1", schedule = "gpipe"
