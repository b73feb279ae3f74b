// RUN: pp-opt %s | pp-opt | FileCheck %s
// RUN: pp-opt %s --mlir-print-op-generic | pp-opt | FileCheck %s

// CHECK-LABEL: func.func @constant
func.func @constant() -> (tensor<2xi64>, tensor<f32>) {
  // CHECK: nn.constant dense<[1, 2]> : tensor<2xi64>
  %0 = nn.constant dense<[1, 2]> : tensor<2xi64>
  // CHECK: nn.constant dense<5.000000e-01> : tensor<f32>
  %1 = nn.constant dense<0.5> : tensor<f32>
  return %0, %1 : tensor<2xi64>, tensor<f32>
}

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %i: tensor<4xi64>, %j: tensor<i64>) {
  // CHECK: nn.add %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %0 = nn.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: nn.sub %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = nn.sub %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: nn.mul %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %2 = nn.mul %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: nn.div %{{.*}}, %{{.*}} : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  %3 = nn.div %i, %j : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  // CHECK: nn.pow %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<i64> -> tensor<2x3xf32>
  %4 = nn.pow %a, %j : tensor<2x3xf32>, tensor<i64> -> tensor<2x3xf32>
  // CHECK: nn.equal %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  %5 = nn.equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: nn.less %{{.*}}, %{{.*}} : tensor<4xi64>, tensor<i64> -> tensor<4xi1>
  %6 = nn.less %i, %j : tensor<4xi64>, tensor<i64> -> tensor<4xi1>
  // CHECK: nn.greater %{{.*}}, %{{.*}} : tensor<4xi64>, tensor<i64> -> tensor<4xi1>
  %7 = nn.greater %i, %j : tensor<4xi64>, tensor<i64> -> tensor<4xi1>
  return
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<2x3xf32>, %b: tensor<4xi1>, %i: tensor<4xi64>) {
  // CHECK: nn.sqrt %{{.*}} : tensor<2x3xf32>
  %0 = nn.sqrt %x : tensor<2x3xf32>
  // CHECK: nn.erf %{{.*}} : tensor<2x3xf32>
  %1 = nn.erf %x : tensor<2x3xf32>
  // CHECK: nn.tanh %{{.*}} : tensor<2x3xf32>
  %2 = nn.tanh %x : tensor<2x3xf32>
  // CHECK: nn.relu %{{.*}} : tensor<2x3xf32>
  %3 = nn.relu %x : tensor<2x3xf32>
  // CHECK: nn.sigmoid %{{.*}} : tensor<2x3xf32>
  %4 = nn.sigmoid %x : tensor<2x3xf32>
  // CHECK: nn.neg %{{.*}} : tensor<4xi64>
  %5 = nn.neg %i : tensor<4xi64>
  // CHECK: nn.exp %{{.*}} : tensor<2x3xf32>
  %6 = nn.exp %x : tensor<2x3xf32>
  // CHECK: nn.log %{{.*}} : tensor<2x3xf32>
  %7 = nn.log %x : tensor<2x3xf32>
  // CHECK: nn.not %{{.*}} : tensor<4xi1>
  %8 = nn.not %b : tensor<4xi1>
  // CHECK: nn.gelu %{{.*}} : tensor<2x3xf32>
  %9 = nn.gelu %x : tensor<2x3xf32>
  // CHECK: nn.gelu %{{.*}} {approximate = #nn<approximate tanh>} : tensor<2x3xf32>
  %10 = nn.gelu %x {approximate = #nn<approximate tanh>} : tensor<2x3xf32>
  // CHECK: nn.cast %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf16>
  %11 = nn.cast %x : tensor<2x3xf32> -> tensor<2x3xf16>
  return
}

// CHECK-LABEL: func.func @where_dropout
func.func @where_dropout(%c: tensor<2x1xi1>, %x: tensor<2x3xf32>, %y: tensor<f32>) {
  // CHECK: nn.where %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x1xi1>, tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
  %0 = nn.where %c, %x, %y : tensor<2x1xi1>, tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
  // CHECK: %{{.*}}, %{{.*}} = nn.dropout %{{.*}} {ratio = 1.000000e-01 : f32, seed = 3 : i64} : tensor<2x3xf32>
  %1:2 = nn.dropout %x {ratio = 0.1 : f32, seed = 3 : i64} : tensor<2x3xf32>
  // CHECK: nn.dropout %{{.*}} {ratio = 5.000000e-01 : f32} : tensor<2x3xf32>
  %2:2 = nn.dropout %x {ratio = 0.5 : f32} : tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @linear
func.func @linear(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %c: tensor<4xf32>, %v: tensor<3xf32>) {
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2xf32>
  %0 = nn.matmul %a, %v : tensor<2x3xf32>, tensor<3xf32> -> tensor<2xf32>
  // CHECK: nn.gemm %{{.*}}, %{{.*}}, %{{.*}} {alpha = 2.000000e+00 : f32, transB = true} : tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %1 = nn.gemm %a, %b, %c {alpha = 2.0 : f32, transB = true} : tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32> -> tensor<2x4xf32>
  // CHECK: nn.gemm %{{.*}}, %{{.*}} {transB = true} : tensor<2x3xf32>, tensor<4x3xf32> -> tensor<2x4xf32>
  %2 = nn.gemm %a, %b {transB = true} : tensor<2x3xf32>, tensor<4x3xf32> -> tensor<2x4xf32>
  return
}

// CHECK-LABEL: func.func @normalization
func.func @normalization(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %img: tensor<2x3x4x4xf32>, %c: tensor<3xf32>) {
  // CHECK: nn.softmax %{{.*}} {axis = 2 : i64} : tensor<2x3x4xf32>
  %0 = nn.softmax %x {axis = 2 : i64} : tensor<2x3x4xf32>
  // CHECK: nn.log_softmax %{{.*}} {axis = 0 : i64} : tensor<2x3x4xf32>
  %1 = nn.log_softmax %x {axis = 0 : i64} : tensor<2x3x4xf32>
  // CHECK: nn.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 1.000000e-03 : f32} : tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>
  %2 = nn.layer_norm %x, %s, %s {axis = 2 : i64, epsilon = 1.0e-3 : f32} : tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>
  // CHECK: nn.layer_norm %{{.*}}, %{{.*}} {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<4xf32>
  %3 = nn.layer_norm %x, %s {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<4xf32>
  // CHECK: nn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {training = true} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %4 = nn.batch_norm %img, %c, %c, %c, %c {training = true} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}

// CHECK-LABEL: func.func @spatial
func.func @spatial(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) {
  // CHECK: nn.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32> -> tensor<1x6x4x4xf32>
  %0 = nn.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32> -> tensor<1x6x4x4xf32>
  // CHECK: nn.max_pool %{{.*}} {ceil_mode = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  %1 = nn.max_pool %x {ceil_mode = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  // CHECK: nn.average_pool %{{.*}} {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  %2 = nn.average_pool %x {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  // CHECK: nn.global_average_pool %{{.*}} : tensor<1x4x8x8xf32> -> tensor<1x4x1x1xf32>
  %3 = nn.global_average_pool %x : tensor<1x4x8x8xf32> -> tensor<1x4x1x1xf32>
  return
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x3x4xf32>) {
  // CHECK: nn.reduce_mean %{{.*}} {axes = array<i64: 0, 2>} : tensor<2x3x4xf32> -> tensor<1x3x1xf32>
  %0 = nn.reduce_mean %x {axes = array<i64: 0, 2>} : tensor<2x3x4xf32> -> tensor<1x3x1xf32>
  // CHECK: nn.reduce_sum %{{.*}} {axes = array<i64: 1>, keepdims = false} : tensor<2x3x4xf32> -> tensor<2x4xf32>
  %1 = nn.reduce_sum %x {axes = array<i64: 1>, keepdims = false} : tensor<2x3x4xf32> -> tensor<2x4xf32>
  return
}

// CHECK-LABEL: func.func @movement
func.func @movement(%x: tensor<2x3x4xf32>, %e: tensor<10x4xf32>, %i: tensor<2x3xi64>, %y: tensor<1x3x1xf32>) {
  // CHECK: nn.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %0 = nn.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: nn.flatten %{{.*}} {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = nn.flatten %x {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: nn.transpose %{{.*}} {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %2 = nn.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  // CHECK: nn.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<10x4xf32>, tensor<2x3xi64> -> tensor<2x3x4xf32>
  %3 = nn.gather %e, %i {axis = 0 : i64} : tensor<10x4xf32>, tensor<2x3xi64> -> tensor<2x3x4xf32>
  // CHECK: nn.slice %{{.*}} {ends = array<i64: 2, 3, -1>, starts = array<i64: 0, 1, 3>, steps = array<i64: 1, 1, -2>} : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
  %4 = nn.slice %x {ends = array<i64: 2, 3, -1>, starts = array<i64: 0, 1, 3>, steps = array<i64: 1, 1, -2>} : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
  // CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> tensor<2x6x4xf32>
  %5 = nn.concat %x, %x {axis = 1 : i64} : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> tensor<2x6x4xf32>
  // CHECK: nn.split %{{.*}} {axis = 2 : i64, sizes = array<i64: 1, 3>} : tensor<2x3x4xf32> -> tensor<2x3x1xf32>, tensor<2x3x3xf32>
  %6:2 = nn.split %x {axis = 2 : i64, sizes = array<i64: 1, 3>} : tensor<2x3x4xf32> -> tensor<2x3x1xf32>, tensor<2x3x3xf32>
  // CHECK: nn.unsqueeze %{{.*}} {axes = array<i64: 0, 3>} : tensor<2x3x4xf32> -> tensor<1x2x3x1x4xf32>
  %7 = nn.unsqueeze %x {axes = array<i64: 0, 3>} : tensor<2x3x4xf32> -> tensor<1x2x3x1x4xf32>
  // CHECK: nn.squeeze %{{.*}} {axes = array<i64: 0, 2>} : tensor<1x3x1xf32> -> tensor<3xf32>
  %8 = nn.squeeze %y {axes = array<i64: 0, 2>} : tensor<1x3x1xf32> -> tensor<3xf32>
  // CHECK: nn.expand %{{.*}} : tensor<1x3x1xf32> -> tensor<2x3x4xf32>
  %9 = nn.expand %y : tensor<1x3x1xf32> -> tensor<2x3x4xf32>
  return
}

// CHECK-LABEL: func.func @generic
func.func @generic(%x: tensor<3x5xf32>, %k: tensor<1xi64>) {
  // CHECK: nn.onnx "TopK"(%{{.*}}, %{{.*}}) {domain = "com.example", onnx_attributes = {axis = -1 : i64}, opset = 17 : i64} : (tensor<3x5xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  %0:2 = nn.onnx "TopK"(%x, %k) {domain = "com.example", onnx_attributes = {axis = -1 : i64}, opset = 17 : i64} : (tensor<3x5xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  // CHECK: nn.onnx "Hardmax"(%{{.*}}) {opset = 13 : i64} : (tensor<3x5xf32>) -> tensor<3x5xf32>
  %1 = nn.onnx "Hardmax"(%x) {opset = 13 : i64} : (tensor<3x5xf32>) -> tensor<3x5xf32>
  return
}
