// RUN: split-file %s %t
// RUN: pp-opt %t/errors.mlir -split-input-file --pp-autodiff -verify-diagnostics -o /dev/null
// RUN: not pp-opt %t/node.mlir --pp-autodiff -o /dev/null 2>&1 | FileCheck %s --check-prefix=NODE
// RUN: not pp-opt %t/model.onnxtext --pp-attach-loss --pp-autodiff -o /dev/null 2>&1 | FileCheck %s --check-prefix=ONNX

// Through the importer, the diagnostic names the model and the node.
// ONNX: model.onnxtext: node #1: error: pp-autodiff: ONNX operator 'LpNormalization' (nn.onnx) of node #1 has no gradient rule
// ONNX-NOT: error

//--- errors.mlir

// An op without a gradient rule on a differentiable path is an error that
// names it (an nn.onnx op by its ONNX operator).
func.func @generic(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = nn.relu %x : tensor<2x5xf32>
  // expected-error @below {{pp-autodiff: ONNX operator 'Hardmax' (nn.onnx) has no gradient rule, but lies on a differentiable path from the inputs or parameters of @generic to its outputs}}
  %1 = nn.onnx "Hardmax"(%0) {onnx_attributes = {axis = 1 : i64}, opset = 17 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %2 = nn.exp %1 : tensor<2x5xf32>
  return %2 : tensor<2x5xf32>
}

// -----

// The path may start at a parameter as well as at an input, and any op
// without a rule counts, not only nn.onnx.
module {
  ml_program.global private mutable @w(dense<1.0> : tensor<4xf32>) : tensor<4xf32>
  func.func private @scale(tensor<4xf32>) -> tensor<4xf32>
  func.func @call(%x: tensor<4xi64>) -> tensor<4xf32> {
    %w = ml_program.global_load @w : tensor<4xf32>
    // expected-error @below {{pp-autodiff: 'func.call' has no gradient rule, but lies on a differentiable path from the inputs or parameters of @call to its outputs}}
    %0 = func.call @scale(%w) : (tensor<4xf32>) -> tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

// -----

// The functions autodiff adds must not exist yet.
module {
  // expected-error @below {{pp-autodiff: cannot add @f_backward_input: the module already has a symbol of that name}}
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  func.func @f_backward_input(%x: tensor<4xi64>) -> tensor<4xi64> {
    return %x : tensor<4xi64>
  }
}

//--- node.mlir

// Imported ops carry the ONNX node's name: the error names it.
func.func @forward(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = nn.onnx "Hardmax"(%x) {opset = 17 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32> loc("/head/Hardmax"("model.onnx":0:0))
  return %0 : tensor<2x5xf32>
}

// NODE: error: pp-autodiff: ONNX operator 'Hardmax' (nn.onnx) of node '/head/Hardmax' has no gradient rule

//--- model.onnxtext

# Through the importer: unnamed nodes go by their index.
<
  ir_version: 8,
  opset_import: ["" : 17]
>
agraph (float[2,5] X) => (float[2,5] Y) {
  S = Mul(X, X)
  C = LpNormalization <axis = 1, p = 2> (S)
  Y = Relu(C)
}
