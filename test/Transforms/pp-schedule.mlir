// RUN: pp-opt %s -split-input-file --pp-schedule 2>/dev/null | FileCheck %s
// RUN: pp-opt %s -split-input-file --pp-schedule -verify-diagnostics -o /dev/null
// RUN: pp-opt %s -split-input-file --pp-schedule="schedule=gpipe microbatches=3" 2>/dev/null | FileCheck %s --check-prefix=GPIPE
// RUN: pp-opt %s -split-input-file --pp-schedule="schedule=zb-h1 microbatches=3 bandwidth=4096 latency=0.5" 2>/dev/null | FileCheck %s --check-prefix=ZBH1
// The second module is cut into one chunk per stage, which refuses chunked
// schedules (pp-schedule-errors.mlir); pp-schedule-virtual-stages.mlir has
// modules cut for them.
// RUN: not pp-opt %s -split-input-file --pp-schedule="schedule=interleaved-1f1b num-stages=2 microbatches=2" 2>/dev/null | FileCheck %s --check-prefix=INTER
// RUN: not pp-opt %s -split-input-file --pp-schedule="schedule=zb-v microbatches=1 optimizer-step=false" 2>/dev/null | FileCheck %s --check-prefix=ZBV
// RUN: pp-opt %s -split-input-file --pp-schedule="schedule=1f1b microbatches=1 tied-embedding=true" 2>/dev/null | FileCheck %s --check-prefix=TIED
// RUN: pp-opt %s -split-input-file --pp-schedule="schedule=auto num-stages=2 microbatches=4 max-in-flight=2" 2>/dev/null | FileCheck %s --check-prefix=AUTO
// RUN: pp-opt %s -split-input-file --pp-schedule="schedule=auto num-stages=2 microbatches=4 max-in-flight=2" 2>&1 >/dev/null | FileCheck %s --check-prefix=AUTO-REMARK

// Without pp.cost: uniform costs, said in a remark, and no costs stored.
// 1F1B with as many microbatches as stages; stage 1 alternates.
// expected-remark @below {{pp-schedule: no op carries 'pp.cost'; scheduling with uniform costs F = B = W = 1 per stage}}
module attributes {pp.num_stages = 2 : i64} {
}
// CHECK-LABEL: module attributes {pp.num_stages = 2 : i64}
// CHECK:         pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
// CHECK-NEXT:      pp.stage_actions 0 {
// CHECK-NEXT:        pp.forward mb 0 chunk 0
// CHECK-NEXT:        pp.forward mb 1 chunk 0
// CHECK-NEXT:        pp.backward mb 0 chunk 0
// CHECK-NEXT:        pp.backward mb 1 chunk 0
// CHECK-NEXT:        pp.optimizer_step
// CHECK-NEXT:      }
// CHECK-NEXT:      pp.stage_actions 1 {
// CHECK-NEXT:        pp.forward mb 0 chunk 0
// CHECK-NEXT:        pp.backward mb 0 chunk 0
// CHECK-NEXT:        pp.forward mb 1 chunk 0
// CHECK-NEXT:        pp.backward mb 1 chunk 0
// CHECK-NEXT:        pp.optimizer_step
// CHECK-NEXT:      }
// CHECK-NEXT:    }

// GPIPE-LABEL: pp.schedule "gpipe" stages 2 microbatches 3 virtual_stages 1 {
// GPIPE-NEXT:    pp.stage_actions 0 {
// GPIPE-NEXT:      pp.forward mb 0 chunk 0
// GPIPE-NEXT:      pp.forward mb 1 chunk 0
// GPIPE-NEXT:      pp.forward mb 2 chunk 0
// GPIPE-NEXT:      pp.backward mb 0 chunk 0
// GPIPE-NEXT:      pp.backward mb 1 chunk 0
// GPIPE-NEXT:      pp.backward mb 2 chunk 0
// GPIPE-NEXT:      pp.optimizer_step

// INTER-LABEL: pp.schedule "interleaved-1f1b" stages 2 microbatches 2 virtual_stages 2 {
// INTER-NEXT:    pp.stage_actions 0 {
// INTER-NEXT:      pp.forward mb 0 chunk 0
// INTER-NEXT:      pp.forward mb 1 chunk 0
// INTER-NEXT:      pp.forward mb 0 chunk 1
// INTER:           pp.backward mb 0 chunk 1
// INTER:           pp.backward mb 1 chunk 0
// INTER-NEXT:      pp.optimizer_step
// INTER-NEXT:    }

// ZBV-LABEL: pp.schedule "zb-v" stages 2 microbatches 1 virtual_stages 2 placement "v" {
// ZBV-NEXT:    pp.stage_actions 0 {
// ZBV-NEXT:      pp.forward mb 0 chunk 0
// ZBV-NEXT:      pp.forward mb 0 chunk 1
// ZBV-NEXT:      pp.backward_input mb 0 chunk 1
// ZBV-NEXT:      pp.backward_weight mb 0 chunk 1
// ZBV-NEXT:      pp.backward_input mb 0 chunk 0
// ZBV-NEXT:      pp.backward_weight mb 0 chunk 0
// ZBV-NEXT:    }
// ZBV-NEXT:    pp.stage_actions 1 {
// ZBV-NEXT:      pp.forward mb 0 chunk 0
// ZBV-NEXT:      pp.forward mb 0 chunk 1
// ZBV-NOT:       pp.optimizer_step
// ZBV:         }

// TIED-LABEL: pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
// TIED:            pp.backward mb 0 chunk 0
// TIED-NEXT:       pp.reduce_tied_grads with 1
// TIED-NEXT:       pp.optimizer_step
// TIED:            pp.backward mb 0 chunk 0
// TIED-NEXT:       pp.reduce_tied_grads with 0
// TIED-NEXT:       pp.optimizer_step

// With uniform costs and at most 2 microbatches held, ZB-V wins; GPipe (4
// held) and ZB-H2 (3) are rejected, ZB-H1 (1F1B's memory) and 1F1B fit but
// are slower; search (one chunk) fits too.
// AUTO-REMARK: remark: pp-schedule: auto chose zb-v: the fastest of 4 candidates that fit max-in-flight 2 (step time 12.5, bubble 4.0%, peak activations 2); next best zb-h1 at step time 13
// AUTO-LABEL: module attributes {pp.num_stages = 2 : i64}
// AUTO:         pp.schedule "zb-v" stages 2 microbatches 4 virtual_stages 2 placement "v"
// AUTO-SAME:      selection = {candidates = [{rejected = "peak activations 4 exceed the limit 2", schedule = "gpipe"}, {bubble_fraction = 2.000000e-01 : f64, peak_activations = 2.000000e+00 : f64, schedule = "1f1b", step_time = 1.500000e+01 : f64},
// AUTO-SAME:      {bubble_fraction = {{[0-9.e+-]+}} : f64, peak_activations = 2.000000e+00 : f64, schedule = "zb-h1", step_time = 1.300000e+01 : f64}, {rejected = "peak activations 3 exceed the limit 2", schedule = "zb-h2"}
// AUTO-SAME:      reason = "auto chose zb-v

// -----

// Per-stage costs are the sums of the ops' pp.cost; the bytes of %1, made on
// stage 0 and used on stage 1, are stage 0's output.
module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<8x128xf32>) -> tensor<8x128xf32> {
    %0 = nn.relu %x {pp.stage = 0 : i64, pp.cost = {f = 2.0 : f64, b = 1.0 : f64, w = 1.0 : f64, act = 100 : i64}} : tensor<8x128xf32>
    %1 = nn.relu %0 {pp.stage = 0 : i64, pp.cost = {f = 1.0 : f64, b = 1.0 : f64, w = 0.0 : f64, act = 50 : i64}} : tensor<8x128xf32>
    %2 = nn.relu %1 {pp.stage = 1 : i64, pp.cost = {f = 1.0 : f64, b = 2.0 : f64, w = 2.0 : f64, act = 10 : i64}} : tensor<8x128xf32>
    return {pp.stage = 1 : i64} %2 : tensor<8x128xf32>
  }
}
// CHECK-LABEL: func.func @forward
// CHECK:         pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 attributes {costs = {act = [1.500000e+02, 1.000000e+01], b = [2.000000e+00, 2.000000e+00], f = [3.000000e+00, 1.000000e+00], out = [4.096000e+03, 0.000000e+00], w = [1.000000e+00, 2.000000e+00]}} {

// The zero-bubble scheduler uses these costs: stage 0's F takes 3, so stage
// 1 fills the wait with W.
// ZBH1-LABEL: func.func @forward
// ZBH1:         pp.schedule "zb-h1" stages 2 microbatches 3 virtual_stages 1 attributes {costs = {act = [1.500000e+02, 1.000000e+01], b = [2.000000e+00, 2.000000e+00], bandwidth = 4.096000e+03 : f64, f = [3.000000e+00, 1.000000e+00], latency = 5.000000e-01 : f64, out = [4.096000e+03, 0.000000e+00], w = [1.000000e+00, 2.000000e+00]}} {
// ZBH1:           pp.stage_actions 1 {
// ZBH1-NEXT:        pp.forward mb 0 chunk 0
// ZBH1-NEXT:        pp.backward_input mb 0 chunk 0
// ZBH1-NEXT:        pp.forward mb 1 chunk 0
// ZBH1-NEXT:        pp.backward_input mb 1 chunk 0
// ZBH1-NEXT:        pp.backward_weight mb 0 chunk 0

// -----

// A schedule already in the module is replaced; num-stages overrides the
// module's count.
// expected-remark @below {{uniform costs}}
module attributes {pp.num_stages = 3 : i64} {
  pp.schedule "custom" stages 1 microbatches 1 virtual_stages 1 {
    pp.stage_actions 0 {
    }
  }
}
// CHECK-LABEL: module attributes {pp.num_stages = 3 : i64}
// CHECK-NOT:     "custom"
// CHECK:         pp.schedule "1f1b" stages 3 microbatches 3 virtual_stages 1 {
// CHECK-NOT:     pp.schedule
// INTER-LABEL: module attributes {pp.num_stages = 3 : i64}
// INTER:         pp.schedule "interleaved-1f1b" stages 2 microbatches 2 virtual_stages 2 {

// -----

// A trainable global read on both stages (a tied embedding and head): the
// stages reduce its gradients before the optimizer step, without being
// told (tied-embedding=false). A constant global is not reduced.
// expected-remark @below {{uniform costs}}
module attributes {pp.num_stages = 2 : i64} {
  ml_program.global private mutable @emb(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  ml_program.global private @const(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @tied(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %e0 = ml_program.global_load @emb : tensor<4x4xf32> {pp.stage = 0 : i64}
    %c0 = ml_program.global_load_const @const : tensor<4x4xf32> {pp.stage = 0 : i64}
    %0 = nn.matmul %x, %e0 {pp.stage = 0 : i64} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
    %1 = nn.matmul %0, %c0 {pp.stage = 0 : i64} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
    %2 = nn.matmul %1, %e0 {pp.stage = 1 : i64} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
    %3 = nn.matmul %2, %c0 {pp.stage = 1 : i64} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
    return {pp.stage = 1 : i64} %3 : tensor<4x4xf32>
  }
}
// CHECK-LABEL: func.func @tied
// CHECK:         pp.schedule "1f1b" stages 2 microbatches 2
// CHECK:         pp.stage_actions 0 {
// CHECK:           pp.reduce_tied_grads with 1
// CHECK-NEXT:      pp.optimizer_step
// CHECK:         pp.stage_actions 1 {
// CHECK:           pp.reduce_tied_grads with 0
// CHECK-NEXT:      pp.optimizer_step
// CHECK-NOT:       pp.reduce_tied_grads
