// RUN: pp-opt %s -split-input-file -verify-diagnostics

pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{'pp.forward' op microbatch 2 out of range: the schedule has 2 microbatches}}
    pp.forward mb 2 chunk 0
  }
  pp.stage_actions 1 {
  }
}

// -----

pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{'pp.backward_weight' op chunk 1 out of range: the schedule has 1 chunks per stage}}
    pp.backward_weight mb 0 chunk 1
  }
  pp.stage_actions 1 {
  }
}

// -----

pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{'pp.send_activation' op peer 2 out of range: the schedule has 2 stages}}
    pp.send_activation mb 0 chunk 0 to 2
  }
  pp.stage_actions 1 {
  }
}

// -----

pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
  }
  pp.stage_actions 1 {
    // expected-error @below {{'pp.recv_grad' op peer 1 is the action's own stage}}
    pp.recv_grad mb 0 chunk 0 from 1
  }
}

// -----

pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{'pp.reduce_tied_grads' op peer 0 is the action's own stage}}
    pp.reduce_tied_grads with 0
  }
  pp.stage_actions 1 {
  }
}

// -----

// expected-error @below {{'pp.schedule' op has 1 stage action lists but 2 stages}}
pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
  pp.stage_actions 0 {
  }
}

// -----

pp.schedule "1f1b" stages 2 microbatches 2 virtual_stages 1 {
  // expected-error @below {{'pp.stage_actions' op of stage 1 is out of order: expected the list of stage 0}}
  pp.stage_actions 1 {
  }
  pp.stage_actions 0 {
  }
}

// -----

pp.schedule "1f1b" stages 1 microbatches 1 virtual_stages 1 {
  // expected-error @below {{'pp.forward' op expects parent op 'pp.stage_actions'}}
  pp.forward mb 0 chunk 0
}

// -----

// expected-error @below {{'pp.stage_actions' op expects parent op 'pp.schedule'}}
pp.stage_actions 0 {
}

// -----

pp.schedule "1f1b" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{'pp.recv' op is not a schedule action and cannot appear in 'pp.stage_actions'}}
    %0 = pp.recv from 1 channel 0 : tensor<f32>
  }
}

// -----

// expected-error @below {{'pp.schedule' op placement "v" needs virtual_stages 2, not 3}}
pp.schedule "zb-v" stages 1 microbatches 1 virtual_stages 3 placement "v" {
  pp.stage_actions 0 {
  }
}

// -----

// expected-error @below {{expected ::pp::pp::Placement to be one of: loop, v}}
// expected-error @below {{failed to parse PP_PlacementAttr parameter 'value'}}
pp.schedule "custom" stages 1 microbatches 1 virtual_stages 1 placement "zigzag" {
  pp.stage_actions 0 {
  }
}

// -----

// expected-error @below {{'pp.schedule' op attribute 'microbatches' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
pp.schedule "1f1b" stages 1 microbatches 0 virtual_stages 1 {
  pp.stage_actions 0 {
  }
}

// -----

// expected-error @below {{'pp.schedule' op costs 'b' must be an array of 2 numbers, one per stage}}
pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1
    attributes {costs = {f = [1.0, 1.0], b = [1.0], w = [1.0, 1.0]}} {
  pp.stage_actions 0 {
  }
  pp.stage_actions 1 {
  }
}

// -----

// expected-error @below {{'pp.schedule' op costs 'w' must hold non-negative numbers}}
pp.schedule "1f1b" stages 1 microbatches 1 virtual_stages 1
    attributes {costs = {f = [1.0], b = [1.0], w = [-1.0]}} {
  pp.stage_actions 0 {
  }
}

// -----

// expected-error @below {{'pp.schedule' op costs lack 'f'}}
pp.schedule "1f1b" stages 1 microbatches 1 virtual_stages 1
    attributes {costs = {b = [1.0], w = [1.0]}} {
  pp.stage_actions 0 {
  }
}

// -----

// expected-error @below {{'pp.schedule' op unknown costs entry 'flops'}}
pp.schedule "1f1b" stages 1 microbatches 1 virtual_stages 1
    attributes {costs = {f = [1.0], b = [1.0], w = [1.0], flops = 3}} {
  pp.stage_actions 0 {
  }
}

// -----

// expected-error @below {{'pp.schedule' op costs 'latency' must be a non-negative number}}
pp.schedule "1f1b" stages 1 microbatches 1 virtual_stages 1
    attributes {costs = {f = [1.0], b = [1.0], w = [1.0], latency = "fast"}} {
  pp.stage_actions 0 {
  }
}

// -----

// expected-error @below {{expected ::pp::pp::ScheduleKind to be one of: gpipe, 1f1b, interleaved-1f1b, zb-h1, zb-h2, zb-v, dualpipev, search, custom}}
// expected-error @below {{failed to parse PP_ScheduleKindAttr parameter 'value'}}
pp.schedule "" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
  }
}

// -----

pp.schedule "1f1b" stages 1 microbatches 1 virtual_stages 1 {
  pp.stage_actions 0 {
    // expected-error @below {{custom op 'pp.forward' expected 'mb'}}
    pp.forward 0 chunk 0
  }
}

// -----

// expected-error @below {{'pp.schedule' op costs 'tied' entries must be {stages = [virtual stages below 2], bytes = a non-negative number}}}
pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1
    attributes {costs = {f = [1.0, 1.0], b = [1.0, 1.0], w = [1.0, 1.0],
                         tied = [{stages = [0, 2], bytes = 8.0}]}} {
  pp.stage_actions 0 {
  }
  pp.stage_actions 1 {
  }
}
