// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// pad in every mode (reflect and wrap further than the axis is long, so
// that an element feeds several outputs; negative pads crop), tile, trilu
// (upper and lower, batched) and cumsum (inclusive, exclusive, reverse), in
// f64. Each result is squared and summed, so that every gradient depends
// on the values.

// CHECK: gradcheck: 2 tensors, f64
// CHECK-DAG: input x: 2x3x4xf64
// CHECK-DAG: param w: 3x4xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @w(dense<[[0.3, -1.2, 0.7, 2.1], [-0.4, 0.9, 1.3, -0.8], [0.5, 0.2, -1.1, 0.6]]> : tensor<3x4xf64>) : tensor<3x4xf64>
  func.func @forward(%x: tensor<2x3x4xf64> {onnx.name = "x"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %w = ml_program.global_load @w : tensor<3x4xf64>
    %p1 = nn.pad %x {mode = "reflect", pads = array<i64: 0, 1, 5, 0, 2, 3>} : tensor<2x3x4xf64> -> tensor<2x6x12xf64>
    %p2 = nn.pad %x {mode = "edge", pads = array<i64: 1, 0, -1, 0, 2, 1>} : tensor<2x3x4xf64> -> tensor<3x5x4xf64>
    %p3 = nn.pad %x {mode = "wrap", pads = array<i64: 0, -1, 5, 0, 0, 1>} : tensor<2x3x4xf64> -> tensor<2x2x10xf64>
    %p4 = nn.pad %x {pads = array<i64: 0, 1, -1, 1, -1, 2>, value = 5.000000e-01 : f64} : tensor<2x3x4xf64> -> tensor<3x3x5xf64>
    %t1 = nn.tile %w {repeats = array<i64: 2, 3>} : tensor<3x4xf64> -> tensor<6x12xf64>
    %t2 = nn.tile %x {repeats = array<i64: 1, 2, 1>} : tensor<2x3x4xf64> -> tensor<2x6x4xf64>
    %u1 = nn.trilu %x {k = 1 : i64} : tensor<2x3x4xf64>
    %u2 = nn.trilu %x {k = -1 : i64, upper = false} : tensor<2x3x4xf64>
    %c1 = nn.cumsum %x {axis = 2 : i64} : tensor<2x3x4xf64>
    %c2 = nn.cumsum %x {axis = 1 : i64, exclusive = true} : tensor<2x3x4xf64>
    %c3 = nn.cumsum %x {axis = 0 : i64, reverse = true} : tensor<2x3x4xf64>
    %c4 = nn.cumsum %w {axis = 1 : i64, exclusive = true, reverse = true} : tensor<3x4xf64>
    %q1 = nn.mul %p1, %p1 : tensor<2x6x12xf64>, tensor<2x6x12xf64> -> tensor<2x6x12xf64>
    %q2 = nn.mul %p2, %p2 : tensor<3x5x4xf64>, tensor<3x5x4xf64> -> tensor<3x5x4xf64>
    %q3 = nn.mul %p3, %p3 : tensor<2x2x10xf64>, tensor<2x2x10xf64> -> tensor<2x2x10xf64>
    %q4 = nn.mul %p4, %p4 : tensor<3x3x5xf64>, tensor<3x3x5xf64> -> tensor<3x3x5xf64>
    %q5 = nn.mul %t1, %t1 : tensor<6x12xf64>, tensor<6x12xf64> -> tensor<6x12xf64>
    %q6 = nn.mul %t2, %t2 : tensor<2x6x4xf64>, tensor<2x6x4xf64> -> tensor<2x6x4xf64>
    %q7 = nn.mul %u1, %u2 : tensor<2x3x4xf64>, tensor<2x3x4xf64> -> tensor<2x3x4xf64>
    %q8 = nn.mul %u1, %c1 : tensor<2x3x4xf64>, tensor<2x3x4xf64> -> tensor<2x3x4xf64>
    %q9 = nn.mul %c2, %c3 : tensor<2x3x4xf64>, tensor<2x3x4xf64> -> tensor<2x3x4xf64>
    %q10 = nn.mul %c4, %c4 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s1 = nn.reduce_sum %q1 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x6x12xf64> -> tensor<f64>
    %s2 = nn.reduce_sum %q2 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<3x5x4xf64> -> tensor<f64>
    %s3 = nn.reduce_sum %q3 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x2x10xf64> -> tensor<f64>
    %s4 = nn.reduce_sum %q4 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<3x3x5xf64> -> tensor<f64>
    %s5 = nn.reduce_sum %q5 {axes = array<i64: 0, 1>, keepdims = false} : tensor<6x12xf64> -> tensor<f64>
    %s6 = nn.reduce_sum %q6 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x6x4xf64> -> tensor<f64>
    %s7 = nn.reduce_sum %q7 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x4xf64> -> tensor<f64>
    %s8 = nn.reduce_sum %q8 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x4xf64> -> tensor<f64>
    %s9 = nn.reduce_sum %q9 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x4xf64> -> tensor<f64>
    %s10 = nn.reduce_sum %q10 {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x4xf64> -> tensor<f64>
    %a1 = nn.add %s1, %s2 : tensor<f64>, tensor<f64> -> tensor<f64>
    %a2 = nn.add %a1, %s3 : tensor<f64>, tensor<f64> -> tensor<f64>
    %a3 = nn.add %a2, %s4 : tensor<f64>, tensor<f64> -> tensor<f64>
    %a4 = nn.add %a3, %s5 : tensor<f64>, tensor<f64> -> tensor<f64>
    %a5 = nn.add %a4, %s6 : tensor<f64>, tensor<f64> -> tensor<f64>
    %a6 = nn.add %a5, %s7 : tensor<f64>, tensor<f64> -> tensor<f64>
    %a7 = nn.add %a6, %s8 : tensor<f64>, tensor<f64> -> tensor<f64>
    %a8 = nn.add %a7, %s9 : tensor<f64>, tensor<f64> -> tensor<f64>
    %loss = nn.add %a8, %s10 : tensor<f64>, tensor<f64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
