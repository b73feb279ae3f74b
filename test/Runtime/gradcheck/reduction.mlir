// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// reduce_sum and reduce_mean, keeping and dropping the reduced axes, in
// f64.

// CHECK: gradcheck: 2 tensors, f64
// CHECK-DAG: input x: 2x3x4xf64
// CHECK-DAG: param p: 3x1xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @p(dense<[[1.0], [2.0], [3.0]]> : tensor<3x1xf64>) : tensor<3x1xf64>
  func.func @forward(%x: tensor<2x3x4xf64> {onnx.name = "x"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %p = ml_program.global_load @p : tensor<3x1xf64>
    %0 = nn.mul %x, %p : tensor<2x3x4xf64>, tensor<3x1xf64> -> tensor<2x3x4xf64>
    %1 = nn.mul %0, %0 : tensor<2x3x4xf64>, tensor<2x3x4xf64> -> tensor<2x3x4xf64>
    %2 = nn.reduce_sum %1 {axes = array<i64: 2>} : tensor<2x3x4xf64> -> tensor<2x3x1xf64>
    %3 = nn.reduce_mean %2 {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x3x1xf64> -> tensor<3xf64>
    %4 = nn.reduce_mean %0 {axes = array<i64: 1>} : tensor<2x3x4xf64> -> tensor<2x1x4xf64>
    %5 = nn.mul %4, %4 : tensor<2x1x4xf64>, tensor<2x1x4xf64> -> tensor<2x1x4xf64>
    %6 = nn.reduce_sum %5 {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x1x4xf64> -> tensor<4xf64>
    %k3 = nn.constant dense<[0.3, -1.2, 0.7]> : tensor<3xf64>
    %k4 = nn.constant dense<[1.1, 0.2, -0.8, 0.6]> : tensor<4xf64>
    %7 = nn.mul %3, %k3 : tensor<3xf64>, tensor<3xf64> -> tensor<3xf64>
    %8 = nn.mul %6, %k4 : tensor<4xf64>, tensor<4xf64> -> tensor<4xf64>
    %l0 = nn.reduce_sum %7 {axes = array<i64: 0>, keepdims = false} : tensor<3xf64> -> tensor<f64>
    %l1 = nn.reduce_sum %8 {axes = array<i64: 0>, keepdims = false} : tensor<4xf64> -> tensor<f64>
    %loss = nn.add %l0, %l1 : tensor<f64>, tensor<f64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
