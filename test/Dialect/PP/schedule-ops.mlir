// RUN: pp-opt %s -split-input-file | pp-opt -split-input-file | FileCheck %s
// RUN: pp-opt %s -split-input-file --mlir-print-op-generic | pp-opt -split-input-file | FileCheck %s

// Every action op, with communication and a tied reduction.
// CHECK-LABEL: pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
// CHECK-NEXT:    pp.stage_actions 0 {
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.send_activation mb 0 chunk 0 to 1
// CHECK-NEXT:      pp.recv_grad mb 0 chunk 0 from 1
// CHECK-NEXT:      pp.backward mb 0 chunk 0
// CHECK-NEXT:      pp.reduce_tied_grads with 1
// CHECK-NEXT:      pp.optimizer_step
// CHECK-NEXT:    }
// CHECK-NEXT:    pp.stage_actions 1 {
// CHECK-NEXT:      pp.recv_activation mb 0 chunk 0 from 0
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.backward_input mb 0 chunk 0
// CHECK-NEXT:      pp.send_grad mb 0 chunk 0 to 0
// CHECK-NEXT:      pp.backward_weight mb 0 chunk 0
// CHECK-NEXT:      pp.reduce_tied_grads with 0
// CHECK-NEXT:      pp.optimizer_step
// CHECK-NEXT:    }
// CHECK-NEXT:  }
pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.send_activation mb 0 chunk 0 to 1
    pp.recv_grad mb 0 chunk 0 from 1
    pp.backward mb 0 chunk 0
    pp.reduce_tied_grads with 1
    pp.optimizer_step
  }
  pp.stage_actions 1 {
    pp.recv_activation mb 0 chunk 0 from 0
    pp.forward mb 0 chunk 0
    pp.backward_input mb 0 chunk 0
    pp.send_grad mb 0 chunk 0 to 0
    pp.backward_weight mb 0 chunk 0
    pp.reduce_tied_grads with 0
    pp.optimizer_step
  }
}

// -----

// The V placement is printed; the default loop placement is not. Costs and
// the auto selection are kept.
// CHECK-LABEL: pp.schedule "zb-v" stages 1 microbatches 2 virtual_stages 2 placement "v"
// CHECK-SAME:    attributes {costs = {b = [2.000000e+00], bandwidth = 1.000000e+09 : f64, f = [1.000000e+00], latency = 1.000000e-03 : f64, w = [1]}
// CHECK-SAME:    selection = {reason = "hand-made"}}
// CHECK:         pp.forward mb 1 chunk 1
// CHECK-NEXT:    pp.backward_input mb 1 chunk 1
pp.schedule "zb-v" stages 1 microbatches 2 virtual_stages 2 placement "v"
    attributes {costs = {f = [1.0], b = [2.0], w = [1], latency = 1.0e-3 : f64,
                         bandwidth = 1.0e9 : f64},
                selection = {reason = "hand-made"}} {
  pp.stage_actions 0 {
    pp.forward mb 1 chunk 1
    pp.backward_input mb 1 chunk 1
  }
}

// -----

// Empty action lists and an explicit default placement.
// CHECK-LABEL: pp.schedule "custom" stages 2 microbatches 4 virtual_stages 3 {
// CHECK-NEXT:    pp.stage_actions 0 {
// CHECK-NEXT:    }
// CHECK-NEXT:    pp.stage_actions 1 {
// CHECK-NEXT:    }
// CHECK-NEXT:  }
pp.schedule "custom" stages 2 microbatches 4 virtual_stages 3 placement "loop" {
  pp.stage_actions 0 {
  }
  pp.stage_actions 1 {
  }
}
