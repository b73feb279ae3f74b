// RUN: pp-opt %s -split-input-file -verify-diagnostics

func.func @negative_stage(%x: tensor<2xf32>) {
  // expected-error @below {{'pp.stage' must be a non-negative i64 stage index}}
  %0 = nn.relu %x {pp.stage = -1 : i64} : tensor<2xf32>
  return
}

// -----

func.func @i32_stage(%x: tensor<2xf32>) {
  // expected-error @below {{'pp.stage' must be a non-negative i64 stage index}}
  %0 = nn.relu %x {pp.stage = 1 : i32} : tensor<2xf32>
  return
}

// -----

func.func @string_stage(%x: tensor<2xf32>) {
  // expected-error @below {{'pp.stage' must be a non-negative i64 stage index}}
  %0 = nn.relu %x {pp.stage = "one"} : tensor<2xf32>
  return
}

// -----

func.func @unknown_attribute(%x: tensor<2xf32>) {
  // expected-error @below {{unknown pp attribute 'pp.stages'}}
  %0 = nn.relu %x {pp.stages = 1 : i64} : tensor<2xf32>
  return
}

// -----

func.func @send_to_self(%x: tensor<2xf32>) {
  // expected-error @below {{'pp.send' op peer 1 is the op's own stage}}
  pp.send %x to 1 channel 0 {pp.stage = 1 : i64} : tensor<2xf32>
  return
}

// -----

func.func @recv_from_self() {
  // expected-error @below {{'pp.recv' op peer 0 is the op's own stage}}
  %0 = pp.recv from 0 channel 0 {pp.stage = 0 : i64} : tensor<2xf32>
  return
}

// -----

func.func @negative_peer(%x: tensor<2xf32>) {
  // expected-error @below {{'pp.send' op attribute 'peer' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  pp.send %x to -1 channel 0 : tensor<2xf32>
  return
}

// -----

func.func @negative_channel() {
  // expected-error @below {{'pp.recv' op attribute 'channel' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %0 = pp.recv from 1 channel -3 : tensor<2xf32>
  return
}

// -----

func.func @unranked_send(%x: tensor<*xf32>) {
  // expected-error @below {{'pp.send' op operand #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  "pp.send"(%x) <{peer = 1 : i64, channel = 0 : i64}> : (tensor<*xf32>) -> ()
  return
}

// -----

func.func @unranked_recv() {
  // expected-error @below {{'pp.recv' op result #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %0 = "pp.recv"() <{peer = 1 : i64, channel = 0 : i64}> : () -> tensor<*xf32>
  return
}

// -----

// expected-error @below {{'pp.role' must be forward, backward_input or backward_weight on a function}}
func.func @unknown_role(%x: tensor<2xf32>) -> tensor<2xf32> attributes {pp.role = "backward"} {
  return %x : tensor<2xf32>
}

// -----

func.func @role_on_op(%x: tensor<2xf32>) {
  // expected-error @below {{'pp.role' must be forward, backward_input or backward_weight on a function}}
  %0 = nn.relu %x {pp.role = "forward"} : tensor<2xf32>
  return
}

// -----

// expected-error @below {{'pp.loss' must be cross-entropy, mse or output on a module}}
module attributes {pp.loss = "hinge"} {
}

// -----

func.func @loss_on_function() attributes {pp.loss = "mse"} {
  // expected-error @above {{'pp.loss' must be cross-entropy, mse or output on a module}}
  return
}

// -----

// Ports of training functions: pp.role, pp.key and pp.no_grad are checked
// on arguments and results too.
// expected-error @below {{'pp.role' of argument 0 must be one of input, output, saved, output_grad, input_grad, cotangent, param_grad, boundary_in, boundary_out, boundary_out_grad, boundary_in_grad}}
func.func @bad_port_role(%x: tensor<2xf32> {pp.role = "bogus"}) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// -----

// expected-error @below {{'pp.key' of result 0 must be a non-empty string}}
func.func @bad_port_key(%x: tensor<2xf32>) -> (tensor<2xf32> {pp.role = "output", pp.key = ""}) {
  return %x : tensor<2xf32>
}

// -----

// expected-error @below {{'pp.no_grad' of argument 0 must be a unit attribute}}
func.func @bad_no_grad(%x: tensor<2xf32> {pp.role = "boundary_in", pp.no_grad = 1}) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// -----

// expected-error @below {{unknown pp attribute 'pp.stage_of' on argument 0}}
func.func @unknown_port_attr(%x: tensor<2xf32> {pp.stage_of = 1}) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
