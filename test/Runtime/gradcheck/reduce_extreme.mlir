// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// reduce_max and reduce_min over one axis, several and all, with and
// without keepdims, in f64. The random inputs have no ties (ties, where the
// gradient is shared, are checked against PyTorch in ../reduce_max_ties.test).

// CHECK: gradcheck: 2 tensors, f64
// CHECK-DAG: input x: 2x3x4xf64
// CHECK-DAG: param w: 3x4xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @w(dense<[[0.3, -1.2, 0.7, 2.1], [-0.4, 0.9, 1.3, -0.8], [0.5, 0.2, -1.1, 0.6]]> : tensor<3x4xf64>) : tensor<3x4xf64>
  func.func @forward(%x: tensor<2x3x4xf64> {onnx.name = "x"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %w = ml_program.global_load @w : tensor<3x4xf64>
    %xw = nn.mul %x, %w : tensor<2x3x4xf64>, tensor<3x4xf64> -> tensor<2x3x4xf64>
    %m1 = nn.reduce_max %xw {axes = array<i64: 1>} : tensor<2x3x4xf64> -> tensor<2x1x4xf64>
    %m2 = nn.reduce_min %xw {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x3x4xf64> -> tensor<3xf64>
    %m3 = nn.reduce_max %x {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x4xf64> -> tensor<f64>
    %m4 = nn.reduce_min %w {axes = array<i64: 1>, keepdims = false} : tensor<3x4xf64> -> tensor<3xf64>
    %q1 = nn.mul %m1, %m1 : tensor<2x1x4xf64>, tensor<2x1x4xf64> -> tensor<2x1x4xf64>
    %q2 = nn.mul %m2, %m4 : tensor<3xf64>, tensor<3xf64> -> tensor<3xf64>
    %s1 = nn.reduce_sum %q1 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x1x4xf64> -> tensor<f64>
    %s2 = nn.reduce_sum %q2 {axes = array<i64: 0>, keepdims = false} : tensor<3xf64> -> tensor<f64>
    %a = nn.add %s1, %s2 : tensor<f64>, tensor<f64> -> tensor<f64>
    %loss = nn.add %a, %m3 : tensor<f64>, tensor<f64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
