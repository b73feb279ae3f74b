// RUN: pp-opt %s --pp-attach-loss=kind=output --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s
// RUN: pp-opt %s --pp-attach-loss="kind=output train-mode=false" --pp-autodiff --pp-export=%t.eval -o /dev/null
// RUN: pp-run %t.eval --gradcheck | FileCheck %s

// softmax, log_softmax, layer_norm with and without bias (one scale read
// twice), and batch_norm in training mode (first RUN) and in inference
// mode (second RUN), in f64. The running statistics are state: no
// gradient is checked for them.

// CHECK: gradcheck: 6 tensors, f64
// CHECK-DAG: input x: 2x3x4xf64
// CHECK-DAG: input img: 2x3x2x2xf64
// CHECK-DAG: param ln.scale: 4xf64
// CHECK-DAG: param ln.bias: 4xf64
// CHECK-DAG: param bn.scale: 3xf64
// CHECK-DAG: param bn.bias: 3xf64
// CHECK: gradcheck: passed

module {
  ml_program.global private mutable @ln.scale(dense<[1.0, 0.5, -0.5, 2.0]> : tensor<4xf64>) : tensor<4xf64>
  ml_program.global private mutable @ln.bias(dense<0.1> : tensor<4xf64>) : tensor<4xf64>
  ml_program.global private mutable @bn.scale(dense<[1.0, 0.5, 2.0]> : tensor<3xf64>) : tensor<3xf64>
  ml_program.global private mutable @bn.bias(dense<0.1> : tensor<3xf64>) : tensor<3xf64>
  ml_program.global private mutable @bn.mean(dense<[0.1, -0.2, 0.3]> : tensor<3xf64>) : tensor<3xf64>
  ml_program.global private mutable @bn.var(dense<[0.5, 1.5, 1.0]> : tensor<3xf64>) : tensor<3xf64>
  func.func @forward(%x: tensor<2x3x4xf64> {onnx.name = "x"}, %img: tensor<2x3x2x2xf64> {onnx.name = "img"}) -> (tensor<f64> {onnx.name = "loss"}) {
    %s = ml_program.global_load @ln.scale : tensor<4xf64>
    %b = ml_program.global_load @ln.bias : tensor<4xf64>
    %0 = nn.layer_norm %x, %s, %b {axis = 2 : i64, epsilon = 1.0e-3 : f32} : tensor<2x3x4xf64>, tensor<4xf64>, tensor<4xf64>
    %1 = nn.layer_norm %0, %s {axis = 1 : i64} : tensor<2x3x4xf64>, tensor<4xf64>
    %2 = nn.softmax %1 {axis = 2 : i64} : tensor<2x3x4xf64>
    %3 = nn.log_softmax %2 {axis = 1 : i64} : tensor<2x3x4xf64>
    %k = nn.constant dense<[0.3, -1.2, 0.7, 2.1]> : tensor<4xf64>
    %4 = nn.mul %3, %k : tensor<2x3x4xf64>, tensor<4xf64> -> tensor<2x3x4xf64>
    %l0 = nn.reduce_sum %4 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x4xf64> -> tensor<f64>
    %bs = ml_program.global_load @bn.scale : tensor<3xf64>
    %bb = ml_program.global_load @bn.bias : tensor<3xf64>
    %bm = ml_program.global_load @bn.mean : tensor<3xf64>
    %bv = ml_program.global_load @bn.var : tensor<3xf64>
    %5 = nn.batch_norm %img, %bs, %bb, %bm, %bv : tensor<2x3x2x2xf64>, tensor<3xf64>, tensor<3xf64>, tensor<3xf64>, tensor<3xf64>
    %kk = nn.constant dense<[[0.3, -1.2], [0.7, 2.1]]> : tensor<2x2xf64>
    %6 = nn.mul %5, %kk : tensor<2x3x2x2xf64>, tensor<2x2xf64> -> tensor<2x3x2x2xf64>
    %7 = nn.mul %6, %5 : tensor<2x3x2x2xf64>, tensor<2x3x2x2xf64> -> tensor<2x3x2x2xf64>
    %l1 = nn.reduce_sum %7 {axes = array<i64: 0, 1, 2, 3>, keepdims = false} : tensor<2x3x2x2xf64> -> tensor<f64>
    %loss = nn.add %l0, %l1 : tensor<f64>, tensor<f64> -> tensor<f64>
    return %loss : tensor<f64>
  }
}
