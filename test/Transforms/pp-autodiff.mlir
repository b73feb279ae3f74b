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
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    tensor<2xi64> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "s2", pp.role = "saved"},
// CHECK-SAME:    tensor<2x3xf32> {pp.key = "s3", pp.role = "saved"})
// CHECK-SAME:    attributes {pp.role = "forward"}
// CHECK:         %[[GEMM:.+]] = nn.gemm %[[X]]
// CHECK:         %[[RELU:.+]] = nn.relu %[[GEMM]]
// CHECK:         %[[LOSS:.+]] = nn.softmax_cross_entropy %[[RELU]], %[[LABELS]]
// CHECK:         return %[[LOSS]], %[[RELU]], %[[LABELS]], %[[GEMM]], %[[X]]

// CHECK-LABEL: func.func @forward_backward_input(
// CHECK-SAME:    %[[S0:.+]]: tensor<2x4xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[S1:.+]]: tensor<2xi64> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    %[[S2:.+]]: tensor<2x4xf32> {pp.key = "s2", pp.role = "saved"},
// CHECK-SAME:    %[[DLOSS:.+]]: tensor<f32> {pp.key = "loss", pp.role = "output_grad"})
// CHECK-SAME:    -> (tensor<2x3xf32> {pp.key = "x", pp.role = "input_grad"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "c0", pp.role = "cotangent"})
// CHECK-SAME:    attributes {pp.role = "backward_input"}
// CHECK:         %[[DLOGITS:.+]] = nn.softmax_cross_entropy_grad %[[DLOSS]], %[[S0]], %[[S1]]
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

// -----

// Elementwise family. div: da = dy / b, db = -(dy / b) * a / b. pow with an
// integer exponent: the exponent is cast and carries no gradient; pow with
// a float exponent: db = dy * y * log(a).

func.func @divpow(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = nn.div %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %c = nn.constant dense<2> : tensor<i64>
  %1 = nn.pow %0, %c : tensor<4xf32>, tensor<i64> -> tensor<4xf32>
  %2 = nn.pow %1, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// CHECK-LABEL: func.func @divpow_backward_input(
// CHECK-SAME:    %[[P1:[^:]+]]: tensor<4xf32> {pp.key = "s0"
// CHECK-SAME:    %[[B:[^:]+]]: tensor<4xf32> {pp.key = "s1"
// CHECK-SAME:    %[[P2:[^:]+]]: tensor<4xf32> {pp.key = "s2"
// CHECK-SAME:    %[[Q:[^:]+]]: tensor<4xf32> {pp.key = "s3"
// CHECK-SAME:    %[[A:[^:]+]]: tensor<4xf32> {pp.key = "s4"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<4xf32> {pp.key = "result0"
// CHECK:         %[[ONE:.+]] = nn.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[BM1:.+]] = nn.sub %[[B]], %[[ONE]]
// CHECK:         %[[POW:.+]] = nn.pow %[[P1]], %[[BM1]]
// CHECK:         %[[DER:.+]] = nn.mul %[[B]], %[[POW]]
// CHECK:         %[[DP1:.+]] = nn.mul %[[DY]], %[[DER]]
// CHECK:         %[[LOG:.+]] = nn.log %[[P1]]
// CHECK:         %[[YLOG:.+]] = nn.mul %[[P2]], %[[LOG]]
// CHECK:         %[[DB1:.+]] = nn.mul %[[DY]], %[[YLOG]]
// CHECK:         %[[TWO:.+]] = nn.constant dense<2> : tensor<i64>
// CHECK:         %[[TWOF:.+]] = nn.cast %[[TWO]] : tensor<i64> -> tensor<f32>
// CHECK:         nn.pow %[[Q]]
// CHECK:         %[[DQ:.+]] = nn.mul %[[DP1]]
// CHECK:         %[[DA:.+]] = nn.div %[[DQ]], %[[B]]
// CHECK:         %[[T:.+]] = nn.mul %[[DA]], %[[A]]
// CHECK:         %[[U:.+]] = nn.div %[[T]], %[[B]]
// CHECK:         %[[DB2:.+]] = nn.neg %[[U]]
// CHECK:         %[[DB:.+]] = nn.add %[[DB1]], %[[DB2]]
// CHECK:         return %[[DA]], %[[DB]]

// -----

// Unary functions read the result where the derivative is a function of it
// (sqrt, sigmoid, exp), else the operand; a float-to-float cast casts the
// gradient back.

func.func @unary(%x: tensor<4xf32>) -> tensor<4xf64> {
  %0 = nn.sqrt %x : tensor<4xf32>
  %1 = nn.erf %0 : tensor<4xf32>
  %2 = nn.sigmoid %1 : tensor<4xf32>
  %3 = nn.neg %2 : tensor<4xf32>
  %4 = nn.exp %3 : tensor<4xf32>
  %5 = nn.log %4 : tensor<4xf32>
  %6 = nn.gelu %5 {approximate = #nn<approximate tanh>} : tensor<4xf32>
  %7 = nn.cast %6 : tensor<4xf32> -> tensor<4xf64>
  return %7 : tensor<4xf64>
}

// CHECK-LABEL: func.func @unary(
// CHECK:         %[[SQRT:.+]] = nn.sqrt
// CHECK:         %[[SIG:.+]] = nn.sigmoid
// CHECK:         %[[EXP:.+]] = nn.exp
// CHECK:         %[[LOG:.+]] = nn.log
// CHECK:         return %{{.+}}, %[[LOG]], %[[EXP]], %[[SIG]], %[[SQRT]] :
// CHECK-LABEL: func.func @unary_backward_input(
// CHECK-SAME:    %[[LOG:[^:]+]]: tensor<4xf32> {pp.key = "s0"
// CHECK-SAME:    %[[EXP:[^:]+]]: tensor<4xf32> {pp.key = "s1"
// CHECK-SAME:    %[[SIG:[^:]+]]: tensor<4xf32> {pp.key = "s2"
// CHECK-SAME:    %[[SQRT:[^:]+]]: tensor<4xf32> {pp.key = "s3"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<4xf64> {pp.key = "result0"
// CHECK:         %[[D6:.+]] = nn.cast %[[DY]] : tensor<4xf64> -> tensor<4xf32>
// CHECK:         %[[D5:.+]] = nn.gelu_grad %[[D6]], %[[LOG]] {approximate = #nn<approximate tanh>}
// CHECK:         %[[D4:.+]] = nn.div %[[D5]], %[[EXP]]
// CHECK:         %[[D3:.+]] = nn.mul %[[D4]], %[[EXP]]
// CHECK:         %[[D2:.+]] = nn.neg %[[D3]]
// CHECK:         %[[D1:.+]] = nn.sigmoid_grad %[[D2]], %[[SIG]]
// erf: dy * 2 / sqrt(pi) * exp(-x^2).
// CHECK:         %[[SQ:.+]] = nn.mul %[[SQRT]], %[[SQRT]]
// CHECK:         %[[NSQ:.+]] = nn.neg %[[SQ]]
// CHECK:         %[[G:.+]] = nn.exp %[[NSQ]]
// CHECK:         %[[K:.+]] = nn.constant dense<1.12837923> : tensor<f32>
// CHECK:         %[[DER:.+]] = nn.mul %[[G]], %[[K]]
// CHECK:         %[[D0:.+]] = nn.mul %[[D1]], %[[DER]]
// sqrt: dy * 0.5 / y.
// CHECK:         %[[HALF:.+]] = nn.constant dense<5.000000e-01> : tensor<f32>
// CHECK:         %[[H:.+]] = nn.mul %[[D0]], %[[HALF]]
// CHECK:         %[[DX:.+]] = nn.div %[[H]], %[[SQRT]]
// CHECK:         return %[[DX]]

// -----

// where routes the gradient by the condition (the condition carries none;
// a broadcast operand is summed back); dropout's gradient reads its mask.

func.func @select(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<f32>) -> tensor<4xf32> {
  %0 = nn.where %c, %x, %y : tensor<4xi1>, tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %1:2 = nn.dropout %0 {ratio = 0.25 : f32} : tensor<4xf32>
  return %1#0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @select(
// CHECK:         %[[OUT:[^,]+]], %[[MASK:.+]] = nn.dropout
// CHECK:         return %[[OUT]], %[[MASK]], %[[C:.+]] :
// CHECK-LABEL: func.func @select_backward_input(
// CHECK-SAME:    %[[MASK:[^:]+]]: tensor<4xi1> {pp.key = "s0"
// CHECK-SAME:    %[[C:[^:]+]]: tensor<4xi1> {pp.key = "s1"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<4xf32> {pp.key = "result0"
// CHECK-SAME:    -> (tensor<4xf32> {pp.key = "arg1", pp.role = "input_grad"},
// CHECK-SAME:    tensor<f32> {pp.key = "arg2", pp.role = "input_grad"})
// CHECK:         %[[D0:.+]] = nn.dropout_grad %[[DY]], %[[MASK]] {ratio = 2.500000e-01 : f32}
// CHECK:         %[[ZERO:.+]] = nn.constant dense<0.000000e+00> : tensor<f32>
// CHECK:         %[[DX:.+]] = nn.where %[[C]], %[[D0]], %[[ZERO]]
// CHECK:         %[[DYFULL:.+]] = nn.where %[[C]], %[[ZERO]], %[[D0]]
// CHECK:         %[[DYS:.+]] = nn.sum_to %[[DYFULL]] : tensor<4xf32> -> tensor<f32>
// CHECK:         return %[[DX]], %[[DYS]]

// -----

// matmul with a 1-d left operand against a batch (whose batch axis the
// 1-d operand's gradient sums away), a plain 2-d product (the right
// operand's gradient is one nn.gemm), and a 1-d right operand.

func.func @matmul(%a: tensor<3xf32>, %b: tensor<2x3x4xf32>, %c: tensor<4x5xf32>, %d: tensor<5xf32>) -> tensor<2xf32> {
  %0 = nn.matmul %a, %b : tensor<3xf32>, tensor<2x3x4xf32> -> tensor<2x4xf32>
  %1 = nn.matmul %0, %c : tensor<2x4xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  %2 = nn.matmul %1, %d : tensor<2x5xf32>, tensor<5xf32> -> tensor<2xf32>
  return %2 : tensor<2xf32>
}

// CHECK-LABEL: func.func @matmul_backward_input(
// CHECK-SAME:    %[[D:[^:]+]]: tensor<5xf32> {pp.key = "s0"
// CHECK-SAME:    %[[Y1:[^:]+]]: tensor<2x5xf32> {pp.key = "s1"
// CHECK-SAME:    %[[C:[^:]+]]: tensor<4x5xf32> {pp.key = "s2"
// CHECK-SAME:    %[[Y0:[^:]+]]: tensor<2x4xf32> {pp.key = "s3"
// CHECK-SAME:    %[[B:[^:]+]]: tensor<2x3x4xf32> {pp.key = "s4"
// CHECK-SAME:    %[[A:[^:]+]]: tensor<3xf32> {pp.key = "s5"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2xf32> {pp.key = "result0"
// CHECK:         %[[DY2:.+]] = nn.reshape %[[DY]] : tensor<2xf32> -> tensor<2x1xf32>
// CHECK:         %[[D2:.+]] = nn.reshape %[[D]] : tensor<5xf32> -> tensor<5x1xf32>
// CHECK:         %[[DT:.+]] = nn.transpose %[[D2]] {perm = array<i64: 1, 0>}
// CHECK:         %[[DY1:.+]] = nn.matmul %[[DY2]], %[[DT]] : tensor<2x1xf32>, tensor<1x5xf32> -> tensor<2x5xf32>
// CHECK:         %[[DD2:.+]] = nn.gemm %[[Y1]], %[[DY2]] {transA = true} : tensor<2x5xf32>, tensor<2x1xf32> -> tensor<5x1xf32>
// CHECK:         %[[DD:.+]] = nn.reshape %[[DD2]] : tensor<5x1xf32> -> tensor<5xf32>
// CHECK:         %[[CT:.+]] = nn.transpose %[[C]] {perm = array<i64: 1, 0>}
// CHECK:         %[[DY0:.+]] = nn.matmul %[[DY1]], %[[CT]] : tensor<2x5xf32>, tensor<5x4xf32> -> tensor<2x4xf32>
// CHECK:         %[[DC:.+]] = nn.gemm %[[Y0]], %[[DY1]] {transA = true} : tensor<2x4xf32>, tensor<2x5xf32> -> tensor<4x5xf32>
// CHECK:         %[[DY02:.+]] = nn.reshape %[[DY0]] : tensor<2x4xf32> -> tensor<2x1x4xf32>
// CHECK:         %[[BT:.+]] = nn.transpose %[[B]] {perm = array<i64: 0, 2, 1>}
// CHECK:         %[[DA3:.+]] = nn.matmul %[[DY02]], %[[BT]] : tensor<2x1x4xf32>, tensor<2x4x3xf32> -> tensor<2x1x3xf32>
// CHECK:         %[[DA2:.+]] = nn.sum_to %[[DA3]] : tensor<2x1x3xf32> -> tensor<1x3xf32>
// CHECK:         %[[DA:.+]] = nn.reshape %[[DA2]] : tensor<1x3xf32> -> tensor<3xf32>
// CHECK:         %[[A2:.+]] = nn.reshape %[[A]] : tensor<3xf32> -> tensor<1x3xf32>
// CHECK:         %[[AT:.+]] = nn.transpose %[[A2]] {perm = array<i64: 1, 0>}
// CHECK:         %[[DB:.+]] = nn.matmul %[[AT]], %[[DY02]] : tensor<3x1xf32>, tensor<2x1x4xf32> -> tensor<2x3x4xf32>
// CHECK:         return %[[DA]], %[[DB]], %[[DC]], %[[DD]]

// -----

// gemm: the transposes and alpha go into the gradient products, beta
// scales C's gradient, which is summed back to C's broadcast shape.

func.func @gemm(%a: tensor<3x2xf32>, %b: tensor<4x3xf32>, %c: tensor<1x4xf32>) -> tensor<2x4xf32> {
  %0 = nn.gemm %a, %b, %c {alpha = 2.0 : f32, beta = 0.5 : f32, transA = true, transB = true} : tensor<3x2xf32>, tensor<4x3xf32>, tensor<1x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @gemm_backward_input(
// CHECK-SAME:    %[[B:[^:]+]]: tensor<4x3xf32> {pp.key = "s0"
// CHECK-SAME:    %[[A:[^:]+]]: tensor<3x2xf32> {pp.key = "s1"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2x4xf32> {pp.key = "result0"
// CHECK:         %[[DA:.+]] = nn.gemm %[[B]], %[[DY]] {alpha = 2.000000e+00 : f32, transA = true, transB = true} : tensor<4x3xf32>, tensor<2x4xf32> -> tensor<3x2xf32>
// CHECK:         %[[DB:.+]] = nn.gemm %[[DY]], %[[A]] {alpha = 2.000000e+00 : f32, transA = true, transB = true} : tensor<2x4xf32>, tensor<3x2xf32> -> tensor<4x3xf32>
// CHECK:         %[[BETA:.+]] = nn.constant dense<5.000000e-01>
// CHECK:         %[[SCALED:.+]] = nn.mul %[[DY]], %[[BETA]]
// CHECK:         %[[DC:.+]] = nn.sum_to %[[SCALED]] : tensor<2x4xf32> -> tensor<1x4xf32>
// CHECK:         return %[[DA]], %[[DB]], %[[DC]]

// -----

// Normalisations: layer_norm with and without bias (a scale read twice
// gets both gradients), softmax and log_softmax from their results.

func.func @norm(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = nn.layer_norm %x, %s, %b {axis = 2 : i64, epsilon = 1.0e-3 : f32} : tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>
  %1 = nn.layer_norm %0, %s {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<4xf32>
  %2 = nn.softmax %1 {axis = 2 : i64} : tensor<2x3x4xf32>
  %3 = nn.log_softmax %2 {axis = 1 : i64} : tensor<2x3x4xf32>
  return %3 : tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @norm_backward_input(
// CHECK-SAME:    %[[Y3:[^:]+]]: tensor<2x3x4xf32> {pp.key = "s0"
// CHECK-SAME:    %[[Y2:[^:]+]]: tensor<2x3x4xf32> {pp.key = "s1"
// CHECK-SAME:    %[[Y0:[^:]+]]: tensor<2x3x4xf32> {pp.key = "s2"
// CHECK-SAME:    %[[S:[^:]+]]: tensor<4xf32> {pp.key = "s3"
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3x4xf32> {pp.key = "s4"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2x3x4xf32> {pp.key = "result0"
// CHECK:         %[[D2:.+]] = nn.log_softmax_grad %[[DY]], %[[Y3]] {axis = 1 : i64}
// CHECK:         %[[D1:.+]] = nn.softmax_grad %[[D2]], %[[Y2]] {axis = 2 : i64}
// CHECK:         %[[D0:.+]] = nn.layer_norm_grad %[[D1]], %[[Y0]], %[[S]] {axis = 2 : i64}
// CHECK:         %[[DS1:.+]], %{{.+}} = nn.layer_norm_grad_params %[[D1]], %[[Y0]] {axis = 2 : i64}
// CHECK:         %[[DX:.+]] = nn.layer_norm_grad %[[D0]], %[[X]], %[[S]] {axis = 2 : i64, epsilon = 1.000000e-03 : f32}
// CHECK:         %[[DS0:.+]], %[[DB:.+]] = nn.layer_norm_grad_params %[[D0]], %[[X]] {axis = 2 : i64, epsilon = 1.000000e-03 : f32}
// CHECK:         %[[DS:.+]] = nn.add %[[DS1]], %[[DS0]]
// CHECK:         return %[[DX]], %[[DS]], %[[DB]]

// -----

// batch_norm in training and in inference mode: the running statistics
// carry no gradient (the gradient ops read them, for inference mode).

func.func @batch_norm(%x: tensor<2x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3x4x4xf32> {
  %0 = nn.batch_norm %x, %s, %b, %m, %v {training = true} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %1 = nn.batch_norm %0, %s, %b, %m, %v : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return %1 : tensor<2x3x4x4xf32>
}

// CHECK-LABEL: func.func @batch_norm_backward_input(
// CHECK-SAME:    %[[Y0:[^:]+]]: tensor<2x3x4x4xf32> {pp.key = "s0"
// CHECK-SAME:    %[[M:[^:]+]]: tensor<3xf32> {pp.key = "s1"
// CHECK-SAME:    %[[V:[^:]+]]: tensor<3xf32> {pp.key = "s2"
// CHECK-SAME:    %[[S:[^:]+]]: tensor<3xf32> {pp.key = "s3"
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3x4x4xf32> {pp.key = "s4"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2x3x4x4xf32> {pp.key = "result0"
// CHECK:         %[[D0:.+]] = nn.batch_norm_grad %[[DY]], %[[Y0]], %[[S]], %[[M]], %[[V]] :
// CHECK:         %[[DS1:.+]], %[[DB1:.+]] = nn.batch_norm_grad_params %[[DY]], %[[Y0]], %[[M]], %[[V]] :
// CHECK:         %[[DX:.+]] = nn.batch_norm_grad %[[D0]], %[[X]], %[[S]], %[[M]], %[[V]] {training = true}
// CHECK:         %[[DS0:.+]], %[[DB0:.+]] = nn.batch_norm_grad_params %[[D0]], %[[X]], %[[M]], %[[V]] {training = true}
// CHECK:         %[[DS:.+]] = nn.add %[[DS1]], %[[DS0]]
// CHECK:         %[[DB:.+]] = nn.add %[[DB1]], %[[DB0]]
// CHECK:         %[[DM:.+]] = nn.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK:         %[[DV:.+]] = nn.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK:         return %[[DX]], %[[DS]], %[[DB]], %[[DM]], %[[DV]]

// -----

// Convolution (groups, dilations, bias) and the pools.

func.func @conv(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x1x1xf32> {
  %0 = nn.conv %x, %w, %b {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32> -> tensor<1x6x6x6xf32>
  %1 = nn.max_pool %0 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x6x6x6xf32> -> tensor<1x6x3x3xf32>
  %2 = nn.average_pool %1 {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x6x3x3xf32> -> tensor<1x6x3x3xf32>
  %3 = nn.global_average_pool %2 : tensor<1x6x3x3xf32> -> tensor<1x6x1x1xf32>
  return %3 : tensor<1x6x1x1xf32>
}

// CHECK-LABEL: func.func @conv_backward_input(
// CHECK-SAME:    %[[Y0:[^:]+]]: tensor<1x6x6x6xf32> {pp.key = "s0"
// CHECK-SAME:    %[[W:[^:]+]]: tensor<6x2x3x3xf32> {pp.key = "s1"
// CHECK-SAME:    %[[X:[^:]+]]: tensor<1x4x8x8xf32> {pp.key = "s2"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<1x6x1x1xf32> {pp.key = "result0"
// CHECK:         %[[NINTH:.+]] = nn.constant dense<0.111111112> : tensor<f32>
// CHECK:         %[[SCALED:.+]] = nn.mul %[[DY]], %[[NINTH]]
// CHECK:         %[[D2:.+]] = nn.expand %[[SCALED]] : tensor<1x6x1x1xf32> -> tensor<1x6x3x3xf32>
// CHECK:         %[[D1:.+]] = nn.average_pool_grad %[[D2]] {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x6x3x3xf32> -> tensor<1x6x3x3xf32>
// CHECK:         %[[D0:.+]] = nn.max_pool_grad %[[D1]], %[[Y0]] {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
// CHECK:         %[[DX:.+]] = nn.conv_grad_input %[[D0]], %[[W]] {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x6x6x6xf32>, tensor<6x2x3x3xf32> -> tensor<1x4x8x8xf32>
// CHECK:         %[[DW:.+]] = nn.conv_grad_weight %[[D0]], %[[X]] {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x6x6x6xf32>, tensor<1x4x8x8xf32> -> tensor<6x2x3x3xf32>
// CHECK:         %[[DB:.+]] = nn.reduce_sum %[[D0]] {axes = array<i64: 0, 2, 3>, keepdims = false} : tensor<1x6x6x6xf32> -> tensor<6xf32>
// CHECK:         return %[[DX]], %[[DW]], %[[DB]]

// -----

// Reductions broadcast the gradient back over the reduced axes.

func.func @reduce(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %0 = nn.reduce_sum %x {axes = array<i64: 2>} : tensor<2x3x4xf32> -> tensor<2x3x1xf32>
  %1 = nn.reduce_mean %0 {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x3x1xf32> -> tensor<3xf32>
  return %1 : tensor<3xf32>
}

// CHECK-LABEL: func.func @reduce_backward_input(
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<3xf32>
// CHECK:         %[[HALF:.+]] = nn.constant dense<5.000000e-01> : tensor<f32>
// CHECK:         %[[MEAN:.+]] = nn.mul %[[DY]], %[[HALF]]
// CHECK:         %[[KEPT:.+]] = nn.reshape %[[MEAN]] : tensor<3xf32> -> tensor<1x3x1xf32>
// CHECK:         %[[D0:.+]] = nn.expand %[[KEPT]] : tensor<1x3x1xf32> -> tensor<2x3x1xf32>
// CHECK:         %[[DX:.+]] = nn.expand %[[D0]] : tensor<2x3x1xf32> -> tensor<2x3x4xf32>
// CHECK:         return %[[DX]]

// -----

// Data movement: expand sums back; squeeze, unsqueeze, flatten and reshape
// reshape back (chains collapse into one reshape); gather scatters into the
// data; concat slices; slice places into zeros; transpose inverts; split
// concatenates, with zeros for a piece that has no gradient.

func.func @movement(%x: tensor<2x6xf32>, %y: tensor<2x3xf32>, %ids: tensor<4xi64>) -> tensor<4x2x1x3xf32> {
  %0:3 = nn.split %x {axis = 1 : i64, sizes = array<i64: 2, 1, 3>} : tensor<2x6xf32> -> tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>
  %1 = nn.concat %0#0, %y {axis = 1 : i64} : tensor<2x2xf32>, tensor<2x3xf32> -> tensor<2x5xf32>
  %2 = nn.slice %1 {starts = array<i64: 0, 4>, ends = array<i64: 2, 0>, steps = array<i64: 1, -2>} : tensor<2x5xf32> -> tensor<2x2xf32>
  %3 = nn.transpose %2 {perm = array<i64: 1, 0>} : tensor<2x2xf32> -> tensor<2x2xf32>
  %4 = nn.concat %3, %0#2 {axis = 1 : i64} : tensor<2x2xf32>, tensor<2x3xf32> -> tensor<2x5xf32>
  %5 = nn.unsqueeze %4 {axes = array<i64: 0>} : tensor<2x5xf32> -> tensor<1x2x5xf32>
  %6 = nn.flatten %5 {axis = 2 : i64} : tensor<1x2x5xf32> -> tensor<2x5xf32>
  %7 = nn.reshape %6 : tensor<2x5xf32> -> tensor<5x2xf32>
  %8 = nn.gather %7, %ids {axis = 0 : i64} : tensor<5x2xf32>, tensor<4xi64> -> tensor<4x2xf32>
  %9 = nn.unsqueeze %8 {axes = array<i64: 2, 3>} : tensor<4x2xf32> -> tensor<4x2x1x1xf32>
  %10 = nn.squeeze %9 {axes = array<i64: 3>} : tensor<4x2x1x1xf32> -> tensor<4x2x1xf32>
  %11 = nn.unsqueeze %10 {axes = array<i64: 3>} : tensor<4x2x1xf32> -> tensor<4x2x1x1xf32>
  %12 = nn.expand %11 : tensor<4x2x1x1xf32> -> tensor<4x2x1x3xf32>
  return %12 : tensor<4x2x1x3xf32>
}

// CHECK-LABEL: func.func @movement_backward_input(
// CHECK-SAME:    %[[IDS:[^:]+]]: tensor<4xi64> {pp.key = "s0"
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<4x2x1x3xf32> {pp.key = "result0"
// CHECK-NEXT:    %[[D11:.+]] = nn.sum_to %[[DY]] : tensor<4x2x1x3xf32> -> tensor<4x2x1x1xf32>
// CHECK-NEXT:    %[[D8:.+]] = nn.reshape %[[D11]] : tensor<4x2x1x1xf32> -> tensor<4x2xf32>
// CHECK-NEXT:    %[[D7:.+]] = nn.gather_grad %[[D8]], %[[IDS]] {axis = 0 : i64} : tensor<4x2xf32>, tensor<4xi64> -> tensor<5x2xf32>
// CHECK-NEXT:    %[[D4:.+]] = nn.reshape %[[D7]] : tensor<5x2xf32> -> tensor<2x5xf32>
// CHECK-NEXT:    %[[D3:.+]] = nn.slice %[[D4]] {ends = array<i64: 2, 2>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x5xf32> -> tensor<2x2xf32>
// CHECK-NEXT:    %[[D02:.+]] = nn.slice %[[D4]] {ends = array<i64: 2, 5>, starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : tensor<2x5xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[D2:.+]] = nn.transpose %[[D3]] {perm = array<i64: 1, 0>}
// CHECK-NEXT:    %[[D1:.+]] = nn.slice_grad %[[D2]] {ends = array<i64: 2, 0>, starts = array<i64: 0, 4>, steps = array<i64: 1, -2>} : tensor<2x2xf32> -> tensor<2x5xf32>
// CHECK-NEXT:    %[[D00:.+]] = nn.slice %[[D1]] {ends = array<i64: 2, 2>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x5xf32> -> tensor<2x2xf32>
// CHECK-NEXT:    %[[DYIN:.+]] = nn.slice %[[D1]] {ends = array<i64: 2, 5>, starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : tensor<2x5xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[ZERO:.+]] = nn.constant dense<0.000000e+00> : tensor<2x1xf32>
// CHECK-NEXT:    %[[DX:.+]] = nn.concat %[[D00]], %[[ZERO]], %[[D02]] {axis = 1 : i64}
// CHECK-NEXT:    return %[[DX]], %[[DYIN]]

// -----

// The loss: the gradient of the logits reads the logits and the labels,
// with the loss's ignore_index.

func.func @loss(%logits: tensor<2x3x5xf32>, %labels: tensor<2x3xi64>) -> tensor<f32> {
  %0 = nn.softmax_cross_entropy %logits, %labels {ignore_index = -100 : i64} : tensor<2x3x5xf32>, tensor<2x3xi64> -> tensor<f32>
  return %0 : tensor<f32>
}

// CHECK-LABEL: func.func @loss_backward_input(
// CHECK-SAME:    %[[LOGITS:[^:]+]]: tensor<2x3x5xf32> {pp.key = "s0"
// CHECK-SAME:    %[[LABELS:[^:]+]]: tensor<2x3xi64> {pp.key = "s1"
// CHECK-SAME:    %[[DLOSS:[^:]+]]: tensor<f32> {pp.key = "result0"
// CHECK-SAME:    -> (tensor<2x3x5xf32> {pp.key = "arg0", pp.role = "input_grad"})
// CHECK-NEXT:    %[[D:.+]] = nn.softmax_cross_entropy_grad %[[DLOSS]], %[[LOGITS]], %[[LABELS]] {ignore_index = -100 : i64}
// CHECK-NEXT:    return %[[D]]
