// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// matmul (1-d operands, batch axes that broadcast, a weight shared by a
// batch, a transposed weight) and gemm (alpha, beta, transA, transB, a C
// that broadcasts), in f64.

// CHECK: gradcheck: 7 tensors, f64
// CHECK-DAG: input v: 3xf64
// CHECK-DAG: input a: 2x1x4x3xf64
// CHECK-DAG: input m: 5x4xf64
// CHECK-DAG: param w: 3x5xf64
// CHECK-DAG: param u: 6x5xf64
// CHECK-DAG: param g: 4x5xf64
// CHECK-DAG: param c: 1x4xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @w(dense<0.5> : tensor<3x5xf64>) : tensor<3x5xf64>
  ml_program.global private mutable @u(dense<0.25> : tensor<6x5xf64>) : tensor<6x5xf64>
  ml_program.global private mutable @g(dense<-0.5> : tensor<4x5xf64>) : tensor<4x5xf64>
  ml_program.global private mutable @c(dense<1.0> : tensor<1x4xf64>) : tensor<1x4xf64>
  func.func @forward(%v: tensor<3xf64> {onnx.name = "v"}, %a: tensor<2x1x4x3xf64> {onnx.name = "a"}, %m: tensor<5x4xf64> {onnx.name = "m"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %w = ml_program.global_load @w : tensor<3x5xf64>
    %u = ml_program.global_load @u : tensor<6x5xf64>
    %g = ml_program.global_load @g : tensor<4x5xf64>
    %c = ml_program.global_load @c : tensor<1x4xf64>
    // [2,1,4,3] @ [3,5]: a weight shared by the batch.
    %0 = nn.matmul %a, %w : tensor<2x1x4x3xf64>, tensor<3x5xf64> -> tensor<2x1x4x5xf64>
    // [2,1,4,5] @ [3,5,4]: batch axes broadcast both ways.
    %r = nn.reshape %u : tensor<6x5xf64> -> tensor<3x5x2xf64>
    %r2 = nn.concat %r, %r {axis = 2 : i64} : tensor<3x5x2xf64>, tensor<3x5x2xf64> -> tensor<3x5x4xf64>
    %1 = nn.matmul %0, %r2 : tensor<2x1x4x5xf64>, tensor<3x5x4xf64> -> tensor<2x3x4x4xf64>
    // 1-d on the left and on the right.
    %2 = nn.matmul %v, %w : tensor<3xf64>, tensor<3x5xf64> -> tensor<5xf64>
    %mt = nn.transpose %m {perm = array<i64: 1, 0>} : tensor<5x4xf64> -> tensor<4x5xf64>
    %3 = nn.matmul %1, %mt : tensor<2x3x4x4xf64>, tensor<4x5xf64> -> tensor<2x3x4x5xf64>
    %4 = nn.matmul %3, %2 : tensor<2x3x4x5xf64>, tensor<5xf64> -> tensor<2x3x4xf64>
    // gemm with every option (0.5 * m^T @ g^T - 1.5 * c), then plain ones,
    // one of them on a transposed weight.
    %5 = nn.gemm %m, %g, %c {alpha = 0.5 : f32, beta = -1.5 : f32, transA = true, transB = true} : tensor<5x4xf64>, tensor<4x5xf64>, tensor<1x4xf64> -> tensor<4x4xf64>
    %6 = nn.gemm %5, %g {alpha = 2.0 : f32} : tensor<4x4xf64>, tensor<4x5xf64> -> tensor<4x5xf64>
    %t = nn.transpose %g {perm = array<i64: 1, 0>} : tensor<4x5xf64> -> tensor<5x4xf64>
    %7 = nn.gemm %6, %t : tensor<4x5xf64>, tensor<5x4xf64> -> tensor<4x4xf64>
    %k = nn.constant dense<[0.3, -1.2, 0.7, 2.1]> : tensor<4xf64>
    %8 = nn.mul %4, %k : tensor<2x3x4xf64>, tensor<4xf64> -> tensor<2x3x4xf64>
    %9 = nn.matmul %7, %k : tensor<4x4xf64>, tensor<4xf64> -> tensor<4xf64>
    %l0 = nn.reduce_sum %8 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x4xf64> -> tensor<f64>
    %l1 = nn.reduce_sum %9 {axes = array<i64: 0>, keepdims = false} : tensor<4xf64> -> tensor<f64>
    %loss = nn.add %l0, %l1 : tensor<f64>, tensor<f64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
