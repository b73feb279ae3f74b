// RUN: pp-opt %s -split-input-file --pp-verify-schedule -verify-diagnostics | FileCheck %s

// A valid 1F1B schedule with communication passes unchanged.
// CHECK-LABEL: pp.schedule "1f1b" stages 2 microbatches 1
// CHECK:         pp.send_activation mb 0 chunk 0 to 1
pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.send_activation mb 0 chunk 0 to 1
    pp.recv_grad mb 0 chunk 0 from 1
    pp.backward mb 0 chunk 0
    pp.optimizer_step
  }
  pp.stage_actions 1 {
    pp.recv_activation mb 0 chunk 0 from 0
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
    pp.send_grad mb 0 chunk 0 to 0
    pp.optimizer_step
  }
}

// -----

// A RECV that no SEND matches.
pp.schedule "custom" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.send_activation mb 0 chunk 0 to 1
    pp.forward mb 1 chunk 0
    pp.recv_grad mb 0 chunk 0 from 1
    pp.backward mb 0 chunk 0
    pp.recv_grad mb 1 chunk 0 from 1
    pp.backward mb 1 chunk 0
  }
  pp.stage_actions 1 {
    pp.recv_activation mb 0 chunk 0 from 0
    pp.forward mb 0 chunk 0
    // expected-error @below {{stage 1, action 2 'RF1<0': no matching SF1>1 on stage 0}}
    pp.recv_activation mb 1 chunk 0 from 0
    pp.forward mb 1 chunk 0
    pp.backward mb 0 chunk 0
    pp.send_grad mb 0 chunk 0 to 0
    pp.backward mb 1 chunk 0
    pp.send_grad mb 1 chunk 0 to 0
  }
}

// -----

// Both stages send before they receive: with blocking sends, each waits for
// the other's receive.
pp.schedule "custom" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    // expected-error @below {{stage 0, action 2 'SF1>1': deadlock: blocks until stage 1 reaches action 1 'RF1<0', but stage 1 is blocked at action 0 'RF0<0'}}
    pp.send_activation mb 1 chunk 0 to 1
    pp.send_activation mb 0 chunk 0 to 1
    pp.recv_grad mb 0 chunk 0 from 1
    pp.backward mb 0 chunk 0
    pp.recv_grad mb 1 chunk 0 from 1
    pp.backward mb 1 chunk 0
  }
  pp.stage_actions 1 {
    pp.recv_activation mb 0 chunk 0 from 0
    pp.recv_activation mb 1 chunk 0 from 0
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
    pp.send_grad mb 0 chunk 0 to 0
    pp.forward mb 1 chunk 0
    pp.backward mb 1 chunk 0
    pp.send_grad mb 1 chunk 0 to 0
  }
}

// -----

// W before its B.
pp.schedule "custom" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    // expected-error @below {{stage 0, action 1 'W0': W before its B: B0 has not run on this stage}}
    pp.backward_weight mb 0 chunk 0
    pp.backward_input mb 0 chunk 0
  }
}

// -----

// B before F.
pp.schedule "custom" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{stage 0, action 0 'BW0': backward before its forward F0 on this stage}}
    pp.backward mb 0 chunk 0
    pp.forward mb 0 chunk 0
  }
}

// -----

// A microbatch never run backward on a stage: reported at the stage's list.
pp.schedule "custom" stages 1 microbatches 2 virtual_stages 1 {
  // expected-error @below {{stage 0: missing B1 (every microbatch needs F then B then W, or F then BW, on every chunk)}}
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
    pp.forward mb 1 chunk 0
  }
}

// -----

// Compute-only lists whose order deadlocks: stage 0 waits for a gradient
// that stage 1 can only make after a forward stage 0 has not run.
pp.schedule "custom" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    // expected-error @below {{stage 0, action 1 'BW0': deadlock: its input is never produced (the stage that produces it is blocked behind this one)}}
    pp.backward mb 0 chunk 0
    pp.forward mb 1 chunk 0
    pp.backward mb 1 chunk 0
  }
  pp.stage_actions 1 {
    pp.forward mb 1 chunk 0
    pp.backward mb 1 chunk 0
    pp.forward mb 0 chunk 0
    pp.backward mb 0 chunk 0
  }
}

// -----

// A SEND to the wrong stage: stage 2 does not hold the next virtual stage.
pp.schedule "custom" stages 3 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    // expected-error @below {{stage 0, action 1 'SF0>2': sends to stage 2, but virtual stage 1 that consumes it is on stage 1}}
    pp.send_activation mb 0 chunk 0 to 2
  }
  pp.stage_actions 1 {
  }
  pp.stage_actions 2 {
  }
}

// -----

// Compute after the optimizer step.
pp.schedule "custom" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    pp.forward mb 0 chunk 0
    pp.optimizer_step
    // expected-error @below {{stage 0, action 2 'BW0': comes after the optimizer step (action 1); OPT must be last}}
    pp.backward mb 0 chunk 0
  }
}
