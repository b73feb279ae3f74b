// RUN: pp-opt %s -split-input-file -verify-diagnostics

// Verifier and result-type inference errors of the loss and gradient ops:
// one case per check.

func.func @case1(%l: tensor<f32>, %t: tensor<i64>) {
  // expected-error @below {{'nn.softmax_cross_entropy' op logits must have rank >= 1 (classes on the last axis), got 'tensor<f32>'}}
  %0 = nn.softmax_cross_entropy %l, %t : tensor<f32>, tensor<i64> -> tensor<f32>
  return
}
// -----
func.func @case2(%l: tensor<4x10xf32>, %t: tensor<10xi64>) {
  // expected-error @below {{'nn.softmax_cross_entropy' op labels must have the logits' shape without the class axis, [4], got 'tensor<10xi64>'}}
  %0 = nn.softmax_cross_entropy %l, %t : tensor<4x10xf32>, tensor<10xi64> -> tensor<f32>
  return
}
// -----
func.func @case3(%l: tensor<4x10xf32>, %t: tensor<4xf32>) {
  // expected-error @below {{'nn.softmax_cross_entropy' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<4xf32>'}}
  %0 = nn.softmax_cross_entropy %l, %t : tensor<4x10xf32>, tensor<4xf32> -> tensor<f32>
  return
}
// -----
func.func @case4(%l: tensor<4x10xf32>, %t: tensor<4xi64>) {
  // expected-error @below {{'nn.softmax_cross_entropy' op inferred type(s) 'tensor<f32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error @below {{'nn.softmax_cross_entropy' op failed to infer returned types}}
  %0 = nn.softmax_cross_entropy %l, %t : tensor<4x10xf32>, tensor<4xi64> -> tensor<4xf32>
  return
}
// -----
func.func @case5(%d: tensor<1xf32>, %l: tensor<4x10xf32>, %t: tensor<4xi64>) {
  // expected-error @below {{'nn.softmax_cross_entropy_grad' op dloss must have the 0-d type of the loss 'tensor<f32>', got 'tensor<1xf32>'}}
  %0 = nn.softmax_cross_entropy_grad %d, %l, %t : tensor<1xf32>, tensor<4x10xf32>, tensor<4xi64>
  return
}
// -----
func.func @case6(%d: tensor<f32>, %l: tensor<4x10xf32>, %t: tensor<4x1xi64>) {
  // expected-error @below {{'nn.softmax_cross_entropy_grad' op labels must have the logits' shape without the class axis, [4], got 'tensor<4x1xi64>'}}
  %0 = nn.softmax_cross_entropy_grad %d, %l, %t : tensor<f32>, tensor<4x10xf32>, tensor<4x1xi64>
  return
}
// -----
func.func @case7(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.sum_to' op result must have element type 'f32', got 'tensor<3xf16>'}}
  %0 = nn.sum_to %x : tensor<2x3xf32> -> tensor<3xf16>
  return
}
// -----
func.func @case8(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.sum_to' op result type 'tensor<2xf32>' does not broadcast to x's shape [2, 3]}}
  %0 = nn.sum_to %x : tensor<2x3xf32> -> tensor<2xf32>
  return
}
// -----
func.func @case9(%x: tensor<3xf32>) {
  // expected-error @below {{'nn.sum_to' op result type 'tensor<1x3xf32>' does not broadcast to x's shape [3]}}
  %0 = nn.sum_to %x : tensor<3xf32> -> tensor<1x3xf32>
  return
}
// -----
func.func @case10(%dy: tensor<2x3xf32>, %x: tensor<3xf32>) {
  // expected-error @below {{'nn.relu_grad' op requires the same type for all operands and results}}
  %0 = "nn.relu_grad"(%dy, %x) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}
// -----
func.func @case11(%dy: tensor<2x3xf32>, %x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.gelu_grad' op attribute 'approximate' failed to satisfy constraint: The approximation of nn.gelu and nn.gelu_grad}}
  %0 = nn.gelu_grad %dy, %x {approximate = "tanh"} : tensor<2x3xf32>
  return
}
// -----
func.func @case12(%dy: tensor<2x3xf32>, %y: tensor<2x3xf32>) {
  // expected-error @below {{'nn.softmax_grad' op axis 2 is out of range for rank 2}}
  %0 = nn.softmax_grad %dy, %y {axis = 2 : i64} : tensor<2x3xf32>
  return
}
// -----
func.func @case13(%dy: tensor<2x3xf32>, %y: tensor<2x3xf32>) {
  // expected-error @below {{'nn.log_softmax_grad' op axis -1 is out of range for rank 2}}
  %0 = nn.log_softmax_grad %dy, %y {axis = -1 : i64} : tensor<2x3xf32>
  return
}
// -----
func.func @case14(%dy: tensor<2x3xf32>, %m: tensor<3xi1>) {
  // expected-error @below {{'nn.dropout_grad' op mask must have dy's shape [2, 3], got 'tensor<3xi1>'}}
  %0 = nn.dropout_grad %dy, %m {ratio = 0.5 : f32} : tensor<2x3xf32>, tensor<3xi1>
  return
}
// -----
func.func @case15(%dy: tensor<2x3xf32>, %m: tensor<2x3xi1>) {
  // expected-error @below {{'nn.dropout_grad' op ratio must be in [0, 1), got 1}}
  %0 = nn.dropout_grad %dy, %m {ratio = 1.0 : f32} : tensor<2x3xf32>, tensor<2x3xi1>
  return
}
// -----
func.func @case16(%dy: tensor<8x4xf32>, %x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @below {{'nn.layer_norm_grad' op dy must have x's type 'tensor<4x8xf32>', got 'tensor<8x4xf32>'}}
  %0 = nn.layer_norm_grad %dy, %x, %s {axis = 1 : i64} : tensor<8x4xf32>, tensor<4x8xf32>, tensor<8xf32>
  return
}
// -----
func.func @case17(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @below {{'nn.layer_norm_grad' op axis 2 is out of range for rank 2}}
  %0 = nn.layer_norm_grad %dy, %x, %s {axis = 2 : i64} : tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>
  return
}
// -----
func.func @case18(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %s: tensor<8xf16>) {
  // expected-error @below {{'nn.layer_norm_grad' op scale must have element type 'f32', got 'tensor<8xf16>'}}
  %0 = nn.layer_norm_grad %dy, %x, %s {axis = 1 : i64} : tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf16>
  return
}
// -----
func.func @case19(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %s: tensor<4xf32>) {
  // expected-error @below {{'nn.layer_norm_grad' op scale must broadcast to the normalised shape [8], got 'tensor<4xf32>'}}
  %0 = nn.layer_norm_grad %dy, %x, %s {axis = 1 : i64} : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>
  return
}
// -----
func.func @case20(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>) {
  // expected-error @below {{'nn.layer_norm_grad_params' op axis 2 is out of range for rank 2}}
  %0:2 = nn.layer_norm_grad_params %dy, %x {axis = 2 : i64} : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<8xf32>, tensor<8xf32>
  return
}
// -----
func.func @case21(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>) {
  // expected-error @below {{'nn.layer_norm_grad_params' op inferred type(s) 'tensor<8xf32>', 'tensor<8xf32>' are incompatible with return type(s) of operation 'tensor<4x8xf32>', 'tensor<8xf32>'}}
  // expected-error @below {{'nn.layer_norm_grad_params' op failed to infer returned types}}
  %0:2 = nn.layer_norm_grad_params %dy, %x {axis = 1 : i64} : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>, tensor<8xf32>
  return
}
// -----
func.func @case22(%dy: tensor<4x8xf16>, %x: tensor<4x8xf32>) {
  // expected-error @below {{'nn.layer_norm_grad_params' op dy must have x's type 'tensor<4x8xf32>', got 'tensor<4x8xf16>'}}
  %0:2 = nn.layer_norm_grad_params %dy, %x {axis = 1 : i64} : tensor<4x8xf16>, tensor<4x8xf32> -> tensor<8xf32>, tensor<8xf32>
  return
}
// -----
func.func @case23(%dy: tensor<2x3x5xf32>, %x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm_grad' op dy must have x's type 'tensor<2x3x4xf32>', got 'tensor<2x3x5xf32>'}}
  %0 = nn.batch_norm_grad %dy, %x, %s, %m, %v : tensor<2x3x5xf32>, tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case24(%dy: tensor<3xf32>, %x: tensor<3xf32>, %s: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm_grad' op x must have a channel axis, got 'tensor<3xf32>'}}
  %0 = nn.batch_norm_grad %dy, %x, %s, %m, %v : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case25(%dy: tensor<2x3x4xf32>, %x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm_grad' op scale must have the per-channel type 'tensor<3xf32>', got 'tensor<4xf32>'}}
  %0 = nn.batch_norm_grad %dy, %x, %s, %m, %v : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<4xf32>, tensor<3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case26(%dy: tensor<2x3x4xf32>, %x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf16>) {
  // expected-error @below {{'nn.batch_norm_grad' op var must have the per-channel type 'tensor<3xf32>', got 'tensor<3xf16>'}}
  %0 = nn.batch_norm_grad %dy, %x, %s, %m, %v : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf16>
  return
}
// -----
func.func @case27(%dy: tensor<3xf32>, %x: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm_grad_params' op x must have a channel axis, got 'tensor<3xf32>'}}
  %0:2 = nn.batch_norm_grad_params %dy, %x, %m, %v : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case28(%dy: tensor<2x3x4xf32>, %x: tensor<2x3x4xf32>, %m: tensor<2xf32>, %v: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm_grad_params' op mean must have the per-channel type 'tensor<3xf32>', got 'tensor<2xf32>'}}
  %0:2 = nn.batch_norm_grad_params %dy, %x, %m, %v : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2xf32>, tensor<3xf32> -> tensor<3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case29(%dy: tensor<2x3x4xf32>, %x: tensor<2x3x4xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm_grad_params' op inferred type(s) 'tensor<3xf32>', 'tensor<3xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>', 'tensor<3xf32>'}}
  // expected-error @below {{'nn.batch_norm_grad_params' op failed to infer returned types}}
  %0:2 = nn.batch_norm_grad_params %dy, %x, %m, %v : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<4xf32>, tensor<3xf32>
  return
}
// -----
func.func @case30(%dy: tensor<2x3x5xf32>, %x: tensor<2x3x4xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm_grad_params' op dy must have x's type 'tensor<2x3x4xf32>', got 'tensor<2x3x5xf32>'}}
  %0:2 = nn.batch_norm_grad_params %dy, %x, %m, %v : tensor<2x3x5xf32>, tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case31(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf16>) {
  // expected-error @below {{'nn.conv_grad_input' op weight must have element type 'f32', got 'tensor<6x4x3x3xf16>'}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf16> -> tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case32(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv_grad_input' op result must have element type 'f32', got 'tensor<1x4x8x8xf16>'}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32> -> tensor<1x4x8x8xf16>
  return
}
// -----
func.func @case33(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv_grad_input' op input [4, 8, 8] and weight [6, 4, 3, 3] must both be N x C x spatial...}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32> -> tensor<4x8x8xf32>
  return
}
// -----
func.func @case34(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv_grad_input' op expects 2 strides and dilations and 4 pads}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32> -> tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case35(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv_grad_input' op strides and dilations must be >= 1}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 0, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32> -> tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case36(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv_grad_input' op input channels 3 do not match weight 'tensor<6x4x3x3xf32>' with group 1}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32> -> tensor<1x3x8x8xf32>
  return
}
// -----
func.func @case37(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv_grad_input' op pads must be non-negative}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: -1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32> -> tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case38(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv_grad_input' op convolving the result type with weight gives shape [1, 6, 5, 4], not dy's shape [1, 6, 4, 4]}}
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32> -> tensor<1x4x10x8xf32>
  return
}
// -----
func.func @case39(%dy: tensor<1x6x4x4xf32>, %x: tensor<1x4x8x8xf16>) {
  // expected-error @below {{'nn.conv_grad_weight' op x must have element type 'f32', got 'tensor<1x4x8x8xf16>'}}
  %0 = nn.conv_grad_weight %dy, %x {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<1x4x8x8xf16> -> tensor<6x4x3x3xf32>
  return
}
// -----
func.func @case40(%dy: tensor<1x6x4x4xf32>, %x: tensor<1x4x8x8xf32>) {
  // expected-error @below {{'nn.conv_grad_weight' op input channels 4 do not match weight 'tensor<6x4x3x3xf32>' with group 2}}
  %0 = nn.conv_grad_weight %dy, %x {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<1x4x8x8xf32> -> tensor<6x4x3x3xf32>
  return
}
// -----
func.func @case41(%dy: tensor<1x6x4x4xf32>, %x: tensor<1x4x8x8xf32>) {
  // expected-error @below {{'nn.conv_grad_weight' op convolving x with the result type gives shape [1, 5, 4, 4], not dy's shape [1, 6, 4, 4]}}
  %0 = nn.conv_grad_weight %dy, %x {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<1x4x8x8xf32> -> tensor<5x4x3x3xf32>
  return
}
// -----
func.func @case42(%dy: tensor<1x4x4x4xf16>, %x: tensor<1x4x8x8xf32>) {
  // expected-error @below {{'nn.max_pool_grad' op dy must have element type 'f32', got 'tensor<1x4x4x4xf16>'}}
  %0 = nn.max_pool_grad %dy, %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf16>, tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case43(%dy: tensor<1x4x4x4xf32>, %x: tensor<1x4x8x8xf32>) {
  // expected-error @below {{'nn.max_pool_grad' op pad 2 must be in [0, 2) for the kernel}}
  %0 = nn.max_pool_grad %dy, %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case44(%dy: tensor<1x4x4x4xf32>, %x: tensor<1x4x6x8xf32>) {
  // expected-error @below {{'nn.max_pool_grad' op pooling x gives shape [1, 4, 3, 4], not dy's shape [1, 4, 4, 4]}}
  %0 = nn.max_pool_grad %dy, %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32>, tensor<1x4x6x8xf32>
  return
}
// -----
func.func @case45(%dy: tensor<1x4x4x4xf32>) {
  // expected-error @below {{'nn.average_pool_grad' op result must have element type 'f32', got 'tensor<1x4x8x8xf16>'}}
  %0 = nn.average_pool_grad %dy {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32> -> tensor<1x4x8x8xf16>
  return
}
// -----
func.func @case46(%dy: tensor<1x4x4x4xf32>) {
  // expected-error @below {{'nn.average_pool_grad' op kernel sizes must be >= 1}}
  %0 = nn.average_pool_grad %dy {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 0, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32> -> tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case47(%dy: tensor<1x4x4x4xf32>) {
  // expected-error @below {{'nn.average_pool_grad' op expects 2 kernel sizes, strides and dilations and 4 pads}}
  %0 = nn.average_pool_grad %dy {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32> -> tensor<1x4x8x8xf32>
  return
}
// -----
func.func @case48(%dy: tensor<1x4x4x4xf32>) {
  // expected-error @below {{'nn.average_pool_grad' op pooling the result type gives shape [1, 4, 4, 5], not dy's shape [1, 4, 4, 4]}}
  %0 = nn.average_pool_grad %dy {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32> -> tensor<1x4x8x10xf32>
  return
}
// -----
func.func @case49(%dy: tensor<4x4xf32>) {
  // expected-error @below {{'nn.average_pool_grad' op input must be N x C x spatial...}}
  %0 = nn.average_pool_grad %dy {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<4x4xf32> -> tensor<8x8xf32>
  return
}
// -----
func.func @case50(%dy: tensor<2x5x16xf32>, %i: tensor<2x5xi64>) {
  // expected-error @below {{'nn.gather_grad' op result must have element type 'f32', got 'tensor<100x16xbf16>'}}
  %0 = nn.gather_grad %dy, %i {axis = 0 : i64} : tensor<2x5x16xf32>, tensor<2x5xi64> -> tensor<100x16xbf16>
  return
}
// -----
func.func @case51(%dy: tensor<2x5x16xf32>, %i: tensor<2x5xi64>) {
  // expected-error @below {{'nn.gather_grad' op axis 2 is out of range for rank 2}}
  %0 = nn.gather_grad %dy, %i {axis = 2 : i64} : tensor<2x5x16xf32>, tensor<2x5xi64> -> tensor<100x16xf32>
  return
}
// -----
func.func @case52(%dy: tensor<2x5x16xf32>, %i: tensor<2x5xi64>) {
  // expected-error @below {{'nn.gather_grad' op gathering from the result type with indices gives shape [100, 2, 5], not dy's shape [2, 5, 16]}}
  %0 = nn.gather_grad %dy, %i {axis = 1 : i64} : tensor<2x5x16xf32>, tensor<2x5xi64> -> tensor<100x16xf32>
  return
}
// -----
func.func @case53(%dy: tensor<2x5x16xf32>, %i: tensor<2x5xf32>) {
  // expected-error @below {{'nn.gather_grad' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<2x5xf32>'}}
  %0 = nn.gather_grad %dy, %i {axis = 0 : i64} : tensor<2x5x16xf32>, tensor<2x5xf32> -> tensor<100x16xf32>
  return
}
// -----
func.func @case54(%dy: tensor<4x3xf32>) {
  // expected-error @below {{'nn.slice_grad' op result must have element type 'f32', got 'tensor<8x3xf16>'}}
  %0 = nn.slice_grad %dy {ends = array<i64: 8, 3>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : tensor<4x3xf32> -> tensor<8x3xf16>
  return
}
// -----
func.func @case55(%dy: tensor<4x3xf32>) {
  // expected-error @below {{'nn.slice_grad' op slice 0:8:2 of axis 0 is not clamped to its size 6}}
  %0 = nn.slice_grad %dy {ends = array<i64: 8, 3>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : tensor<4x3xf32> -> tensor<6x3xf32>
  return
}
// -----
func.func @case56(%dy: tensor<4x3xf32>) {
  // expected-error @below {{'nn.slice_grad' op expects one start, end and step per axis (2)}}
  %0 = nn.slice_grad %dy {ends = array<i64: 8>, starts = array<i64: 0>, steps = array<i64: 2>} : tensor<4x3xf32> -> tensor<8x3xf32>
  return
}
// -----
func.func @case57(%dy: tensor<4x3xf32>) {
  // expected-error @below {{'nn.slice_grad' op step of axis 0 is zero}}
  %0 = nn.slice_grad %dy {ends = array<i64: 8, 3>, starts = array<i64: 0, 0>, steps = array<i64: 0, 1>} : tensor<4x3xf32> -> tensor<8x3xf32>
  return
}
// -----
func.func @case58(%dy: tensor<4x3xf32>) {
  // expected-error @below {{'nn.slice_grad' op slicing the result type gives shape [3, 3], not dy's shape [4, 3]}}
  %0 = nn.slice_grad %dy {ends = array<i64: 6, 3>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : tensor<4x3xf32> -> tensor<8x3xf32>
  return
}
