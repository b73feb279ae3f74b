// RUN: split-file %s %t
// RUN: pp-opt %t/model.mlir --pp-attach-loss | FileCheck %s --check-prefix=CE
// RUN: pp-opt %t/model.mlir --pp-attach-loss="output=1 ignore-index=-100" | FileCheck %s --check-prefix=OUT1
// RUN: pp-opt %t/model.mlir --pp-attach-loss="kind=mse labels=target" | FileCheck %s --check-prefix=MSE
// RUN: pp-opt %t/model.mlir --pp-attach-loss="kind=output output=2" | FileCheck %s --check-prefix=OUTPUT
// RUN: pp-opt %t/batchnorm.mlir --pp-attach-loss | FileCheck %s --check-prefix=TRAIN
// RUN: pp-opt %t/batchnorm.mlir --pp-attach-loss="train-mode=false" | FileCheck %s --check-prefix=EVAL
// RUN: pp-opt %t/declared.mlir --pp-attach-loss | FileCheck %s --check-prefix=DECLARED
// RUN: sed 's|MODEL|%examples/mlp.onnx|' %t/frozen.mlir > %t/frozen-model.mlir
// RUN: pp-opt %t/frozen-model.mlir --pp-attach-loss 2>&1 | FileCheck %s --check-prefix=NONFINITE
// RUN: pp-opt %t/frozen-model.mlir --pp-attach-loss="frozen=fc3.bias,embed.*,bn.mean" 2>&1 | FileCheck %s --check-prefix=FROZEN
// RUN: pp-opt %t/frozen-model.mlir --pp-attach-loss="frozen=mask" 2>&1 | FileCheck %s --check-prefix=SYMBOL
// RUN: not pp-opt %t/frozen-model.mlir --pp-attach-loss="frozen=fc3.weigth" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOMATCH
// RUN: pp-opt %t/training-info.mlir --pp-attach-loss | FileCheck %s --check-prefix=INFO
// RUN: pp-opt %t/padding.mlir --pp-attach-loss="padding-index=embed.weight:1" | FileCheck %s --check-prefix=PADDING
// RUN: pp-opt %t/padding.mlir --pp-attach-loss="padding-index=embed.weight:1" --pp-autodiff | FileCheck %s --check-prefix=PADDING-GRAD
// RUN: not pp-opt %t/padding.mlir --pp-attach-loss="padding-index=embed.weight" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PADDING-FORM
// RUN: not pp-opt %t/padding.mlir --pp-attach-loss="padding-index=head.weight:0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PADDING-NONE
// RUN: not pp-opt %t/padding.mlir --pp-attach-loss="padding-index=embed.weight:8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PADDING-ROW

//--- model.mlir

// One model, four losses. Results other than the chosen one go, and so do
// the ops only they used.

func.func @forward(%x: tensor<2x4xf32> {onnx.name = "x"}) -> (tensor<2x4xf32> {onnx.name = "hidden"}, tensor<2x3x4xf32> {onnx.name = "logits"}, tensor<f32> {onnx.name = "score"}) {
  %0 = nn.relu %x : tensor<2x4xf32>
  %1 = nn.unsqueeze %x {axes = array<i64: 1>} : tensor<2x4xf32> -> tensor<2x1x4xf32>
  %2 = nn.expand %1 : tensor<2x1x4xf32> -> tensor<2x3x4xf32>
  %3 = nn.reduce_sum %x {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x4xf32> -> tensor<f32>
  return %0, %2, %3 : tensor<2x4xf32>, tensor<2x3x4xf32>, tensor<f32>
}

// The module records the loss for the export.
// CE:     module attributes {pp.loss = "cross-entropy"}
// MSE:    module attributes {pp.loss = "mse"}
// OUTPUT: module attributes {pp.loss = "output"}

// Cross-entropy on output 0: labels of the logits' shape without the last
// axis, i64, as a new last argument.
// CE-LABEL: func.func @forward(
// CE-SAME:    %[[X:.+]]: tensor<2x4xf32> {onnx.name = "x"},
// CE-SAME:    %[[LABELS:.+]]: tensor<2xi64> {onnx.name = "labels"})
// CE-SAME:    -> (tensor<f32> {onnx.name = "loss"})
// CE-NEXT:    %[[RELU:.+]] = nn.relu %[[X]]
// CE-NEXT:    %[[LOSS:.+]] = nn.softmax_cross_entropy %[[RELU]], %[[LABELS]] : tensor<2x4xf32>, tensor<2xi64> -> tensor<f32>
// CE-NEXT:    return %[[LOSS]] : tensor<f32>

// Cross-entropy on output 1, a 3-d output: the classes are on the last
// axis; ignore-index becomes the op's attribute.
// OUT1-LABEL: func.func @forward(
// OUT1-SAME:    %[[LABELS:[^:]+]]: tensor<2x3xi64> {onnx.name = "labels"})
// OUT1-NOT:     nn.relu
// OUT1-NOT:     nn.reduce_sum
// OUT1:         %[[LOGITS:.+]] = nn.expand
// OUT1-NEXT:    %[[LOSS:.+]] = nn.softmax_cross_entropy %[[LOGITS]], %[[LABELS]] {ignore_index = -100 : i64} : tensor<2x3x4xf32>, tensor<2x3xi64> -> tensor<f32>
// OUT1-NEXT:    return %[[LOSS]]

// Mean squared error, mean((output - labels)^2) over all elements, with
// labels of the output's type and the name given.
// MSE-LABEL: func.func @forward(
// MSE-SAME:    %[[TARGET:[^:]+]]: tensor<2x4xf32> {onnx.name = "target"})
// MSE-SAME:    -> (tensor<f32> {onnx.name = "loss"})
// MSE:         %[[RELU:.+]] = nn.relu
// MSE-NEXT:    %[[ERROR:.+]] = nn.sub %[[RELU]], %[[TARGET]]
// MSE-NEXT:    %[[SQUARED:.+]] = nn.mul %[[ERROR]], %[[ERROR]]
// MSE-NEXT:    %[[LOSS:.+]] = nn.reduce_mean %[[SQUARED]] {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x4xf32> -> tensor<f32>
// MSE-NEXT:    return %[[LOSS]]

// The model's own scalar: no labels.
// OUTPUT-LABEL: func.func @forward(
// OUTPUT-SAME:    %{{[^:]+}}: tensor<2x4xf32> {onnx.name = "x"})
// OUTPUT-SAME:    -> (tensor<f32> {onnx.name = "loss"})
// OUTPUT-NEXT:    %[[SUM:.+]] = nn.reduce_sum
// OUTPUT-NEXT:    return %[[SUM]]

//--- batchnorm.mlir

// BatchNormalization normalises with the batch's statistics by default
// (model.train()), with the running ones under train-mode=false.

func.func @forward(%x: tensor<2x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3x4x4xf32> {
  %0 = nn.batch_norm %x, %s, %b, %m, %v : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %1 = nn.batch_norm %0, %s, %b, %m, %v {training = true} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return %1 : tensor<2x3x4x4xf32>
}

// Logits of any rank: the labels drop the last axis.
// TRAIN-LABEL: func.func @forward(
// TRAIN-SAME:    %{{[^:]+}}: tensor<2x3x4xi64> {onnx.name = "labels"})
// TRAIN:         nn.batch_norm {{.*}} {training = true}
// TRAIN-NEXT:    nn.batch_norm {{.*}} {training = true}
// TRAIN-NEXT:    nn.softmax_cross_entropy {{.*}} : tensor<2x3x4x4xf32>, tensor<2x3x4xi64> -> tensor<f32>

// EVAL-LABEL: func.func @forward(
// EVAL-NOT:     training
// EVAL:         nn.batch_norm
// EVAL-NOT:     training
// EVAL:         nn.batch_norm
// EVAL-NOT:     training
// EVAL:         return

//--- declared.mlir

// A model that declares its labels: the argument of that name is used.

func.func @forward(%labels: tensor<2xi32> {onnx.name = "labels"}, %x: tensor<2x5xf32> {onnx.name = "x"}) -> (tensor<2x5xf32> {onnx.name = "logits"}) {
  return %x : tensor<2x5xf32>
}

// DECLARED-LABEL: func.func @forward(
// DECLARED-SAME:    %[[LABELS:[^:]+]]: tensor<2xi32> {onnx.name = "labels"},
// DECLARED-SAME:    %[[X:[^:]+]]: tensor<2x5xf32> {onnx.name = "x"})
// DECLARED-SAME:    -> (tensor<f32> {onnx.name = "loss"})
// DECLARED-NEXT:    nn.softmax_cross_entropy %[[X]], %[[LABELS]] : tensor<2x5xf32>, tensor<2xi32> -> tensor<f32>

//--- frozen.mlir

// Frozen initializers become immutable globals read as constants, marked
// with the reason. The mask holds -inf: it is frozen whatever the options
// say, with a remark. Patterns match ONNX names (the #nn.external key) or
// symbols; BatchNorm's running statistics are state and stay as they are.
// MODEL stands for examples/mlp.onnx, whose fc3.bias is read for the check.

module {
  ml_program.global private mutable @embed.weight(dense<1.0> : tensor<4x10xf32>) : tensor<4x10xf32>
  ml_program.global private mutable @embed.scale(dense<1.0> : tensor<10xf32>) : tensor<10xf32>
  ml_program.global private mutable @head_bias(#nn.external<"MODEL", "fc3.bias">) : tensor<10xf32>
  ml_program.global private mutable @mask(dense<[0.0, 0xFF800000, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<10xf32>) : tensor<10xf32>
  ml_program.global private mutable @bn.scale(dense<1.0> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private mutable @bn.bias(dense<0.0> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private mutable @bn.mean(dense<0.0> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private mutable @bn.var(dense<1.0> : tensor<2xf32>) : tensor<2xf32>
  func.func @forward(%x: tensor<2x2x2x4xf32> {onnx.name = "x"}) -> (tensor<2x2x2x10xf32> {onnx.name = "logits"}) {
    %w = ml_program.global_load @embed.weight : tensor<4x10xf32>
    %s = ml_program.global_load @embed.scale : tensor<10xf32>
    %b = ml_program.global_load @head_bias : tensor<10xf32>
    %m = ml_program.global_load @mask : tensor<10xf32>
    %scale = ml_program.global_load @bn.scale : tensor<2xf32>
    %bias = ml_program.global_load @bn.bias : tensor<2xf32>
    %mean = ml_program.global_load @bn.mean : tensor<2xf32>
    %var = ml_program.global_load @bn.var : tensor<2xf32>
    %0 = nn.batch_norm %x, %scale, %bias, %mean, %var : tensor<2x2x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    %1 = nn.matmul %0, %w : tensor<2x2x2x4xf32>, tensor<4x10xf32> -> tensor<2x2x2x10xf32>
    %2 = nn.mul %1, %s : tensor<2x2x2x10xf32>, tensor<10xf32> -> tensor<2x2x2x10xf32>
    %3 = nn.add %2, %b : tensor<2x2x2x10xf32>, tensor<10xf32> -> tensor<2x2x2x10xf32>
    %4 = nn.add %3, %m : tensor<2x2x2x10xf32>, tensor<10xf32> -> tensor<2x2x2x10xf32>
    return %4 : tensor<2x2x2x10xf32>
  }
}

// NONFINITE: remark: pp-attach-loss: initializer 'mask' holds -inf (element 1), so it cannot be trained; it is frozen (a mask or buffer: name it in frozen= to say so)
// NONFINITE-DAG: ml_program.global private mutable @embed.weight(
// NONFINITE-DAG: ml_program.global private mutable @embed.scale(
// NONFINITE-DAG: ml_program.global private mutable @head_bias(
// NONFINITE-DAG: ml_program.global private @mask({{.*}} {pp.frozen = "non_finite"}
// NONFINITE-DAG: ml_program.global private mutable @bn.mean(
// NONFINITE:     ml_program.global_load_const @mask
// NONFINITE-NOT: ml_program.global_load @mask

// FROZEN-DAG: ml_program.global private @embed.weight({{.*}} {pp.frozen = "option"}
// FROZEN-DAG: ml_program.global private @embed.scale({{.*}} {pp.frozen = "option"}
// FROZEN-DAG: ml_program.global private @head_bias({{.*}} {pp.frozen = "option"}
// FROZEN-DAG: ml_program.global private @mask({{.*}} {pp.frozen = "non_finite"}
// Naming a running statistic is allowed (it is state, never trained).
// FROZEN-DAG: ml_program.global private mutable @bn.mean(
// FROZEN-DAG: ml_program.global private mutable @bn.scale(
// FROZEN-DAG: ml_program.global private mutable @bn.var(
// FROZEN:     ml_program.global_load_const @embed.weight
// FROZEN:     ml_program.global_load_const @embed.scale
// FROZEN:     ml_program.global_load_const @head_bias

// A pattern that matches nothing is a typo, not a no-op.
// NOMATCH: error: pp-attach-loss: frozen='fc3.weigth' matches no initializer of the model

// The mask named explicitly: no remark.
// SYMBOL-NOT: remark
// SYMBOL: ml_program.global private @mask({{.*}} {pp.frozen = "option"}

//--- training-info.mlir

// A model with ONNX TrainingInfoProtos trains what their update_bindings
// name, nothing else.

module attributes {onnx.training_info_updates = ["w"]} {
  ml_program.global private mutable @w(dense<1.0> : tensor<4x4xf32>) : tensor<4x4xf32>
  ml_program.global private mutable @b(dense<0.0> : tensor<4xf32>) : tensor<4xf32>
  func.func @forward(%x: tensor<2x4xf32> {onnx.name = "x"}) -> (tensor<2x4xf32> {onnx.name = "logits"}) {
    %w = ml_program.global_load @w : tensor<4x4xf32>
    %b = ml_program.global_load @b : tensor<4xf32>
    %0 = nn.matmul %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
    %1 = nn.add %0, %b : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
    return %1 : tensor<2x4xf32>
  }
}

// INFO-DAG: ml_program.global private mutable @w(
// INFO-DAG: ml_program.global private @b({{.*}} {pp.frozen = "training_info"}

//--- padding.mlir

// An embedding with a padding row (PyTorch's padding_idx), which the export
// loses: padding-index= marks its lookups, and autodiff drops their
// gradient for that row. The tied head still trains it.

module {
  ml_program.global private mutable @embed.weight(dense<1.0> : tensor<8x4xf32>) : tensor<8x4xf32>
  func.func @forward(%ids: tensor<2x3xi64> {onnx.name = "ids"}) -> (tensor<2x3x8xf32> {onnx.name = "logits"}) {
    %w = ml_program.global_load @embed.weight : tensor<8x4xf32>
    %e = nn.gather %w, %ids {axis = 0 : i64} : tensor<8x4xf32>, tensor<2x3xi64> -> tensor<2x3x4xf32>
    %wt = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<8x4xf32> -> tensor<4x8xf32>
    %logits = nn.matmul %e, %wt : tensor<2x3x4xf32>, tensor<4x8xf32> -> tensor<2x3x8xf32>
    return %logits : tensor<2x3x8xf32>
  }
}

// PADDING: nn.gather {{.*}} {axis = 0 : i64, pp.padding_index = 1 : i64}
// PADDING-GRAD: nn.gather_grad {{.*}} {axis = 0 : i64, padding_index = 1 : i64}
// PADDING-FORM: error: pp-attach-loss: padding-index='embed.weight' must be NAME:ROW, an initializer and a row number
// PADDING-NONE: error: pp-attach-loss: padding-index='head.weight:0': no Gather along axis 0 reads an initializer named 'head.weight'
// PADDING-ROW: error: pp-attach-loss: padding-index='embed.weight:8': row 8 is outside 'embed.weight', which has 8 rows
