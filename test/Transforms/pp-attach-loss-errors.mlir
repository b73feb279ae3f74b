// RUN: pp-opt %s -split-input-file --pp-attach-loss -verify-diagnostics -o /dev/null
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="kind=hinge" -o /dev/null 2>&1 | FileCheck %s --check-prefix=KIND
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="output=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=INDEX
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="kind=output" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCALAR
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="kind=mse" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MSE
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="kind=mse ignore-index=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=IGNORE
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="ignore-index=0,1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=IGNORE2
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="labels=" -o /dev/null 2>&1 | FileCheck %s --check-prefix=LABELS
// RUN: not pp-opt %s -split-input-file --pp-attach-loss="frozen=[b" -o /dev/null 2>&1 | FileCheck %s --check-prefix=GLOB

// Option errors are named with the options' spelling.
// KIND: for the --kind option: Cannot find option named 'hinge'!
// IGNORE: error: pp-attach-loss: ignore-index applies to kind=cross-entropy only, not kind=mse
// IGNORE2: error: pp-attach-loss: ignore-index takes one label value, but 2 were given
// LABELS: error: pp-attach-loss: labels must name the labels argument; it is empty
// GLOB: error: pp-attach-loss: frozen='[b' is not a valid pattern: invalid glob pattern, unmatched '['

// expected-error @below {{pp-attach-loss: the module has no function @forward with a body}}
module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// Cross-entropy needs float logits of rank >= 1.
// expected-error @below {{pp-attach-loss: kind=cross-entropy needs float logits with the classes on the last axis, but output 0 ('ids') is 'tensor<4xi64>'}}
func.func @forward(%x: tensor<4xi64>) -> (tensor<4xi64> {onnx.name = "ids"}) {
  return %x : tensor<4xi64>
}

// The output index must name a result.
// INDEX: error: pp-attach-loss: output=3 but @forward has 1 result(s)

// MSE needs a float output too.
// MSE: error: pp-attach-loss: kind=mse needs a float output, but output 0 ('ids') is 'tensor<4xi64>'

// -----

// expected-error @below {{pp-attach-loss: kind=cross-entropy needs float logits with the classes on the last axis, but output 0 is 'tensor<f32>'}}
func.func @forward(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}

// -----

// Declared labels must have the logits' shape without the classes.
// expected-error @below {{pp-attach-loss: argument 'labels' of @forward has type 'tensor<2x5xi64>', but kind=cross-entropy on output 0 ('logits') needs integer labels of type 'tensor<2xi64>' (any integer element type)}}
func.func @forward(%x: tensor<2x5xf32>, %labels: tensor<2x5xi64> {onnx.name = "labels"}) -> (tensor<2x5xf32> {onnx.name = "logits"}) {
  return %x : tensor<2x5xf32>
}

// With kind=mse they must have the output's type.
// MSE: error: pp-attach-loss: argument 'labels' of @forward has type 'tensor<2x5xi64>', but kind=mse on output 0 ('logits') needs labels of the output's type 'tensor<2x5xf32>'

// kind=output needs the loss itself.
// SCALAR: error: pp-attach-loss: kind=output needs a scalar (0-d) float loss, but output 0 ('logits') is 'tensor<2x5xf32>'

// -----

// ... and integer elements.
// expected-error @below {{pp-attach-loss: argument 'labels' of @forward has type 'tensor<2xf32>', but kind=cross-entropy on output 0 needs integer labels of type 'tensor<2xi64>' (any integer element type)}}
func.func @forward(%x: tensor<2x5xf32>, %labels: tensor<2xf32> {onnx.name = "labels"}) -> tensor<2x5xf32> {
  return %x : tensor<2x5xf32>
}

// -----

// The loss goes on before autodiff.
// expected-error @below {{pp-attach-loss: @forward is already differentiated (it has 'pp.role'); attach the loss before pp-autodiff}}
func.func @forward(%x: tensor<2x5xf32>) -> tensor<2x5xf32> attributes {pp.role = "forward"} {
  return %x : tensor<2x5xf32>
}
