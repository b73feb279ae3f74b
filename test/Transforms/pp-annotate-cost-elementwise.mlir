// RUN: pp-opt %s --pp-annotate-cost="device=cpu" | FileCheck %s

// Costs of the elementwise ops for ONNX's Sin, Floor, Clip, Reciprocal and
// Max, and of a gradient op. cpu profile: 1.28e12 FLOP/s, 2.048e11 B/s, 1 us
// per kernel. Every tensor is 64 x 1024 f32 (256 KiB), the bias @v 4 KiB.
//   F of a unary op: reads and writes 512 KiB -> 2.56 us + 1 us.
//   B of sin and clip: reads dy and x, writes dx (768 KiB) -> 4.84 us; each
//   keeps its input, which counts at the op that produces it (mul's act is
//   x, which mul keeps, and a, which sin keeps).
//   floor: a zero gradient: no B, nothing kept.
//   reciprocal: its derivative is a function of its result, which it keeps.
//   max of a broadcast bias: B reads dy and both operands and writes dx
//   (790528 B -> 4.86 us); W (the bias) writes 4 KiB and sums over the rows
//   (532480 B -> 3.6 us).
//   clip_grad, a gradient op: never differentiated, keeps nothing.

module {
  ml_program.global private mutable @w(dense<0.0> : tensor<64x1024xf32>) : tensor<64x1024xf32>
  ml_program.global private mutable @v(dense<0.0> : tensor<1024xf32>) : tensor<1024xf32>
  func.func @forward(%x: tensor<64x1024xf32>) -> tensor<64x1024xf32> {
    %w = ml_program.global_load @w : tensor<64x1024xf32>
    %v = ml_program.global_load @v : tensor<1024xf32>
    %a = nn.mul %x, %w : tensor<64x1024xf32>, tensor<64x1024xf32> -> tensor<64x1024xf32> loc("/mul")
    %0 = nn.sin %a : tensor<64x1024xf32> loc("/sin")
    %1 = nn.floor %0 : tensor<64x1024xf32> loc("/floor")
    %2 = nn.clip %0 {min = 0.0 : f32, max = 6.0 : f32} : tensor<64x1024xf32> loc("/clip")
    %3 = nn.reciprocal %2 : tensor<64x1024xf32> loc("/reciprocal")
    %4 = nn.max %3, %v : tensor<64x1024xf32>, tensor<1024xf32> -> tensor<64x1024xf32> loc("/max")
    %5 = nn.add %4, %1 : tensor<64x1024xf32>, tensor<64x1024xf32> -> tensor<64x1024xf32> loc("/add")
    %6 = nn.clip_grad %5, %x {min = 0.0 : f32} : tensor<64x1024xf32> loc("/clip_grad")
    return %5 : tensor<64x1024xf32>
  }
}

// CHECK-LABEL: func.func @forward
// CHECK: nn.mul {{.*}}pp.cost = {act = 524288 : i64,
// CHECK: nn.sin {{.*}}pp.cost = {act = 262144 : i64, b = 4.8399999999999994E-6 : f64, f = 3.560000e-06 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.floor {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 3.560000e-06 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.clip {{.*}}pp.cost = {act = 0 : i64, b = 4.8399999999999994E-6 : f64, f = 3.560000e-06 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.reciprocal {{.*}}pp.cost = {act = 262144 : i64, b = 4.8399999999999994E-6 : f64, f = 3.560000e-06 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.max {{.*}}pp.cost = {act = 0 : i64, b = 4.860000e-06 : f64, f = 3.5799999999999996E-6 : f64, w = 3.6000000000000003E-6 : f64}
// CHECK: nn.clip_grad {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 4.8399999999999994E-6 : f64, w = 0.000000e+00 : f64}
