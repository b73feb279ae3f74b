// RUN: pp-opt %s -split-input-file -verify-diagnostics --pp-outline-stages

// expected-error @+1 {{pp-outline-stages: no func.func @forward with a body to outline}}
module {
  func.func private @forward(tensor<2xf32>) -> tensor<2xf32>
}

// -----

// expected-error @+1 {{pp-outline-stages: the module is cut into 2 chunks per stage, and which stage holds which chunk is the schedule's placement: run pp-schedule first}}
module attributes {pp.num_stages = 2 : i64, pp.virtual_stages = 2 : i64} {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    %0 = nn.relu %x {pp.stage = 0 : i64} : tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}

// -----

module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    // expected-error @+1 {{pp-outline-stages: op has no 'pp.stage' (run pp-partition-stages first)}}
    %0 = nn.relu %x : tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}

// -----

module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    // expected-error @+1 {{pp-outline-stages: 'pp.stage' is 2 but the module has 2 virtual stages}}
    %0 = nn.relu %x {pp.stage = 2 : i64} : tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}

// -----

module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    %0 = nn.relu %x {pp.stage = 1 : i64} : tensor<2xf32>
    // expected-error @+1 {{pp-outline-stages: op on virtual stage 0 reads a value made on virtual stage 1; stages must follow the order of the ops}}
    %1 = nn.tanh %0 {pp.stage = 0 : i64} : tensor<2xf32>
    return %1 : tensor<2xf32>
  }
}

// -----

module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    %0 = nn.relu %x {pp.stage = 0 : i64} : tensor<2xf32>
    %1 = nn.tanh %0 {pp.stage = 1 : i64} : tensor<2xf32>
    return %1 : tensor<2xf32>
  }
  // expected-error @+1 {{pp-outline-stages: the schedule has 3 stages of 1 chunks, but the module is cut into 2 stages of 1 chunks ('pp.num_stages', 'pp.virtual_stages')}}
  pp.schedule "custom" stages 3 microbatches 1 virtual_stages 1 {
    pp.stage_actions 0 {
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
    }
    pp.stage_actions 1 {
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
    }
    pp.stage_actions 2 {
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
    }
  }
}

// -----

// An existing symbol of a stage function's name.
module attributes {pp.num_stages = 2 : i64} {
  // expected-error @+1 {{pp-outline-stages: cannot add @stage1: the module already has a symbol of that name}}
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    %0 = nn.relu %x {pp.stage = 0 : i64} : tensor<2xf32>
    %1 = nn.tanh %0 {pp.stage = 1 : i64} : tensor<2xf32>
    return %1 : tensor<2xf32>
  }
  func.func @stage1() {
    return
  }
}
