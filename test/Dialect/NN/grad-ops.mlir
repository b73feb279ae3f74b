// RUN: pp-opt %s | pp-opt | FileCheck %s
// RUN: pp-opt %s --mlir-print-op-generic | pp-opt | FileCheck %s
// RUN: pp-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of the loss and gradient ops of the nn dialect. The GENERIC
// checks show the result types that inference gives where the custom form
// leaves them out.

// CHECK-LABEL: func.func @loss
// GENERIC-LABEL: sym_name = "loss"
func.func @loss(%logits: tensor<4x16x50xf32>, %labels: tensor<4x16xi64>,
                %v: tensor<10xf16>, %c: tensor<i32>) {
  // CHECK: nn.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<4x16x50xf32>, tensor<4x16xi64> -> tensor<f32>
  %0 = nn.softmax_cross_entropy %logits, %labels : tensor<4x16x50xf32>, tensor<4x16xi64> -> tensor<f32>
  // CHECK: nn.softmax_cross_entropy %{{.*}}, %{{.*}} {ignore_index = -100 : i64} : tensor<10xf16>, tensor<i32> -> tensor<f16>
  %1 = nn.softmax_cross_entropy %v, %c {ignore_index = -100 : i64} : tensor<10xf16>, tensor<i32> -> tensor<f16>
  // CHECK: nn.softmax_cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} {ignore_index = -100 : i64} : tensor<f32>, tensor<4x16x50xf32>, tensor<4x16xi64>
  // GENERIC: "nn.softmax_cross_entropy_grad"({{.*}}) <{ignore_index = -100 : i64}> : (tensor<f32>, tensor<4x16x50xf32>, tensor<4x16xi64>) -> tensor<4x16x50xf32>
  %2 = nn.softmax_cross_entropy_grad %0, %logits, %labels {ignore_index = -100 : i64} : tensor<f32>, tensor<4x16x50xf32>, tensor<4x16xi64>
  return
}

// CHECK-LABEL: func.func @sum_to
func.func @sum_to(%x: tensor<8x16x64xf32>) {
  // CHECK: nn.sum_to %{{.*}} : tensor<8x16x64xf32> -> tensor<64xf32>
  %0 = nn.sum_to %x : tensor<8x16x64xf32> -> tensor<64xf32>
  // CHECK: nn.sum_to %{{.*}} : tensor<8x16x64xf32> -> tensor<8x1x64xf32>
  %1 = nn.sum_to %x : tensor<8x16x64xf32> -> tensor<8x1x64xf32>
  // CHECK: nn.sum_to %{{.*}} : tensor<8x16x64xf32> -> tensor<f32>
  %2 = nn.sum_to %x : tensor<8x16x64xf32> -> tensor<f32>
  // CHECK: nn.sum_to %{{.*}} : tensor<8x16x64xf32> -> tensor<8x16x64xf32>
  %3 = nn.sum_to %x : tensor<8x16x64xf32> -> tensor<8x16x64xf32>
  return
}

// CHECK-LABEL: func.func @activations
// GENERIC-LABEL: sym_name = "activations"
func.func @activations(%dy: tensor<2x3xf32>, %x: tensor<2x3xf32>,
                       %mask: tensor<2x3xi1>) {
  // CHECK: nn.relu_grad %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %0 = nn.relu_grad %dy, %x : tensor<2x3xf32>
  // CHECK: nn.gelu_grad %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %1 = nn.gelu_grad %dy, %x : tensor<2x3xf32>
  // CHECK: nn.gelu_grad %{{.*}}, %{{.*}} {approximate = #nn<approximate tanh>} : tensor<2x3xf32>
  %2 = nn.gelu_grad %dy, %x {approximate = #nn<approximate tanh>} : tensor<2x3xf32>
  // CHECK: nn.tanh_grad %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %3 = nn.tanh_grad %dy, %x : tensor<2x3xf32>
  // CHECK: nn.sigmoid_grad %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %4 = nn.sigmoid_grad %dy, %x : tensor<2x3xf32>
  // CHECK: nn.softmax_grad %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<2x3xf32>
  %5 = nn.softmax_grad %dy, %x {axis = 1 : i64} : tensor<2x3xf32>
  // CHECK: nn.log_softmax_grad %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<2x3xf32>
  %6 = nn.log_softmax_grad %dy, %x {axis = 0 : i64} : tensor<2x3xf32>
  // CHECK: nn.dropout_grad %{{.*}}, %{{.*}} {ratio = 1.000000e-01 : f32} : tensor<2x3xf32>, tensor<2x3xi1>
  // GENERIC: "nn.dropout_grad"({{.*}}) <{ratio = 1.000000e-01 : f32}> : (tensor<2x3xf32>, tensor<2x3xi1>) -> tensor<2x3xf32>
  %7 = nn.dropout_grad %dy, %mask {ratio = 0.1 : f32} : tensor<2x3xf32>, tensor<2x3xi1>
  return
}

// CHECK-LABEL: func.func @layer_norm
// GENERIC-LABEL: sym_name = "layer_norm"
func.func @layer_norm(%dy: tensor<4x8x32xf32>, %x: tensor<4x8x32xf32>,
                      %scale: tensor<32xf32>, %scale2: tensor<8x32xf32>) {
  // CHECK: nn.layer_norm_grad %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64} : tensor<4x8x32xf32>, tensor<4x8x32xf32>, tensor<32xf32>
  // GENERIC: "nn.layer_norm_grad"({{.*}}) <{axis = 2 : i64, epsilon = 9.99999974E-6 : f32}> : (tensor<4x8x32xf32>, tensor<4x8x32xf32>, tensor<32xf32>) -> tensor<4x8x32xf32>
  %0 = nn.layer_norm_grad %dy, %x, %scale {axis = 2 : i64} : tensor<4x8x32xf32>, tensor<4x8x32xf32>, tensor<32xf32>
  // CHECK: nn.layer_norm_grad %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 1.000000e-03 : f32} : tensor<4x8x32xf32>, tensor<4x8x32xf32>, tensor<8x32xf32>
  %1 = nn.layer_norm_grad %dy, %x, %scale2 {axis = 1 : i64, epsilon = 1.0e-3 : f32} : tensor<4x8x32xf32>, tensor<4x8x32xf32>, tensor<8x32xf32>
  // CHECK: nn.layer_norm_grad_params %{{.*}}, %{{.*}} {axis = 2 : i64} : tensor<4x8x32xf32>, tensor<4x8x32xf32> -> tensor<32xf32>, tensor<32xf32>
  %2:2 = nn.layer_norm_grad_params %dy, %x {axis = 2 : i64} : tensor<4x8x32xf32>, tensor<4x8x32xf32> -> tensor<32xf32>, tensor<32xf32>
  // CHECK: nn.layer_norm_grad_params %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<4x8x32xf32>, tensor<4x8x32xf32> -> tensor<8x32xf32>, tensor<8x32xf32>
  %3:2 = nn.layer_norm_grad_params %dy, %x {axis = 1 : i64} : tensor<4x8x32xf32>, tensor<4x8x32xf32> -> tensor<8x32xf32>, tensor<8x32xf32>
  return
}

// CHECK-LABEL: func.func @batch_norm
// GENERIC-LABEL: sym_name = "batch_norm"
func.func @batch_norm(%dy: tensor<2x3x4x4xf32>, %x: tensor<2x3x4x4xf32>,
                      %scale: tensor<3xf32>, %mean: tensor<3xf32>,
                      %var: tensor<3xf32>) {
  // CHECK: nn.batch_norm_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {training = true} : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  // GENERIC: "nn.batch_norm_grad"({{.*}}) <{epsilon = 9.99999974E-6 : f32, training = true}> : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  %0 = nn.batch_norm_grad %dy, %x, %scale, %mean, %var {training = true} : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  // CHECK: nn.batch_norm_grad_params %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32} : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>, tensor<3xf32>
  %1:2 = nn.batch_norm_grad_params %dy, %x, %mean, %var {epsilon = 1.0e-3 : f32} : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>, tensor<3xf32>
  return
}

// Stride 2 maps inputs of size 7 and 8 to the same output size 4: the input
// gradient's type must be spelled.
// CHECK-LABEL: func.func @conv
func.func @conv(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x2x3x3xf32>,
                %x: tensor<1x4x8x8xf32>) {
  // CHECK: nn.conv_grad_input %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x2x3x3xf32> -> tensor<1x4x8x8xf32>
  %0 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x2x3x3xf32> -> tensor<1x4x8x8xf32>
  // CHECK: nn.conv_grad_input %{{.*}}, %{{.*}} {{.*}} -> tensor<1x4x7x7xf32>
  %1 = nn.conv_grad_input %dy, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<6x2x3x3xf32> -> tensor<1x4x7x7xf32>
  // CHECK: nn.conv_grad_weight %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<1x4x8x8xf32> -> tensor<6x2x3x3xf32>
  %2 = nn.conv_grad_weight %dy, %x {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x6x4x4xf32>, tensor<1x4x8x8xf32> -> tensor<6x2x3x3xf32>
  return
}

// CHECK-LABEL: func.func @pool
// GENERIC-LABEL: sym_name = "pool"
func.func @pool(%dy: tensor<1x4x4x4xf32>, %x: tensor<1x4x8x8xf32>) {
  // CHECK: nn.max_pool_grad %{{.*}}, %{{.*}} {ceil_mode = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>
  // GENERIC: "nn.max_pool_grad"({{.*}}) {{.*}} : (tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %0 = nn.max_pool_grad %dy, %x {ceil_mode = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>
  // CHECK: nn.average_pool_grad %{{.*}} {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32> -> tensor<1x4x8x8xf32>
  %1 = nn.average_pool_grad %dy {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32> -> tensor<1x4x8x8xf32>
  // CHECK: nn.average_pool_grad %{{.*}} {{.*}} -> tensor<1x4x9x9xf32>
  %2 = nn.average_pool_grad %dy {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x4xf32> -> tensor<1x4x9x9xf32>
  return
}

// CHECK-LABEL: func.func @movement
func.func @movement(%dy: tensor<2x5x16xf32>, %ids: tensor<2x5xi64>,
                    %ds: tensor<4x3xf32>) {
  // CHECK: nn.gather_grad %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<2x5x16xf32>, tensor<2x5xi64> -> tensor<100x16xf32>
  %0 = nn.gather_grad %dy, %ids {axis = 0 : i64} : tensor<2x5x16xf32>, tensor<2x5xi64> -> tensor<100x16xf32>
  // CHECK: nn.slice_grad %{{.*}} {ends = array<i64: 8, 3>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : tensor<4x3xf32> -> tensor<8x3xf32>
  %1 = nn.slice_grad %ds {ends = array<i64: 8, 3>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : tensor<4x3xf32> -> tensor<8x3xf32>
  // CHECK: nn.slice_grad %{{.*}} {ends = array<i64: -1, 3>, starts = array<i64: 7, 0>, steps = array<i64: -2, 1>} : tensor<4x3xf32> -> tensor<8x3xf32>
  %2 = nn.slice_grad %ds {ends = array<i64: -1, 3>, starts = array<i64: 7, 0>, steps = array<i64: -2, 1>} : tensor<4x3xf32> -> tensor<8x3xf32>
  return
}
