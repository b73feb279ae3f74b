// RUN: pp-opt %s --pp-annotate-cost="device=cpu" | FileCheck %s
// RUN: pp-opt %s --pp-annotate-cost | FileCheck %s --check-prefix=H100
// RUN: echo '{"format": "pp-device-profile", "version": 1, "name": "measured", "peak_flops": {"f32": 1.28e12}, "memory_bandwidth": 2.048e11, "launch_overhead": 1e-6, "link": {"bandwidth": 1e10, "latency": 0}, "op_kinds": {"nn.matmul": {"compute_efficiency": 0.5}}, "ops": {"/relu": {"backward_input": 0.25}}}' > %t.json
// RUN: pp-opt %s --pp-annotate-cost="device=%t.json" | FileCheck %s --check-prefix=MEASURED

// cpu profile: 1.28e12 FLOP/s, 2.048e11 B/s, 1 us per kernel.
//   matmul 64x256 . 256x1024: 33554432 FLOPs -> 26.2144 us + 1 us for F, for
//   dW (x^T dY) and, were x not data, for dx. x is a function argument: it
//   needs no gradient (b = 0) but dW keeps it (act = 64 x 256 x 4 bytes).
//   relu 65536 elements, 1 FLOP each; its backward reads y and dy (512 KiB)
//   and writes dx (256 KiB): 786432 B / 2.048e11 = 3.84 us + 1 us; it keeps y.
//   The last matmul's weight is the transpose of w: a weight, so its
//   gradient is W work; the transpose's own backward is W work too.

module {
  ml_program.global private mutable @w(dense<0.0> : tensor<256x1024xf32>) : tensor<256x1024xf32>
  ml_program.global private @table(dense<0.0> : tensor<16x1024xf32>) : tensor<16x1024xf32>
  func.func @forward(%x: tensor<64x256xf32>, %ids: tensor<64xi64>) -> tensor<64x256xf32> {
    %w = ml_program.global_load @w : tensor<256x1024xf32>
    %0 = nn.matmul %x, %w : tensor<64x256xf32>, tensor<256x1024xf32> -> tensor<64x1024xf32> loc("/mm")
    %1 = nn.relu %0 : tensor<64x1024xf32> loc("/relu")
    %t = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<256x1024xf32> -> tensor<1024x256xf32> loc("/t")
    %2 = nn.matmul %1, %t : tensor<64x1024xf32>, tensor<1024x256xf32> -> tensor<64x256xf32> loc("/mm2")
    %table = ml_program.global_load @table : tensor<16x1024xf32>
    %3 = nn.gather %table, %ids {axis = 0 : i64} : tensor<16x1024xf32>, tensor<64xi64> -> tensor<64x1024xf32> loc("/gather")
    return %2 : tensor<64x256xf32>
  }
}

// CHECK-LABEL: func.func @forward
// CHECK: ml_program.global_load @w : tensor<256x1024xf32>{{$}}
// CHECK: nn.matmul {{.*}}pp.cost = {act = 65536 : i64, b = 0.000000e+00 : f64, f = 2.721440e-05 : f64, w = 2.721440e-05 : f64}
// CHECK: nn.relu {{.*}}pp.cost = {act = 262144 : i64, b = 4.8399999999999994E-6 : f64, f = 3.560000e-06 : f64, w = 0.000000e+00 : f64}
// CHECK: nn.transpose {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = 1.124000e-05 : f64, w = 1.124000e-05 : f64}
// CHECK: nn.matmul {{.*}}pp.cost = {act = 0 : i64, b = 2.721440e-05 : f64, f = 2.721440e-05 : f64, w = 2.721440e-05 : f64}
// An immutable table: no gradient, nothing kept.
// CHECK: nn.gather {{.*}}pp.cost = {act = 0 : i64, b = 0.000000e+00 : f64, f = {{.*}}, w = 0.000000e+00 : f64}

// h100: 67 TFLOP/s f32, 3.35 TB/s, 4 us per kernel: launch-bound here.
// H100: nn.relu {{.*}}pp.cost = {act = 262144 : i64, b = 4.2347558208955221E-6 : f64, f = 4.1565038805970147E-6 : f64

// Half the compute peak for matmuls; a measured backward of the relu.
// MEASURED: nn.matmul {{.*}}pp.cost = {act = 65536 : i64, b = 0.000000e+00 : f64, f = 5.342880e-05 : f64, w = 5.342880e-05 : f64}
// MEASURED: nn.relu {{.*}}pp.cost = {act = 262144 : i64, b = 2.500000e-01 : f64, f = 3.560000e-06 : f64
