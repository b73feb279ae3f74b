// RUN: pp-opt %s --pp-annotate-cost="device=cpu" | FileCheck %s

// Costs of pad, tile, trilu, cumsum, pad_grad and reduce_max. cpu profile: 1.28e12
// FLOP/s, 2.048e11 B/s, 1 us per kernel; time = max(FLOPs / peak, bytes /
// bandwidth) + 1 us. x is a 64 x 1000 f32 parameter (256000 B): the
// backward of each op is its W, and no op keeps anything (act = 0).
//
// pad (reflect, 64 x 1002 = 256512 B): F moves 512512 B -> 3.5025 us; W
//   reads dy and writes dx (512512 B) with one add per dy element -> the
//   same.
// pad (constant): W is dy cropped -> 3.5025 us.
// tile (2 x 1, 512000 B): F 768000 B -> 4.75 us; W reads dy (512000 B),
//   writes dx, sums 256000 elements -> 4.75 us.
// trilu: F and W move 512000 B -> 3.5 us.
// cumsum: 64000 adds (0.05 us) against 512000 B -> 3.5 us, both ways.
// pad_grad of 64 x 1002 into 64 x 1000: 64128 adds against 512512 B ->
//   3.5025 us; gradient ops have no backward.
// reduce_max over axis 1 of p = in * x (64 x 1000 f32, an activation):
//   F 64000 comparisons against 256256 B -> 2.25125 us; B reads dy, p and
//   the result (256512 B), writes p's gradient (256000 B), 4 operations per
//   element (0.2 us) -> 3.5025 us. It keeps p, counted at the mul that
//   makes it, and its result (act = 256 B).

module {
  ml_program.global private mutable @w(dense<0.0> : tensor<64x1000xf32>) : tensor<64x1000xf32>
  func.func @forward(%dy: tensor<64x1002xf32>, %in: tensor<64x1000xf32>) -> tensor<f32> {
    %x = ml_program.global_load @w : tensor<64x1000xf32>
    %0 = nn.pad %x {mode = "reflect", pads = array<i64: 0, 1, 0, 1>} : tensor<64x1000xf32> -> tensor<64x1002xf32>
    %1 = nn.pad %x {pads = array<i64: 0, 1, 0, 1>} : tensor<64x1000xf32> -> tensor<64x1002xf32>
    %2 = nn.tile %x {repeats = array<i64: 2, 1>} : tensor<64x1000xf32> -> tensor<128x1000xf32>
    %3 = nn.trilu %x : tensor<64x1000xf32>
    %4 = nn.cumsum %x {axis = 1 : i64} : tensor<64x1000xf32>
    %5 = nn.pad_grad %dy {mode = "reflect", pads = array<i64: 0, 1, 0, 1>} : tensor<64x1002xf32> -> tensor<64x1000xf32>
    %p = nn.mul %in, %x : tensor<64x1000xf32>, tensor<64x1000xf32> -> tensor<64x1000xf32>
    %6 = nn.reduce_max %p {axes = array<i64: 1>} : tensor<64x1000xf32> -> tensor<64x1xf32>
    %s6 = nn.reduce_sum %6 {axes = array<i64: 0, 1>, keepdims = false} : tensor<64x1xf32> -> tensor<f32>
    %s0 = nn.reduce_sum %0 {axes = array<i64: 0, 1>, keepdims = false} : tensor<64x1002xf32> -> tensor<f32>
    %s1 = nn.reduce_sum %1 {axes = array<i64: 0, 1>, keepdims = false} : tensor<64x1002xf32> -> tensor<f32>
    %s2 = nn.reduce_sum %2 {axes = array<i64: 0, 1>, keepdims = false} : tensor<128x1000xf32> -> tensor<f32>
    %s3 = nn.reduce_sum %3 {axes = array<i64: 0, 1>, keepdims = false} : tensor<64x1000xf32> -> tensor<f32>
    %s4 = nn.reduce_sum %4 {axes = array<i64: 0, 1>, keepdims = false} : tensor<64x1000xf32> -> tensor<f32>
    %a = nn.add %s0, %s1 : tensor<f32>, tensor<f32> -> tensor<f32>
    %b = nn.add %a, %s2 : tensor<f32>, tensor<f32> -> tensor<f32>
    %c = nn.add %b, %s3 : tensor<f32>, tensor<f32> -> tensor<f32>
    %d = nn.add %c, %s4 : tensor<f32>, tensor<f32> -> tensor<f32>
    %e = nn.add %d, %s6 : tensor<f32>, tensor<f32> -> tensor<f32>
    return %e : tensor<f32>
  }
}

// CHECK-LABEL: func.func @forward
// CHECK: nn.pad {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 3.502500e-06 : f64, w = 3.502500e-06 : f64}
// CHECK: nn.pad {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 3.502500e-06 : f64, w = 3.502500e-06 : f64}
// CHECK: nn.tile {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 4.750000e-06 : f64, w = 4.750000e-06 : f64}
// CHECK: nn.trilu {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 3.{{4999|5000}}{{[0-9]*}}E-6 : f64, w = 3.{{4999|5000}}{{[0-9]*}}E-6 : f64}
// CHECK: nn.cumsum {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 3.{{4999|5000}}{{[0-9]*}}E-6 : f64, w = 3.{{4999|5000}}{{[0-9]*}}E-6 : f64}
// CHECK: nn.pad_grad {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 3.502500e-06 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.reduce_max {{.*}}pp.cost = {act = 256 : i64, b = 3.502500e-06 : f64, f = 2.251250e-06 : f64, w = 0.000000e+00 : f64}
