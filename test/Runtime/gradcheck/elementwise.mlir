// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// Every elementwise rule, checked against central differences in f64. The
// loss weighs each result by fixed distinct factors, so that a gradient
// that is wrong only up to a permutation or a constant does not pass.

// CHECK: gradcheck: 4 tensors, f64
// CHECK-DAG: input x: 3x4xf64
// CHECK-DAG: input y: 3x4xf64
// CHECK-DAG: param b: 4xf64
// CHECK-DAG: param e: 3x1xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @b(dense<[0.1, -0.2, 0.3, 0.4]> : tensor<4xf64>) : tensor<4xf64>
  ml_program.global private mutable @e(dense<[[1.5], [2.0], [0.5]]> : tensor<3x1xf64>) : tensor<3x1xf64>
  ml_program.global private @k(dense<[[0.3, -1.2, 0.7, 2.1], [-0.4, 0.9, 1.3, -2.2], [1.1, 0.2, -0.8, 0.6]]> : tensor<3x4xf64>) : tensor<3x4xf64>
  func.func @forward(%x: tensor<3x4xf64> {onnx.name = "x"}, %y: tensor<3x4xf64> {onnx.name = "y"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %b = ml_program.global_load @b : tensor<4xf64>
    %e = ml_program.global_load @e : tensor<3x1xf64>
    %k = ml_program.global_load @k : tensor<3x4xf64>
    %one = nn.constant dense<1.0> : tensor<f64>
    // add with broadcasting, sub, mul (x twice), div by a positive value
    %0 = nn.add %x, %b : tensor<3x4xf64>, tensor<4xf64> -> tensor<3x4xf64>
    %1 = nn.sub %0, %y : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %2 = nn.mul %1, %x : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %3 = nn.mul %x, %x : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %4 = nn.add %3, %one : tensor<3x4xf64>, tensor<f64> -> tensor<3x4xf64>
    %5 = nn.div %2, %4 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    // pow with a float exponent (a parameter) and an integer one
    %6 = nn.pow %4, %e : tensor<3x4xf64>, tensor<3x1xf64> -> tensor<3x4xf64>
    %three = nn.constant dense<3> : tensor<i64>
    %7 = nn.pow %5, %three : tensor<3x4xf64>, tensor<i64> -> tensor<3x4xf64>
    // unary functions, on positive arguments where they need them
    %8 = nn.sqrt %4 : tensor<3x4xf64>
    %9 = nn.log %4 : tensor<3x4xf64>
    %10 = nn.erf %y : tensor<3x4xf64>
    %11 = nn.tanh %1 : tensor<3x4xf64>
    %12 = nn.relu %1 : tensor<3x4xf64>
    %13 = nn.sigmoid %2 : tensor<3x4xf64>
    %14 = nn.neg %13 : tensor<3x4xf64>
    %15 = nn.exp %14 : tensor<3x4xf64>
    %16 = nn.gelu %1 : tensor<3x4xf64>
    %17 = nn.gelu %y {approximate = #nn<approximate tanh>} : tensor<3x4xf64>
    // where and training-mode dropout
    %c = nn.greater %x, %y : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xi1>
    %18 = nn.where %c, %6, %b : tensor<3x4xi1>, tensor<3x4xf64>, tensor<4xf64> -> tensor<3x4xf64>
    %19:2 = nn.dropout %18 {ratio = 0.5 : f32} : tensor<3x4xf64>
    %s0 = nn.add %7, %8 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s1 = nn.add %s0, %9 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s2 = nn.add %s1, %10 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s3 = nn.add %s2, %11 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s4 = nn.add %s3, %12 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s5 = nn.add %s4, %15 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s6 = nn.add %s5, %16 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s7 = nn.add %s6, %17 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s8 = nn.add %s7, %19#0 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %w = nn.mul %s8, %k : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %loss = nn.reduce_sum %w {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x4xf64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
