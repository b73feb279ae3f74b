// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// The rules of abs, sin, cos, reciprocal, softplus, hard_sigmoid and
// hard_swish, checked against central differences in f64; floor, ceil and
// sign lie on the path with their zero gradient. The inputs (uniform in
// [-1, 1)) are scaled by 5 so that hard_sigmoid and hard_swish meet each of
// their pieces; the loss weighs each result by fixed distinct factors.

// CHECK: gradcheck: 3 tensors, f64
// CHECK-DAG: input x: 3x4xf64
// CHECK-DAG: input y: 3x4xf64
// CHECK-DAG: param b: 4xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @b(dense<[0.1, -0.2, 0.3, 0.4]> : tensor<4xf64>) : tensor<4xf64>
  ml_program.global private @k(dense<[[0.3, -1.2, 0.7, 2.1], [-0.4, 0.9, 1.3, -2.2], [1.1, 0.2, -0.8, 0.6]]> : tensor<3x4xf64>) : tensor<3x4xf64>
  func.func @forward(%x: tensor<3x4xf64> {onnx.name = "x"}, %y: tensor<3x4xf64> {onnx.name = "y"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %b = ml_program.global_load @b : tensor<4xf64>
    %k = ml_program.global_load @k : tensor<3x4xf64>
    %five = nn.constant dense<5.0> : tensor<f64>
    %two = nn.constant dense<2.0> : tensor<f64>
    %x5 = nn.mul %x, %five : tensor<3x4xf64>, tensor<f64> -> tensor<3x4xf64>
    %xb = nn.add %x5, %b : tensor<3x4xf64>, tensor<4xf64> -> tensor<3x4xf64>
    %0 = nn.abs %xb : tensor<3x4xf64>
    %1 = nn.sin %xb : tensor<3x4xf64>
    %2 = nn.cos %x5 : tensor<3x4xf64>
    // 1 / (y + 2), y + 2 in [1, 3)
    %y2 = nn.add %y, %two : tensor<3x4xf64>, tensor<f64> -> tensor<3x4xf64>
    %3 = nn.reciprocal %y2 : tensor<3x4xf64>
    %4 = nn.softplus %xb : tensor<3x4xf64>
    // PyTorch's nn.Hardsigmoid export, and ONNX's default alpha and beta
    %5 = nn.hard_sigmoid %xb {alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32} : tensor<3x4xf64>
    %6 = nn.hard_sigmoid %y2 {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32} : tensor<3x4xf64>
    %7 = nn.hard_swish %xb : tensor<3x4xf64>
    // zero gradients
    %8 = nn.floor %xb : tensor<3x4xf64>
    %9 = nn.ceil %x5 : tensor<3x4xf64>
    %10 = nn.sign %xb : tensor<3x4xf64>
    %s0 = nn.add %0, %1 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s1 = nn.add %s0, %2 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s2 = nn.add %s1, %3 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s3 = nn.add %s2, %4 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s4 = nn.add %s3, %5 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s5 = nn.add %s4, %6 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s6 = nn.add %s5, %7 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s7 = nn.add %s6, %8 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s8 = nn.add %s7, %9 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s9 = nn.add %s8, %10 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %w = nn.mul %s9, %k : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %loss = nn.reduce_sum %w {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x4xf64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
