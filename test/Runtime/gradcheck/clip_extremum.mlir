// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s

// The rules of clip (both bounds, one bound), max and min (broadcast
// operands, whose gradients are summed back to their shapes) and fmod
// (both operands), checked against central differences in f64. The random
// inputs make ties and values on the bounds improbable: these are where the
// functions have no derivative (the kernel tests cover PyTorch's choices).

// CHECK: gradcheck: 4 tensors, f64
// CHECK-DAG: input x: 3x4xf64
// CHECK-DAG: input y: 3x4xf64
// CHECK-DAG: param b: 4xf64
// CHECK-DAG: param c: 3x1xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @b(dense<[0.1, -0.2, 0.3, 0.4]> : tensor<4xf64>) : tensor<4xf64>
  ml_program.global private mutable @c(dense<[[0.5], [-0.25], [0.75]]> : tensor<3x1xf64>) : tensor<3x1xf64>
  ml_program.global private @k(dense<[[0.3, -1.2, 0.7, 2.1], [-0.4, 0.9, 1.3, -2.2], [1.1, 0.2, -0.8, 0.6]]> : tensor<3x4xf64>) : tensor<3x4xf64>
  func.func @forward(%x: tensor<3x4xf64> {onnx.name = "x"}, %y: tensor<3x4xf64> {onnx.name = "y"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %b = ml_program.global_load @b : tensor<4xf64>
    %c = ml_program.global_load @c : tensor<3x1xf64>
    %k = ml_program.global_load @k : tensor<3x4xf64>
    %two = nn.constant dense<2.0> : tensor<f64>
    %five = nn.constant dense<5.0> : tensor<f64>
    %0 = nn.clip %x {min = -5.000000e-01 : f64, max = 3.000000e-01 : f64} : tensor<3x4xf64>
    %1 = nn.clip %y {min = 0.000000e+00 : f64} : tensor<3x4xf64>
    %2 = nn.clip %y {max = -2.000000e-01 : f64} : tensor<3x4xf64>
    // operands of three shapes
    %3 = nn.max %x, %b : tensor<3x4xf64>, tensor<4xf64> -> tensor<3x4xf64>
    %4 = nn.min %c, %y : tensor<3x1xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %5 = nn.max %b, %c : tensor<4xf64>, tensor<3x1xf64> -> tensor<3x4xf64>
    // fmod(5x, y + 2): the dividend in [-5, 5), the divisor in [1, 3)
    %x5 = nn.mul %x, %five : tensor<3x4xf64>, tensor<f64> -> tensor<3x4xf64>
    %y2 = nn.add %y, %two : tensor<3x4xf64>, tensor<f64> -> tensor<3x4xf64>
    %6 = nn.mod %x5, %y2 {fmod = true} : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s0 = nn.add %0, %1 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s1 = nn.add %s0, %2 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s2 = nn.add %s1, %3 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s3 = nn.add %s2, %4 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s4 = nn.add %s3, %5 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %s5 = nn.add %s4, %6 : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %w = nn.mul %s5, %k : tensor<3x4xf64>, tensor<3x4xf64> -> tensor<3x4xf64>
    %loss = nn.reduce_sum %w {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x4xf64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
