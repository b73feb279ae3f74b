// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// split (a piece left unused), concat, slice (a negative step), transpose,
// unsqueeze, squeeze, flatten, reshape, gather (repeated indices; the
// indices carry no gradient) and expand, in f64. The parameter is read
// three times (tied weights): once directly, by a gather, and transposed.

// CHECK: gradcheck: 3 tensors, f64
// CHECK-DAG: input x: 2x6xf64
// CHECK-DAG: input y: 2x3xf64
// CHECK-DAG: param table: 5x2xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @table(dense<0.5> : tensor<5x2xf64>) : tensor<5x2xf64>
  func.func @forward(%x: tensor<2x6xf64> {onnx.name = "x"}, %y: tensor<2x3xf64> {onnx.name = "y"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %table = ml_program.global_load @table : tensor<5x2xf64>
    %0:3 = nn.split %x {axis = 1 : i64, sizes = array<i64: 2, 1, 3>} : tensor<2x6xf64> -> tensor<2x2xf64>, tensor<2x1xf64>, tensor<2x3xf64>
    %1 = nn.concat %0#0, %y {axis = 1 : i64} : tensor<2x2xf64>, tensor<2x3xf64> -> tensor<2x5xf64>
    %2 = nn.slice %1 {starts = array<i64: 0, 4>, ends = array<i64: 2, 0>, steps = array<i64: 1, -2>} : tensor<2x5xf64> -> tensor<2x2xf64>
    %3 = nn.transpose %2 {perm = array<i64: 1, 0>} : tensor<2x2xf64> -> tensor<2x2xf64>
    %4 = nn.concat %3, %0#2 {axis = 1 : i64} : tensor<2x2xf64>, tensor<2x3xf64> -> tensor<2x5xf64>
    %5 = nn.unsqueeze %4 {axes = array<i64: 0>} : tensor<2x5xf64> -> tensor<1x2x5xf64>
    %6 = nn.flatten %5 {axis = 2 : i64} : tensor<1x2x5xf64> -> tensor<2x5xf64>
    %7 = nn.reshape %6 : tensor<2x5xf64> -> tensor<5x2xf64>
    %8 = nn.mul %7, %table : tensor<5x2xf64>, tensor<5x2xf64> -> tensor<5x2xf64>
    %ids = nn.constant dense<[4, 0, 4, 2]> : tensor<4xi64>
    %9 = nn.gather %8, %ids {axis = 0 : i64} : tensor<5x2xf64>, tensor<4xi64> -> tensor<4x2xf64>
    %cols = nn.constant dense<[1, 0, 1, 1]> : tensor<4xi64>
    %10 = nn.gather %table, %cols {axis = 1 : i64} : tensor<5x2xf64>, tensor<4xi64> -> tensor<5x4xf64>
    %11 = nn.unsqueeze %9 {axes = array<i64: 2, 3>} : tensor<4x2xf64> -> tensor<4x2x1x1xf64>
    %12 = nn.squeeze %11 {axes = array<i64: 3>} : tensor<4x2x1x1xf64> -> tensor<4x2x1xf64>
    %13 = nn.expand %12 : tensor<4x2x1xf64> -> tensor<4x2x3xf64>
    %k = nn.constant dense<[[0.3, -1.2, 0.7], [2.1, -0.4, 0.9]]> : tensor<2x3xf64>
    %14 = nn.mul %13, %k : tensor<4x2x3xf64>, tensor<2x3xf64> -> tensor<4x2x3xf64>
    %15 = nn.mul %14, %14 : tensor<4x2x3xf64>, tensor<4x2x3xf64> -> tensor<4x2x3xf64>
    %16 = nn.mul %10, %10 : tensor<5x4xf64>, tensor<5x4xf64> -> tensor<5x4xf64>
    // The table again, transposed, as a tied output projection.
    %tt = nn.transpose %table {perm = array<i64: 1, 0>} : tensor<5x2xf64> -> tensor<2x5xf64>
    %17 = nn.matmul %9, %tt : tensor<4x2xf64>, tensor<2x5xf64> -> tensor<4x5xf64>
    %18 = nn.log_softmax %17 {axis = 1 : i64} : tensor<4x5xf64>
    %k5 = nn.constant dense<[0.3, -1.2, 0.7, 2.1, -0.4]> : tensor<5xf64>
    %19 = nn.mul %18, %k5 : tensor<4x5xf64>, tensor<5xf64> -> tensor<4x5xf64>
    %l0 = nn.reduce_sum %15 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<4x2x3xf64> -> tensor<f64>
    %l1 = nn.reduce_sum %16 {axes = array<i64: 0, 1>, keepdims = false} : tensor<5x4xf64> -> tensor<f64>
    %l2 = nn.reduce_sum %19 {axes = array<i64: 0, 1>, keepdims = false} : tensor<4x5xf64> -> tensor<f64>
    %l01 = nn.add %l0, %l1 : tensor<f64>, tensor<f64> -> tensor<f64>
    %loss = nn.add %l01, %l2 : tensor<f64>, tensor<f64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
