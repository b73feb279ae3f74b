// RUN: pp-opt %s -split-input-file --pp-autodiff | FileCheck %s

// Roles and ports of the three functions. B propagates through the
// activations and hands W the gradient of the gemm's result; W computes the
// parameter gradients. The weight is reloaded in B rather than saved; the
// activations B and W read are saved once each, and each backward function
// takes only those it reads. @unused is on no path: it gets no gradient.

module {
  ml_program.global private mutable @w(dense<0.5> : tensor<4x3xf32>) : tensor<4x3xf32>
  ml_program.global private mutable @b(dense<0.0> : tensor<4xf32>) : tensor<4xf32>
  ml_program.global private mutable @unused(dense<0.0> : tensor<4xf32>) : tensor<4xf32>
  func.func @forward(%x: tensor<2x3xf32> {onnx.name = "x"}, %labels: tensor<2xi64> {onnx.name = "labels"}) -> (tensor<f32> {onnx.name = "loss"}) {
    %w = ml_program.global_load @w : tensor<4x3xf32>
    %b = ml_program.global_load @b : tensor<4xf32>
    %u = ml_program.global_load @unused : tensor<4xf32>
    %0 = nn.gemm %x, %w, %b {transB = true} : tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32> -> tensor<2x4xf32>
    %1 = nn.relu %0 : tensor<2x4xf32>
    %2 = nn.softmax_cross_entropy %1, %labels : tensor<2x4xf32>, tensor<2xi64> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:    %[[X:.+]]: tensor<2x3xf32> {onnx.name = "x", pp.key = "x", pp.role = "input"},
// CHECK-SAME:    %[[LABELS:.+]]: tensor<2xi64> {onnx.name = "labels", pp.key = "labels", pp.role = "input"})
// CHECK-SAME:    -> (tensor<f32> {onnx.name = "loss", pp.key = "loss", pp.role = "output"},
// CHECK-SAME:    tensor<2xi64> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "s2", pp.role = "saved"},
// CHECK-SAME:    tensor<2x3xf32> {pp.key = "s3", pp.role = "saved"})
// CHECK-SAME:    attributes {pp.role = "forward"}
// CHECK:         %[[GEMM:.+]] = nn.gemm %[[X]]
// CHECK:         %[[RELU:.+]] = nn.relu %[[GEMM]]
// CHECK:         %[[LOSS:.+]] = nn.softmax_cross_entropy %[[RELU]], %[[LABELS]]
// CHECK:         return %[[LOSS]], %[[LABELS]], %[[RELU]], %[[GEMM]], %[[X]]

// CHECK-LABEL: func.func @forward_backward_input(
// CHECK-SAME:    %[[S0:.+]]: tensor<2xi64> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[S1:.+]]: tensor<2x4xf32> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    %[[S2:.+]]: tensor<2x4xf32> {pp.key = "s2", pp.role = "saved"},
// CHECK-SAME:    %[[DLOSS:.+]]: tensor<f32> {pp.key = "loss", pp.role = "output_grad"})
// CHECK-SAME:    -> (tensor<2x3xf32> {pp.key = "x", pp.role = "input_grad"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "c0", pp.role = "cotangent"})
// CHECK-SAME:    attributes {pp.role = "backward_input"}
// CHECK:         %[[DLOGITS:.+]] = nn.softmax_cross_entropy_grad %[[DLOSS]], %[[S1]], %[[S0]]
// CHECK:         %[[DGEMM:.+]] = nn.relu_grad %[[DLOGITS]], %[[S2]]
// CHECK:         %[[W:.+]] = ml_program.global_load @w
// CHECK:         %[[DX:.+]] = nn.gemm %[[DGEMM]], %[[W]] :
// CHECK:         return %[[DX]], %[[DGEMM]]

// CHECK-LABEL: func.func @forward_backward_weight(
// CHECK-SAME:    %[[S3:.+]]: tensor<2x3xf32> {pp.key = "s3", pp.role = "saved"},
// CHECK-SAME:    %[[C0:.+]]: tensor<2x4xf32> {pp.key = "c0", pp.role = "cotangent"})
// CHECK-SAME:    -> (tensor<4x3xf32> {pp.key = "w", pp.role = "param_grad"},
// CHECK-SAME:    tensor<4xf32> {pp.key = "b", pp.role = "param_grad"})
// CHECK-SAME:    attributes {pp.role = "backward_weight"}
// CHECK-NOT:     global_load
// CHECK:         %[[DW:.+]] = nn.gemm %[[C0]], %[[S3]] {transA = true}
// CHECK:         %[[DB:.+]] = nn.sum_to %[[C0]] : tensor<2x4xf32> -> tensor<4xf32>
// CHECK:         return %[[DW]], %[[DB]]

// -----

// Broadcasting is undone with nn.sum_to; arguments without onnx.name get
// positional keys.

func.func @bias(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = nn.add %x, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @bias_backward_input(
// CHECK-SAME:    %[[DY:.+]]: tensor<2x3xf32> {pp.key = "result0", pp.role = "output_grad"})
// CHECK-SAME:    -> (tensor<2x3xf32> {pp.key = "arg0", pp.role = "input_grad"},
// CHECK-SAME:    tensor<3xf32> {pp.key = "arg1", pp.role = "input_grad"})
// CHECK:         %[[DB:.+]] = nn.sum_to %[[DY]] : tensor<2x3xf32> -> tensor<3xf32>
// CHECK:         return %[[DY]], %[[DB]]
// CHECK-LABEL: func.func @bias_backward_weight()
// CHECK-NEXT:    return

// -----

// A value used twice gets the sum of both gradients; x * x gets 2 * dy * x.

func.func @twice(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = nn.relu %x : tensor<4xf32>
  %1 = nn.tanh %x : tensor<4xf32>
  %2 = nn.sub %0, %1 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %3 = nn.mul %2, %2 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %3 : tensor<4xf32>
}

// CHECK-LABEL: func.func @twice(
// CHECK:         %[[RELU:.+]] = nn.relu %[[X:.+]] :
// CHECK:         %[[TANH:.+]] = nn.tanh %[[X]]
// CHECK:         %[[SUB:.+]] = nn.sub %[[RELU]], %[[TANH]]
// CHECK:         return {{.*}}, %[[SUB]], %[[TANH]], %[[X]]
// CHECK-LABEL: func.func @twice_backward_input(
// CHECK-SAME:    %[[SUB:[^:]+]]: tensor<4xf32> {pp.key = "s0"
// CHECK-SAME:    %[[TANH:[^:]+]]: tensor<4xf32> {pp.key = "s1"
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32> {pp.key = "s2"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<4xf32> {pp.key = "result0", pp.role = "output_grad"}
// CHECK:         %[[HALF:.+]] = nn.mul %[[DY]], %[[SUB]]
// CHECK:         %[[DSUB:.+]] = nn.add %[[HALF]], %[[HALF]]
// CHECK:         %[[NEG:.+]] = nn.neg %[[DSUB]]
// CHECK:         %[[DTANH:.+]] = nn.tanh_grad %[[NEG]], %[[TANH]]
// CHECK:         %[[DRELU:.+]] = nn.relu_grad %[[DSUB]], %[[X]]
// CHECK:         %[[DX:.+]] = nn.add %[[DTANH]], %[[DRELU]]
// CHECK:         return %[[DX]]

// -----

// Tied weights: @emb is loaded once and read by the embedding gather and,
// transposed, by the output projection. W returns one gradient for it, the
// sum of the gather's scatter and the projection's product; the token ids
// are saved for the scatter. The position table is gathered at constant
// indices: a parameter-derived value whose gradient W computes from B's
// cotangent and whose indices W recomputes.

module {
  ml_program.global private mutable @emb(dense<1.0> : tensor<10x3xf32>) : tensor<10x3xf32>
  ml_program.global private mutable @pos(dense<1.0> : tensor<5x3xf32>) : tensor<5x3xf32>
  func.func @forward(%ids: tensor<2x5xi64> {onnx.name = "ids"}) -> (tensor<2x5x10xf32> {onnx.name = "logits"}) {
    %emb = ml_program.global_load @emb : tensor<10x3xf32>
    %pos = ml_program.global_load @pos : tensor<5x3xf32>
    %0 = nn.gather %emb, %ids {axis = 0 : i64} : tensor<10x3xf32>, tensor<2x5xi64> -> tensor<2x5x3xf32>
    %i = nn.constant dense<[[0, 1, 2, 3, 4]]> : tensor<1x5xi64>
    %1 = nn.gather %pos, %i {axis = 0 : i64} : tensor<5x3xf32>, tensor<1x5xi64> -> tensor<1x5x3xf32>
    %2 = nn.add %0, %1 : tensor<2x5x3xf32>, tensor<1x5x3xf32> -> tensor<2x5x3xf32>
    %t = nn.transpose %emb {perm = array<i64: 1, 0>} : tensor<10x3xf32> -> tensor<3x10xf32>
    %3 = nn.matmul %2, %t : tensor<2x5x3xf32>, tensor<3x10xf32> -> tensor<2x5x10xf32>
    return %3 : tensor<2x5x10xf32>
  }
}

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:    -> (tensor<2x5x10xf32> {onnx.name = "logits", pp.key = "logits", pp.role = "output"},
// CHECK-SAME:    tensor<2x5x3xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    tensor<2x5xi64> {pp.key = "s1", pp.role = "saved"})
// CHECK-LABEL: func.func @forward_backward_input(
// CHECK-SAME:    %[[DLOGITS:.+]]: tensor<2x5x10xf32> {pp.key = "logits", pp.role = "output_grad"})
// CHECK-SAME:    -> (tensor<2x5x10xf32> {pp.key = "c0", pp.role = "cotangent"},
// CHECK-SAME:    tensor<2x5x3xf32> {pp.key = "c1", pp.role = "cotangent"})
// The transpose of the recomputed transpose folds away.
// CHECK:         %[[EMB:.+]] = ml_program.global_load @emb
// CHECK-NEXT:    %[[DX:.+]] = nn.matmul %[[DLOGITS]], %[[EMB]] : tensor<2x5x10xf32>, tensor<10x3xf32> -> tensor<2x5x3xf32>
// CHECK-NEXT:    return %[[DLOGITS]], %[[DX]]
// CHECK-LABEL: func.func @forward_backward_weight(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x5x3xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[IDS:[^:]+]]: tensor<2x5xi64> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    %[[C0:[^:]+]]: tensor<2x5x10xf32> {pp.key = "c0", pp.role = "cotangent"},
// CHECK-SAME:    %[[C1:[^:]+]]: tensor<2x5x3xf32> {pp.key = "c1", pp.role = "cotangent"})
// CHECK-SAME:    -> (tensor<10x3xf32> {pp.key = "emb", pp.role = "param_grad"},
// CHECK-SAME:    tensor<5x3xf32> {pp.key = "pos", pp.role = "param_grad"})
// The projection's weight gradient is one gemm over the flattened batch,
// already transposed back to the table's layout.
// CHECK-DAG:     %[[FLATX:.+]] = nn.reshape %[[X]] : tensor<2x5x3xf32> -> tensor<10x3xf32>
// CHECK-DAG:     %[[FLATDY:.+]] = nn.reshape %[[C0]] : tensor<2x5x10xf32> -> tensor<10x10xf32>
// CHECK:         %[[DPROJ:.+]] = nn.gemm %[[FLATDY]], %[[FLATX]] {transA = true} : tensor<10x10xf32>, tensor<10x3xf32> -> tensor<10x3xf32>
// CHECK:         %[[DPOSROWS:.+]] = nn.sum_to %[[C1]] : tensor<2x5x3xf32> -> tensor<1x5x3xf32>
// CHECK:         %[[I:.+]] = nn.constant dense<{{\[\[}}0, 1, 2, 3, 4]]> : tensor<1x5xi64>
// CHECK:         %[[DPOS:.+]] = nn.gather_grad %[[DPOSROWS]], %[[I]] {axis = 0 : i64} : tensor<1x5x3xf32>, tensor<1x5xi64> -> tensor<5x3xf32>
// CHECK:         %[[DGATHER:.+]] = nn.gather_grad %[[C1]], %[[IDS]] {axis = 0 : i64} : tensor<2x5x3xf32>, tensor<2x5xi64> -> tensor<10x3xf32>
// CHECK:         %[[DEMB:.+]] = nn.add %[[DPROJ]], %[[DGATHER]]
// CHECK:         return %[[DEMB]], %[[DPOS]]

// -----

// Integer and boolean values carry no gradient: no input gradient for the
// integer input, no output gradient for the boolean output, nothing through
// the integer-to-float cast. An nn.onnx op off the differentiable path is
// fine. A float input on no path to an output gets a zero gradient.

func.func @ints(%i: tensor<4xi64>, %x: tensor<4xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xi1>, tensor<4xi64>) {
  %0 = nn.cast %i : tensor<4xi64> -> tensor<4xf32>
  %1 = nn.mul %0, %x : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %2 = nn.greater %1, %x : tensor<4xf32>, tensor<4xf32> -> tensor<4xi1>
  %3 = nn.onnx "ArgMax"(%z) {opset = 17 : i64} : (tensor<4xf32>) -> tensor<4xi64>
  return %1, %2, %3 : tensor<4xf32>, tensor<4xi1>, tensor<4xi64>
}

// CHECK-LABEL: func.func @ints_backward_input(
// CHECK-SAME:    %[[CAST:[^:]+]]: tensor<4xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<4xf32> {pp.key = "result0", pp.role = "output_grad"})
// CHECK-SAME:    -> (tensor<4xf32> {pp.key = "arg1", pp.role = "input_grad"},
// CHECK-SAME:    tensor<4xf32> {pp.key = "arg2", pp.role = "input_grad"})
// CHECK:         %[[DX:.+]] = nn.mul %[[DY]], %[[CAST]]
// CHECK:         %[[ZERO:.+]] = nn.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK:         return %[[DX]], %[[ZERO]]

// -----

// Parameter-derived outputs: their output gradient reaches W as a
// cotangent. Immutable globals are constants: recomputed, never trained.

module {
  ml_program.global private mutable @p(dense<1.0> : tensor<4xf32>) : tensor<4xf32>
  ml_program.global private @k(dense<3.0> : tensor<4xf32>) : tensor<4xf32>
  func.func @params() -> tensor<4xf32> {
    %p = ml_program.global_load @p : tensor<4xf32>
    %k = ml_program.global_load @k : tensor<4xf32>
    %0 = nn.mul %p, %k : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

// CHECK-LABEL: func.func @params_backward_input(
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<4xf32> {pp.key = "result0", pp.role = "output_grad"})
// CHECK-SAME:    -> (tensor<4xf32> {pp.key = "c0", pp.role = "cotangent"})
// CHECK-NEXT:    return %[[DY]]
// CHECK-LABEL: func.func @params_backward_weight(
// CHECK-SAME:    %[[C0:[^:]+]]: tensor<4xf32> {pp.key = "c0", pp.role = "cotangent"})
// CHECK-SAME:    -> (tensor<4xf32> {pp.key = "p", pp.role = "param_grad"})
// CHECK:         %[[K:.+]] = ml_program.global_load @k
// CHECK:         %[[DP:.+]] = nn.mul %[[C0]], %[[K]]
// CHECK:         return %[[DP]]

// -----

// Functions already differentiated (with pp.role) and functions without a
// float result are left alone.

func.func @done(%x: tensor<4xf32>) -> tensor<4xf32> attributes {pp.role = "forward"} {
  return %x : tensor<4xf32>
}
func.func @indices(%x: tensor<4xi64>) -> tensor<4xi64> {
  return %x : tensor<4xi64>
}

// CHECK-NOT: backward
