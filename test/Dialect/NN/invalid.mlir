// RUN: pp-opt %s -split-input-file -verify-diagnostics

// Verifier and result-type inference errors of the nn ops.

func.func @case1(%a: tensor<2x3xf32>, %b: tensor<2x3xi32>) {
  // expected-error @below {{'nn.add' op operands differ in element type: 'tensor<2x3xf32>' vs 'tensor<2x3xi32>'}}
  %0 = nn.add %a, %b : tensor<2x3xf32>, tensor<2x3xi32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case2(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @below {{'nn.mul' op operand shapes [2, 3] and [4] do not broadcast}}
  // expected-error @below {{'nn.mul' op failed to infer returned types}}
  %0 = nn.mul %a, %b : tensor<2x3xf32>, tensor<4xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case3(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @below {{'nn.sub' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x3xf32>'}}
  // expected-error @below {{'nn.sub' op failed to infer returned types}}
  %0 = nn.sub %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<3x3xf32>
  return
}
// -----
func.func @case4(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @below {{'nn.equal' op result #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<2x3xf32>'}}
  %0 = nn.equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case5(%a: tensor<2x3xi64>, %b: tensor<3xi32>) {
  // expected-error @below {{'nn.less' op operands differ in element type: 'tensor<2x3xi64>' vs 'tensor<3xi32>'}}
  %0 = nn.less %a, %b : tensor<2x3xi64>, tensor<3xi32> -> tensor<2x3xi1>
  return
}
// -----
func.func @case6(%a: tensor<?x3xf32>) {
  // expected-error @below {{'nn.relu' op operand #0 must be statically shaped tensor of any type values, but got 'tensor<?x3xf32>'}}
  %0 = nn.relu %a : tensor<?x3xf32>
  return
}
// -----
func.func @case7(%a: tensor<2x3xi32>) {
  // expected-error @below {{'nn.sqrt' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<2x3xi32>'}}
  %0 = nn.sqrt %a : tensor<2x3xi32>
  return
}
// -----
func.func @case8(%a: tensor<2x3xf32>) {
  // expected-error @below {{expected ::pp::nn::GeluApproximation to be one of: none, tanh}}
  // expected-error @below {{failed to parse NN_GeluApproximationAttr parameter 'value'}}
  %0 = nn.gelu %a {approximate = #nn<approximate fast>} : tensor<2x3xf32>
  return
}
// -----
func.func @case9(%a: tensor<2x3xf32>) {
  // expected-error @below {{'nn.cast' op requires the same shape for all operands and results}}
  %0 = nn.cast %a : tensor<2x3xf32> -> tensor<3x2xi32>
  return
}
// -----
func.func @case10(%c: tensor<2xi1>, %x: tensor<2xf32>, %y: tensor<2xi32>) {
  // expected-error @below {{'nn.where' op x and y differ in element type}}
  // expected-error @below {{'nn.where' op failed to infer returned types}}
  %0 = nn.where %c, %x, %y : tensor<2xi1>, tensor<2xf32>, tensor<2xi32> -> tensor<2xf32>
  return
}
// -----
func.func @case11(%c: tensor<3xi1>, %x: tensor<2xf32>, %y: tensor<2xf32>) {
  // expected-error @below {{'nn.where' op operand shapes [3], [2] and [2] do not broadcast}}
  // expected-error @below {{'nn.where' op failed to infer returned types}}
  %0 = nn.where %c, %x, %y : tensor<3xi1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return
}
// -----
func.func @case12(%x: tensor<2xf32>) {
  // expected-error @below {{'nn.dropout' op ratio must be in [0, 1), got 1.000000e+00}}
  %0:2 = nn.dropout %x {ratio = 1.0 : f32} : tensor<2xf32>
  return
}
// -----
func.func @case13(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @below {{'nn.matmul' op contracted dimensions differ: [2, 3] x [4, 5]}}
  // expected-error @below {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
}
// -----
func.func @case14(%a: tensor<f32>, %b: tensor<4x5xf32>) {
  // expected-error @below {{'nn.matmul' op operands must have rank >= 1}}
  // expected-error @below {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<f32>, tensor<4x5xf32> -> tensor<5xf32>
  return
}
// -----
func.func @case15(%a: tensor<2x2x3xf32>, %b: tensor<3x3x4xf32>) {
  // expected-error @below {{'nn.matmul' op batch dimensions of [2, 2, 3] and [3, 3, 4] do not broadcast}}
  // expected-error @below {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<2x2x3xf32>, tensor<3x3x4xf32> -> tensor<2x2x4xf32>
  return
}
// -----
func.func @case16(%a: tensor<2x3xf32>, %b: tensor<3x4xf16>) {
  // expected-error @below {{'nn.matmul' op operands differ in element type}}
  // expected-error @below {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf16> -> tensor<2x4xf32>
  return
}
// -----
func.func @case17(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @below {{'nn.gemm' op contracted dimensions differ: 3 vs 4}}
  %0 = nn.gemm %a, %b : tensor<2x3xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case18(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<3xf32>) {
  // expected-error @below {{'nn.gemm' op C of type 'tensor<3xf32>' does not broadcast to 'tensor<2x4xf32>'}}
  %0 = nn.gemm %a, %b, %c : tensor<2x3xf32>, tensor<3x4xf32>, tensor<3xf32> -> tensor<2x4xf32>
  return
}
// -----
func.func @case19(%a: tensor<2x3x1xf32>, %b: tensor<3x4xf32>) {
  // expected-error @below {{'nn.gemm' op A and B must be matrices}}
  // expected-error @below {{'nn.gemm' op failed to infer returned types}}
  %0 = nn.gemm %a, %b : tensor<2x3x1xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return
}
// -----
func.func @case20(%a: tensor<2x3xf32>) {
  // expected-error @below {{'nn.softmax' op axis 2 is out of range for rank 2}}
  %0 = nn.softmax %a {axis = 2 : i64} : tensor<2x3xf32>
  return
}
// -----
func.func @case21(%a: tensor<2x3xf32>) {
  // expected-error @below {{'nn.log_softmax' op axis -1 is out of range for rank 2}}
  %0 = nn.log_softmax %a {axis = -1 : i64} : tensor<2x3xf32>
  return
}
// -----
func.func @case22(%a: tensor<2x3xf32>, %s: tensor<3xf32>) {
  // expected-error @below {{'nn.layer_norm' op axis 2 is out of range for rank 2}}
  %0 = nn.layer_norm %a, %s {axis = 2 : i64} : tensor<2x3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case23(%a: tensor<2x3xf32>, %s: tensor<2xf32>) {
  // expected-error @below {{'nn.layer_norm' op scale and bias must broadcast to the normalised shape, got 'tensor<2xf32>' for input 'tensor<2x3xf32>'}}
  %0 = nn.layer_norm %a, %s {axis = 1 : i64} : tensor<2x3xf32>, tensor<2xf32>
  return
}
// -----
func.func @case24(%a: tensor<2x3x4x4xf32>, %s: tensor<4xf32>) {
  // expected-error @below {{'nn.batch_norm' op scale, bias, mean and var must have shape [3], got 'tensor<4xf32>'}}
  %0 = nn.batch_norm %a, %s, %s, %s, %s : tensor<2x3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return
}
// -----
func.func @case25(%a: tensor<3xf32>, %s: tensor<3xf32>) {
  // expected-error @below {{'nn.batch_norm' op input must have a channel axis, got 'tensor<3xf32>'}}
  %0 = nn.batch_norm %a, %s, %s, %s, %s : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}
// -----
func.func @case26(%x: tensor<1x4x8x8xf32>, %w: tensor<6x3x3x3xf32>) {
  // expected-error @below {{'nn.conv' op input channels 4 do not match weight 'tensor<6x3x3x3xf32>' with group 1}}
  %0 = nn.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x3x3x3xf32> -> tensor<1x6x6x6xf32>
  return
}
// -----
func.func @case27(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv' op pads must be non-negative}}
  %0 = nn.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: -1, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32> -> tensor<1x6x5x6xf32>
  return
}
// -----
func.func @case28(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @below {{'nn.conv' op bias must have shape [6], got 'tensor<4xf32>'}}
  %0 = nn.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>, tensor<4xf32> -> tensor<1x6x6x6xf32>
  return
}
// -----
func.func @case29(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv' op expects 2 strides and dilations and 4 pads}}
  // expected-error @below {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32> -> tensor<1x6x6x6xf32>
  return
}
// -----
func.func @case30(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv' op strides and dilations must be >= 1}}
  // expected-error @below {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32> -> tensor<1x6x6x6xf32>
  return
}
// -----
func.func @case31(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @below {{'nn.conv' op input [1, 4, 8, 8] and weight [6, 4, 3] must both be N x C x spatial...}}
  // expected-error @below {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}
// -----
func.func @case32(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @below {{'nn.conv' op inferred type(s) 'tensor<1x6x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x6x8x8xf32>'}}
  // expected-error @below {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32> -> tensor<1x6x8x8xf32>
  return
}
// -----
func.func @case33(%x: tensor<1x4x8x8xf32>) {
  // expected-error @below {{'nn.max_pool' op pad 2 must be in [0, 2) for the kernel}}
  %0 = nn.max_pool %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x5x4xf32>
  return
}
// -----
func.func @case34(%x: tensor<1x4x8x8xf32>) {
  // expected-error @below {{'nn.average_pool' op expects 2 kernel sizes, strides and dilations and 4 pads}}
  // expected-error @below {{'nn.average_pool' op failed to infer returned types}}
  %0 = nn.average_pool %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return
}
// -----
func.func @case35(%x: tensor<1x4x8x8xf32>) {
  // expected-error @below {{'nn.max_pool' op kernel sizes must be >= 1}}
  %0 = nn.max_pool %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 0, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return
}
// -----
func.func @case36(%x: tensor<4x8xf32>) {
  // expected-error @below {{'nn.max_pool' op input must be N x C x spatial...}}
  // expected-error @below {{'nn.max_pool' op failed to infer returned types}}
  %0 = nn.max_pool %x {dilations = array<i64>, kernel_shape = array<i64>, pads = array<i64>, strides = array<i64>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}
// -----
func.func @case37(%x: tensor<4x8xf32>) {
  // expected-error @below {{'nn.global_average_pool' op input must be N x C x spatial...}}
  // expected-error @below {{'nn.global_average_pool' op failed to infer returned types}}
  %0 = nn.global_average_pool %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}
// -----
func.func @case38(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.reduce_mean' op axis 2 is out of range for rank 2}}
  // expected-error @below {{'nn.reduce_mean' op failed to infer returned types}}
  %0 = nn.reduce_mean %x {axes = array<i64: 2>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case39(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.reduce_sum' op axes must be sorted and unique}}
  // expected-error @below {{'nn.reduce_sum' op failed to infer returned types}}
  %0 = nn.reduce_sum %x {axes = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<1x1xf32>
  return
}
// -----
func.func @case40(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.reshape' op cannot reshape 'tensor<2x3xf32>' to 'tensor<7xf32>'}}
  %0 = nn.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}
// -----
func.func @case41(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.flatten' op axis 3 is out of range for rank 2}}
  // expected-error @below {{'nn.flatten' op failed to infer returned types}}
  %0 = nn.flatten %x {axis = 3 : i64} : tensor<2x3xf32> -> tensor<6x1xf32>
  return
}
// -----
func.func @case42(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.transpose' op perm has 1 entries for rank 2}}
  // expected-error @below {{'nn.transpose' op failed to infer returned types}}
  %0 = nn.transpose %x {perm = array<i64: 0>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}
// -----
func.func @case43(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.transpose' op perm [1, 1] is not a permutation}}
  // expected-error @below {{'nn.transpose' op failed to infer returned types}}
  %0 = nn.transpose %x {perm = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}
// -----
func.func @case44(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @below {{'nn.gather' op axis 2 is out of range for rank 2}}
  // expected-error @below {{'nn.gather' op failed to infer returned types}}
  %0 = nn.gather %x, %i {axis = 2 : i64} : tensor<2x3xf32>, tensor<4xi64> -> tensor<2x4xf32>
  return
}
// -----
func.func @case45(%x: tensor<2x3xf32>, %i: tensor<4xf32>) {
  // expected-error @below {{'nn.gather' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<4xf32>'}}
  %0 = nn.gather %x, %i {axis = 0 : i64} : tensor<2x3xf32>, tensor<4xf32> -> tensor<4x3xf32>
  return
}
// -----
func.func @case46(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.slice' op expects one start, end and step per axis (2)}}
  // expected-error @below {{'nn.slice' op failed to infer returned types}}
  %0 = nn.slice %x {ends = array<i64: 2>, starts = array<i64: 0>, steps = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}
// -----
func.func @case47(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.slice' op slice 0:5:1 of axis 1 is not clamped to its size 3}}
  // expected-error @below {{'nn.slice' op failed to infer returned types}}
  %0 = nn.slice %x {ends = array<i64: 2, 5>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x5xf32>
  return
}
// -----
func.func @case48(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.slice' op step of axis 1 is zero}}
  // expected-error @below {{'nn.slice' op failed to infer returned types}}
  %0 = nn.slice %x {ends = array<i64: 2, 3>, starts = array<i64: 0, 0>, steps = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case49(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) {
  // expected-error @below {{'nn.concat' op input shapes [2, 3] and [2, 4] differ off axis 0}}
  // expected-error @below {{'nn.concat' op failed to infer returned types}}
  %0 = nn.concat %x, %y {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x4xf32> -> tensor<4x3xf32>
  return
}
// -----
func.func @case50(%x: tensor<2x3xf32>, %y: tensor<2x3xi32>) {
  // expected-error @below {{'nn.concat' op inputs differ in rank or element type}}
  // expected-error @below {{'nn.concat' op failed to infer returned types}}
  %0 = nn.concat %x, %y {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x3xi32> -> tensor<4x3xf32>
  return
}
// -----
func.func @case51(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.concat' op axis 2 is out of range for rank 2}}
  // expected-error @below {{'nn.concat' op failed to infer returned types}}
  %0 = nn.concat %x {axis = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case52() {
  // expected-error @below {{'nn.concat' op needs at least one input}}
  // expected-error @below {{'nn.concat' op failed to infer returned types}}
  %0 = "nn.concat"() <{axis = 0 : i64}> : () -> tensor<2x3xf32>
  return
}
// -----
func.func @case53(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.split' op split sizes sum to 2 but axis 1 has size 3}}
  // expected-error @below {{'nn.split' op failed to infer returned types}}
  %0:2 = nn.split %x {axis = 1 : i64, sizes = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x1xf32>, tensor<2x1xf32>
  return
}
// -----
func.func @case54(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.split' op negative split size}}
  // expected-error @below {{'nn.split' op failed to infer returned types}}
  %0:2 = "nn.split"(%x) <{axis = 1 : i64, sizes = array<i64: 4, -1>}> : (tensor<2x3xf32>) -> (tensor<2x4xf32>, tensor<2x3xf32>)
  return
}
// -----
func.func @case55(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.split' op axis 2 is out of range for rank 2}}
  // expected-error @below {{'nn.split' op failed to infer returned types}}
  %0:2 = nn.split %x {axis = 2 : i64, sizes = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<2x1xf32>, tensor<2x2xf32>
  return
}
// -----
func.func @case56(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.unsqueeze' op axis 3 is out of range for rank 3}}
  // expected-error @below {{'nn.unsqueeze' op failed to infer returned types}}
  %0 = nn.unsqueeze %x {axes = array<i64: 3>} : tensor<2x3xf32> -> tensor<2x3x1xf32>
  return
}
// -----
func.func @case57(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.unsqueeze' op axes must be sorted and unique}}
  // expected-error @below {{'nn.unsqueeze' op failed to infer returned types}}
  %0 = nn.unsqueeze %x {axes = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x1x1x3xf32>
  return
}
// -----
func.func @case58(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.squeeze' op cannot squeeze axis 0 of size 2}}
  // expected-error @below {{'nn.squeeze' op failed to infer returned types}}
  %0 = nn.squeeze %x {axes = array<i64: 0>} : tensor<2x3xf32> -> tensor<3xf32>
  return
}
// -----
func.func @case59(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.expand' op cannot expand 'tensor<2x3xf32>' to 'tensor<4x3xf32>'}}
  %0 = nn.expand %x : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}
// -----
func.func @case60(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.expand' op cannot expand 'tensor<2x3xf32>' to 'tensor<2x3xf16>'}}
  %0 = nn.expand %x : tensor<2x3xf32> -> tensor<2x3xf16>
  return
}
// -----
func.func @case61() {
  // expected-error @below {{'nn.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "nn.constant"() <{value = dense<[1, 2]> : tensor<2xi64>}> : () -> tensor<3xi64>
  return
}
