// RUN: pp-opt %s -split-input-file --pp-insert-send-recv -verify-diagnostics | FileCheck %s
// RUN: pp-opt %s -split-input-file --pp-insert-send-recv --pp-insert-send-recv --pp-verify-schedule -verify-diagnostics | FileCheck %s

// 1F1B: every SEND right after its producer, the RECV at the same point of
// the global order on the peer (stage 1 posts RF1 before BW0, since F1 on
// stage 0 ends before BW0 starts on stage 1). Running the pass twice changes
// nothing.
// CHECK-LABEL: pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
// CHECK-NEXT:    pp.stage_actions 0 {
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.send_activation mb 0 chunk 0 to 1
// CHECK-NEXT:      pp.forward mb 1 chunk 0
// CHECK-NEXT:      pp.send_activation mb 1 chunk 0 to 1
// CHECK-NEXT:      pp.recv_grad mb 0 chunk 0 from 1
// CHECK-NEXT:      pp.backward mb 0 chunk 0
// CHECK-NEXT:      pp.recv_grad mb 1 chunk 0 from 1
// CHECK-NEXT:      pp.backward mb 1 chunk 0
// CHECK-NEXT:      pp.optimizer_step
// CHECK-NEXT:    }
// CHECK-NEXT:    pp.stage_actions 1 {
// CHECK-NEXT:      pp.recv_activation mb 0 chunk 0 from 0
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.recv_activation mb 1 chunk 0 from 0
// CHECK-NEXT:      pp.backward mb 0 chunk 0
// CHECK-NEXT:      pp.send_grad mb 0 chunk 0 to 0
// CHECK-NEXT:      pp.forward mb 1 chunk 0
// CHECK-NEXT:      pp.backward mb 1 chunk 0
// CHECK-NEXT:      pp.send_grad mb 1 chunk 0 to 0
// CHECK-NEXT:      pp.optimizer_step
// CHECK-NEXT:    }
// CHECK-NEXT:  }
pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
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

// -----

// ZB-V: the turn of the V on stage 1 (chunk 0 to chunk 1) stays local; the
// last virtual stage's output goes back from stage 1 to stage 0's chunk 1.
// The costs are kept.
// CHECK-LABEL: pp.schedule "zb-v" stages 2 microbatches 1 virtual_stages 2 placement "v" attributes {costs = {b = [1, 1], f = [1, 1], w = [1, 1]}} {
// CHECK-NEXT:    pp.stage_actions 0 {
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.send_activation mb 0 chunk 0 to 1
// CHECK-NEXT:      pp.recv_activation mb 0 chunk 1 from 1
// CHECK-NEXT:      pp.forward mb 0 chunk 1
// CHECK-NEXT:      pp.backward_input mb 0 chunk 1
// CHECK-NEXT:      pp.send_grad mb 0 chunk 1 to 1
// CHECK-NEXT:      pp.backward_weight mb 0 chunk 1
// CHECK-NEXT:      pp.recv_grad mb 0 chunk 0 from 1
// CHECK-NEXT:      pp.backward_input mb 0 chunk 0
// CHECK-NEXT:      pp.backward_weight mb 0 chunk 0
// CHECK-NEXT:    }
// CHECK-NEXT:    pp.stage_actions 1 {
// CHECK-NEXT:      pp.recv_activation mb 0 chunk 0 from 0
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.forward mb 0 chunk 1
// CHECK-NEXT:      pp.send_activation mb 0 chunk 1 to 0
// CHECK-NEXT:      pp.recv_grad mb 0 chunk 1 from 0
// CHECK-NEXT:      pp.backward_input mb 0 chunk 1
// CHECK-NEXT:      pp.backward_input mb 0 chunk 0
// CHECK-NEXT:      pp.send_grad mb 0 chunk 0 to 0
// CHECK-NEXT:      pp.backward_weight mb 0 chunk 1
// CHECK-NEXT:      pp.backward_weight mb 0 chunk 0
// CHECK-NEXT:    }
pp.schedule "zb-v" stages 2 microbatches 1 virtual_stages 2 placement "v"
    attributes {costs = {f = [1, 1], b = [1, 1], w = [1, 1]}} {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.forward mb 0 chunk 1
    pp.backward_input mb 0 chunk 1
    pp.backward_weight mb 0 chunk 1
    pp.backward_input mb 0 chunk 0
    pp.backward_weight mb 0 chunk 0
  }
  pp.stage_actions 1 {
    pp.forward mb 0 chunk 0
    pp.forward mb 0 chunk 1
    pp.backward_input mb 0 chunk 1
    pp.backward_input mb 0 chunk 0
    pp.backward_weight mb 0 chunk 1
    pp.backward_weight mb 0 chunk 0
  }
}

// -----

// One stage: nothing to send.
// CHECK-LABEL: pp.schedule "gpipe" stages 1 microbatches 1 virtual_stages 1 {
// CHECK-NEXT:    pp.stage_actions 0 {
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.backward mb 0 chunk 0
// CHECK-NEXT:    }
pp.schedule "gpipe" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
  }
}

// -----

// Costs decide the global order: with stage 0's forward slow (10), stage 1
// finishes microbatch 0's backward before microbatch 1 arrives, so its
// RECV of microbatch 1 comes after the SEND of microbatch 0's gradient
// (with uniform costs, above, it comes before the backward).
// CHECK-LABEL: pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 attributes {costs = {b = [1, 1], f = [10, 1], w = [0, 0]}} {
// CHECK:         pp.stage_actions 1 {
// CHECK-NEXT:      pp.recv_activation mb 0 chunk 0 from 0
// CHECK-NEXT:      pp.forward mb 0 chunk 0
// CHECK-NEXT:      pp.backward mb 0 chunk 0
// CHECK-NEXT:      pp.send_grad mb 0 chunk 0 to 0
// CHECK-NEXT:      pp.recv_activation mb 1 chunk 0 from 0
// CHECK-NEXT:      pp.forward mb 1 chunk 0
pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1
    attributes {costs = {f = [10, 1], b = [1, 1], w = [0, 0]}} {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    pp.backward mb 0 chunk 0
    pp.backward mb 1 chunk 0
  }
  pp.stage_actions 1 {
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    pp.backward mb 1 chunk 0
  }
}

// -----

// A compute-only schedule that is wrong is rejected before lowering, at the
// offending action.
pp.schedule "custom" stages 2 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
  }
  pp.stage_actions 1 {
    // expected-error @below {{stage 1, action 0 'BW0': backward before its forward F0 on this stage}}
    pp.backward mb 0 chunk 0
    pp.forward mb 0 chunk 0
  }
}
