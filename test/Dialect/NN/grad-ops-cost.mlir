// RUN: pp-opt %s --pp-annotate-cost="device=cpu" | FileCheck %s

// Costs of the loss and the gradient ops. cpu profile: 1.28e12 FLOP/s,
// 2.048e11 B/s, 1 us per kernel; time = max(FLOPs / peak, bytes / bandwidth)
// + 1 us.
//
// softmax_cross_entropy of 64 x 1000 f32 logits and 64 i64 labels:
//   F: 12 x 64000 + 64 FLOPs (0.6 us); reads 256000 + 512 B and writes 4 B
//      (1.2525 us) -> 2.2525 us.
//   B (the logits are an activation): 14 x 64000 FLOPs (0.7 us); reads dloss,
//      logits and labels (256516 B), writes dlogits (256000 B) -> 3.5025 us.
//   It keeps the logits and the labels; the logits' 256000 B count at the
//   matmul that produces them, the labels' 512 B at the loss.
// conv_grad_input, dy 1x8x16x16, weight 8x4x3x3: 2 x 36 x 2048 FLOPs
//   (0.1152 us) against 13440 B (0.0656 us) -> 1.1152 us.
// relu_grad of 64 x 1000: 768000 B -> 4.75 us.
// Gradient ops are never differentiated: b = w = 0, nothing kept.

module {
  ml_program.global private mutable @w(dense<0.0> : tensor<128x1000xf32>) : tensor<128x1000xf32>
  func.func @forward(%x: tensor<64x128xf32>, %labels: tensor<64xi64>,
                     %dy: tensor<1x8x16x16xf32>, %k: tensor<8x4x3x3xf32>)
      -> tensor<f32> {
    %w = ml_program.global_load @w : tensor<128x1000xf32>
    %logits = nn.matmul %x, %w : tensor<64x128xf32>, tensor<128x1000xf32> -> tensor<64x1000xf32>
    %0 = nn.softmax_cross_entropy %logits, %labels : tensor<64x1000xf32>, tensor<64xi64> -> tensor<f32>
    %1 = nn.conv_grad_input %dy, %k {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32> -> tensor<1x4x16x16xf32>
    %2 = nn.relu_grad %logits, %logits : tensor<64x1000xf32>
    return %0 : tensor<f32>
  }
}

// CHECK-LABEL: func.func @forward
// CHECK: nn.matmul {{.*}}pp.cost = {act = 288768 : i64,
// CHECK: nn.softmax_cross_entropy {{.*}}pp.cost = {act = 512 : i64, b = 3.502{{[0-9]*}}E-6 : f64, f = 2.252{{[0-9]*}}E-6 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.conv_grad_input {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 1.115200e-06 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.relu_grad {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 4.750000e-06 : f64, w = 0.000000e+00 : f64}
