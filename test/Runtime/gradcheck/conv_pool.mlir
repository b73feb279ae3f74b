// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// conv (groups, dilations, strides, asymmetric pads, bias; and one without
// bias), max_pool (overlapping windows, ceil_mode), average_pool (with and
// without count_include_pad) and global_average_pool, in f64.

// CHECK: gradcheck: 4 tensors, f64
// CHECK-DAG: input x: 1x4x7x7xf64
// CHECK-DAG: param w: 6x2x3x3xf64
// CHECK-DAG: param b: 6xf64
// CHECK-DAG: param v: 2x6x1x2xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @w(dense<0.1> : tensor<6x2x3x3xf64>) : tensor<6x2x3x3xf64>
  ml_program.global private mutable @b(dense<0.2> : tensor<6xf64>) : tensor<6xf64>
  ml_program.global private mutable @v(dense<0.3> : tensor<2x6x1x2xf64>) : tensor<2x6x1x2xf64>
  func.func @forward(%x: tensor<1x4x7x7xf64> {onnx.name = "x"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %w = ml_program.global_load @w : tensor<6x2x3x3xf64>
    %b = ml_program.global_load @b : tensor<6xf64>
    %v = ml_program.global_load @v : tensor<2x6x1x2xf64>
    %0 = nn.conv %x, %w, %b {dilations = array<i64: 2, 1>, group = 2 : i64, pads = array<i64: 1, 0, 2, 1>, strides = array<i64: 1, 2>} : tensor<1x4x7x7xf64>, tensor<6x2x3x3xf64>, tensor<6xf64> -> tensor<1x6x6x3xf64>
    %1 = nn.max_pool %0 {ceil_mode = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 1>} : tensor<1x6x6x3xf64> -> tensor<1x6x3x2xf64>
    %2 = nn.conv %1, %v {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x6x3x2xf64>, tensor<2x6x1x2xf64> -> tensor<1x2x3x1xf64>
    %3 = nn.average_pool %0 {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 1>} : tensor<1x6x6x3xf64> -> tensor<1x6x3x3xf64>
    %4 = nn.average_pool %3 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x6x3x3xf64> -> tensor<1x6x4x4xf64>
    %5 = nn.global_average_pool %4 : tensor<1x6x4x4xf64> -> tensor<1x6x1x1xf64>
    %k = nn.constant dense<[[[0.3], [-1.2], [0.7]], [[2.1], [-0.4], [0.9]]]> : tensor<2x3x1xf64>
    %6 = nn.mul %2, %k : tensor<1x2x3x1xf64>, tensor<2x3x1xf64> -> tensor<1x2x3x1xf64>
    %k6 = nn.constant dense<[[[1.3]], [[-2.2]], [[1.1]], [[0.2]], [[-0.8]], [[0.6]]]> : tensor<6x1x1xf64>
    %7 = nn.mul %5, %k6 : tensor<1x6x1x1xf64>, tensor<6x1x1xf64> -> tensor<1x6x1x1xf64>
    %l0 = nn.reduce_sum %6 {axes = array<i64: 0, 1, 2, 3>, keepdims = false} : tensor<1x2x3x1xf64> -> tensor<f64>
    %l1 = nn.reduce_sum %7 {axes = array<i64: 0, 1, 2, 3>, keepdims = false} : tensor<1x6x1x1xf64> -> tensor<f64>
    %loss = nn.add %l0, %l1 : tensor<f64>, tensor<f64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
