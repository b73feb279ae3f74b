// RUN: split-file %s %t
// RUN: pp-opt %t/model.mlir --pp-attach-loss | FileCheck %s --check-prefix=CE
// RUN: pp-opt %t/model.mlir --pp-attach-loss="output=1 ignore-index=-100" | FileCheck %s --check-prefix=OUT1
// RUN: pp-opt %t/model.mlir --pp-attach-loss="kind=mse labels=target" | FileCheck %s --check-prefix=MSE
// RUN: pp-opt %t/model.mlir --pp-attach-loss="kind=output output=2" | FileCheck %s --check-prefix=OUTPUT
// RUN: pp-opt %t/batchnorm.mlir --pp-attach-loss | FileCheck %s --check-prefix=TRAIN
// RUN: pp-opt %t/batchnorm.mlir --pp-attach-loss="train-mode=false" | FileCheck %s --check-prefix=EVAL
// RUN: pp-opt %t/declared.mlir --pp-attach-loss | FileCheck %s --check-prefix=DECLARED

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
