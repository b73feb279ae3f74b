// RUN: pp-opt %s --pp-attach-loss --pp-autodiff --pp-export=%t -o /dev/null
// RUN: pp-run %t --gradcheck | FileCheck %s
// RUN: pp-opt %s --pp-attach-loss="ignore-index=1" --pp-autodiff --pp-export=%t.ignore -o /dev/null
// RUN: pp-run %t.ignore --gradcheck | FileCheck %s
// RUN: pp-opt %s --pp-attach-loss=kind=mse --pp-autodiff --pp-export=%t.mse -o /dev/null
// RUN: pp-run %t.mse --gradcheck | FileCheck %s --check-prefix=MSE

// The losses pp-attach-loss attaches, in f64: cross-entropy over 3-d
// logits (random labels in [0, 5); with ignore-index, positions labelled 1
// are left out) and MSE.

// CHECK: gradcheck: 2 tensors, f64
// CHECK-DAG: input x: 2x3x5xf64
// CHECK-DAG: param w: 5x5xf64
// CHECK: gradcheck: passed

// MSE's labels are a float input: their gradient is checked too.
// MSE: gradcheck: 3 tensors, f64
// MSE-DAG: input x: 2x3x5xf64
// MSE-DAG: input labels: 2x3x5xf64
// MSE-DAG: param w: 5x5xf64
// MSE: gradcheck: passed

module {
  ml_program.global private mutable @w(dense<0.5> : tensor<5x5xf64>) : tensor<5x5xf64>
  func.func @forward(%x: tensor<2x3x5xf64> {onnx.name = "x"}) -> (tensor<2x3x5xf64> {onnx.name = "logits"}) {
    %w = ml_program.global_load @w : tensor<5x5xf64>
    %0 = nn.matmul %x, %w : tensor<2x3x5xf64>, tensor<5x5xf64> -> tensor<2x3x5xf64>
    return %0 : tensor<2x3x5xf64>
  }
}
