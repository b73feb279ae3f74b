// RUN: pp-opt %s -split-input-file --pp-outline-stages | FileCheck %s
// RUN: pp-opt %s -split-input-file --pp-outline-stages --pp-autodiff | FileCheck %s --check-prefix=AD

// Three stages of a model with a tied embedding (read on every stage), a
// skip connection over stage 1 ('embed', relayed), an integer tensor
// ('shift') and a constant mask ('mask') crossing stages. Each function
// takes the data it reads and what it receives; constants and parameter
// loads are copied where they are read; 'embed' and 'mask' pass through
// stage 1; the integers and the mask carry no gradient.

module attributes {pp.loss = "cross-entropy", pp.num_stages = 3 : i64} {
  ml_program.global private mutable @emb(dense<0.5> : tensor<10x4xf32>) : tensor<10x4xf32>
  ml_program.global private mutable @w(dense<0.25> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @forward(%ids: tensor<2xi64> {onnx.name = "ids"}, %labels: tensor<2xi64> {onnx.name = "labels"}) -> (tensor<f32> {onnx.name = "loss"}) {
    %emb = ml_program.global_load @emb : tensor<10x4xf32> {pp.stage = 0 : i64}
    %x = nn.gather %emb, %ids {axis = 0 : i64, pp.stage = 0 : i64} : tensor<10x4xf32>, tensor<2xi64> -> tensor<2x4xf32> loc("embed")
    %one = nn.constant {pp.stage = 0 : i64} dense<1> : tensor<i64>
    %next = nn.add %ids, %one {pp.stage = 0 : i64} : tensor<2xi64>, tensor<i64> -> tensor<2xi64> loc("shift")
    %c = nn.constant {pp.stage = 0 : i64} dense<2.0> : tensor<2x4xf32>
    %mask = nn.mul %c, %c {pp.stage = 0 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32> loc("mask")
    %w = ml_program.global_load @w : tensor<4x4xf32> {pp.stage = 1 : i64}
    %h = nn.matmul %x, %w {pp.stage = 1 : i64} : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32> loc("fc")
    %e2 = nn.gather %emb, %next {axis = 0 : i64, pp.stage = 1 : i64} : tensor<10x4xf32>, tensor<2xi64> -> tensor<2x4xf32> loc("embed2")
    %a = nn.add %h, %e2 {pp.stage = 1 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32> loc("sum")
    %s = nn.add %a, %x {pp.stage = 2 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32> loc("skip")
    %m = nn.mul %s, %mask {pp.stage = 2 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32> loc("masked")
    %logits = nn.gemm %m, %emb {transB = true, pp.stage = 2 : i64} : tensor<2x4xf32>, tensor<10x4xf32> -> tensor<2x10xf32> loc("head")
    %loss = nn.softmax_cross_entropy %logits, %labels {pp.stage = 2 : i64} : tensor<2x10xf32>, tensor<2xi64> -> tensor<f32> loc("loss")
    return {pp.stage = 2 : i64} %loss : tensor<f32>
  }
}

// CHECK-NOT:   func.func @forward
// CHECK-LABEL: func.func @stage0(
// CHECK-SAME:    %[[IDS:.+]]: tensor<2xi64> {onnx.name = "ids"})
// CHECK-SAME:    -> (tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_out"},
// CHECK-SAME:    tensor<2xi64> {pp.key = "shift", pp.no_grad, pp.role = "boundary_out"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "mask", pp.no_grad, pp.role = "boundary_out"})
// CHECK-SAME:    attributes {pp.chunk = 0 : i64, pp.stage = 0 : i64, pp.virtual_stage = 0 : i64}
// CHECK:         %[[EMB:.+]] = ml_program.global_load @emb
// CHECK:         %[[X:.+]] = nn.gather %[[EMB]], %[[IDS]]
// CHECK:         %[[NEXT:.+]] = nn.add %[[IDS]]
// CHECK:         %[[MASK:.+]] = nn.mul
// CHECK:         return %[[X]], %[[NEXT]], %[[MASK]]

// Stage 1 reads 'embed' and relays it with 'mask'; it loads the tied
// embedding again for its own gather.
// CHECK-LABEL: func.func @stage1(
// CHECK-SAME:    %[[EMBED:[^:]+]]: tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_in"},
// CHECK-SAME:    %[[SHIFT:[^:]+]]: tensor<2xi64> {pp.key = "shift", pp.no_grad, pp.role = "boundary_in"},
// CHECK-SAME:    %[[MASK1:[^:]+]]: tensor<2x4xf32> {pp.key = "mask", pp.no_grad, pp.role = "boundary_in"})
// CHECK-SAME:    -> (tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_out"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "mask", pp.no_grad, pp.role = "boundary_out"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "sum", pp.role = "boundary_out"})
// CHECK-SAME:    pp.stage = 1 : i64, pp.virtual_stage = 1 : i64
// CHECK:         ml_program.global_load @w : tensor<4x4xf32> {pp.stage = 1 : i64}
// CHECK:         nn.matmul %[[EMBED]]
// CHECK:         ml_program.global_load @emb : tensor<10x4xf32> {pp.stage = 1 : i64}
// CHECK:         nn.gather {{.*}}, %[[SHIFT]]
// CHECK:         %[[SUM:.+]] = nn.add
// CHECK:         return %[[EMBED]], %[[MASK1]], %[[SUM]]

// The loss on the last stage, with the labels it reads.
// CHECK-LABEL: func.func @stage2(
// CHECK-SAME:    tensor<2xi64> {onnx.name = "labels"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_in"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "mask", pp.no_grad, pp.role = "boundary_in"},
// CHECK-SAME:    tensor<2x4xf32> {pp.key = "sum", pp.role = "boundary_in"})
// CHECK-SAME:    -> (tensor<f32> {onnx.name = "loss"})
// CHECK:         ml_program.global_load @emb : tensor<10x4xf32> {pp.stage = 2 : i64}
// CHECK:         nn.softmax_cross_entropy
// CHECK-NOT:   func.func

// B of each chunk takes the gradients of what it sent and returns those of
// what it received; integers and the mask have none. The tied embedding
// gets a param_grad on every stage that reads it.
// AD-LABEL: func.func @stage0_backward_input(
// AD-SAME:    tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_out_grad"})
// AD-SAME:    pp.role = "backward_input", pp.stage = 0 : i64, pp.virtual_stage = 0 : i64
// AD-LABEL: func.func @stage0_backward_weight(
// AD-SAME:    -> (tensor<10x4xf32> {pp.key = "emb", pp.role = "param_grad"})
// AD-LABEL: func.func @stage1_backward_input(
// AD-SAME:    tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_out_grad"},
// AD-SAME:    tensor<2x4xf32> {pp.key = "sum", pp.role = "boundary_out_grad"})
// AD-SAME:    -> (tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_in_grad"},
// AD-SAME:    tensor<2x4xf32> {pp.key = "c0", pp.role = "cotangent"})
// AD-LABEL: func.func @stage1_backward_weight(
// AD-SAME:    -> (tensor<10x4xf32> {pp.key = "emb", pp.role = "param_grad"},
// AD-SAME:    tensor<4x4xf32> {pp.key = "w", pp.role = "param_grad"})
// AD-LABEL: func.func @stage2_backward_input(
// AD-SAME:    tensor<f32> {pp.key = "loss", pp.role = "output_grad"})
// AD-SAME:    -> (tensor<2x4xf32> {pp.key = "embed", pp.role = "boundary_in_grad"},
// AD-SAME:    tensor<2x4xf32> {pp.key = "sum", pp.role = "boundary_in_grad"},
// AD-LABEL: func.func @stage2_backward_weight(
// AD-SAME:    -> (tensor<10x4xf32> {pp.key = "emb", pp.role = "param_grad"})

// -----

// Two stages of two chunks in zb-v's V: virtual stages 0 and 3 on stage 0,
// 1 and 2 on stage 1. 'a' skips to the last virtual stage, relayed by the
// two in between (the key of a dropout's first result is 'a:0'). Random
// ops are numbered before the split.

module attributes {pp.num_stages = 2 : i64, pp.virtual_stages = 2 : i64} {
  func.func @forward(%x: tensor<2x4xf32> {onnx.name = "x"}) -> (tensor<2x4xf32> {onnx.name = "y"}) {
    %0, %mask0 = nn.dropout %x {ratio = 0.5 : f32, pp.stage = 0 : i64} : tensor<2x4xf32> loc("a")
    %1 = nn.tanh %0 {pp.stage = 1 : i64} : tensor<2x4xf32> loc("b")
    %2 = nn.sigmoid %1 {pp.stage = 2 : i64} : tensor<2x4xf32> loc("c")
    %3, %mask3 = nn.dropout %2 {ratio = 0.5 : f32, pp.stage = 3 : i64} : tensor<2x4xf32> loc("d")
    %4 = nn.add %3, %0 {pp.stage = 3 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32> loc("e")
    return {pp.stage = 3 : i64} %4 : tensor<2x4xf32>
  }
  pp.schedule "zb-v" stages 2 microbatches 1 virtual_stages 2 placement "v" {
    pp.stage_actions 0 {
      pp.forward mb 0 chunk 0
      pp.forward mb 0 chunk 1
      pp.backward_input mb 0 chunk 1
      pp.backward_weight mb 0 chunk 1
      pp.backward_input mb 0 chunk 0
      pp.backward_weight mb 0 chunk 0
    }
    pp.stage_actions 1 {
      pp.forward mb 0 chunk 0
      pp.forward mb 0 chunk 1
      pp.backward_input mb 0 chunk 1
      pp.backward_input mb 0 chunk 0
      pp.backward_weight mb 0 chunk 1
      pp.backward_weight mb 0 chunk 0
    }
  }
}

// CHECK-LABEL: func.func @stage0_chunk0(
// CHECK-SAME:    -> (tensor<2x4xf32> {pp.key = "a:0", pp.role = "boundary_out"})
// CHECK-SAME:    attributes {pp.chunk = 0 : i64, pp.stage = 0 : i64, pp.virtual_stage = 0 : i64}
// CHECK:         nn.dropout {{.*}}pp.rng_id = 0 : i64
// CHECK-LABEL: func.func @stage1_chunk0(
// CHECK-SAME:    {pp.key = "a:0", pp.role = "boundary_in"})
// CHECK-SAME:    -> (tensor<2x4xf32> {pp.key = "a:0", pp.role = "boundary_out"}, tensor<2x4xf32> {pp.key = "b", pp.role = "boundary_out"})
// CHECK-SAME:    attributes {pp.chunk = 0 : i64, pp.stage = 1 : i64, pp.virtual_stage = 1 : i64}
// CHECK-LABEL: func.func @stage1_chunk1(
// CHECK-SAME:    attributes {pp.chunk = 1 : i64, pp.stage = 1 : i64, pp.virtual_stage = 2 : i64}
// CHECK-LABEL: func.func @stage0_chunk1(
// CHECK-SAME:    {pp.key = "a:0", pp.role = "boundary_in"}, %{{.+}}: tensor<2x4xf32> {pp.key = "c", pp.role = "boundary_in"})
// CHECK-SAME:    -> (tensor<2x4xf32> {onnx.name = "y"})
// CHECK-SAME:    attributes {pp.chunk = 1 : i64, pp.stage = 0 : i64, pp.virtual_stage = 3 : i64}
// CHECK:         nn.dropout {{.*}}pp.rng_id = 1 : i64

// -----

// One virtual stage: @forward stays, marked as stage 0, chunk 0.

module {
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = nn.relu %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
// CHECK-LABEL: func.func @forward(
// CHECK-SAME:    attributes {pp.chunk = 0 : i64, pp.stage = 0 : i64, pp.virtual_stage = 0 : i64}
