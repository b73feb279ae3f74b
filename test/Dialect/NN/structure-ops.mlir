// RUN: split-file %s %t
// RUN: pp-opt %t/ops.mlir | pp-opt | FileCheck %s
// RUN: pp-opt %t/invalid.mlir -split-input-file -verify-diagnostics

// pad, pad_grad, tile, trilu and cumsum: round trip (the custom form
// spells pad's and tile's result types, which inference checks), and one
// case per verifier and inference error.

//--- ops.mlir
// CHECK-LABEL: func.func @structure
func.func @structure(%x: tensor<2x3xf32>, %i: tensor<4x4xi64>, %dy: tensor<2x7xf64>) {
  // CHECK: nn.pad %{{.*}} {mode = "reflect", pads = array<i64: 0, 2, 0, 2>} : tensor<2x3xf32> -> tensor<2x7xf32>
  %0 = nn.pad %x {mode = "reflect", pads = array<i64: 0, 2, 0, 2>} : tensor<2x3xf32> -> tensor<2x7xf32>
  // CHECK: nn.pad %{{.*}} {pads = array<i64: -1, 0, 1, 1>, value = -1.000000e+00 : f64} : tensor<2x3xf32> -> tensor<2x4xf32>
  %1 = nn.pad %x {pads = array<i64: -1, 0, 1, 1>, value = -1.0 : f64} : tensor<2x3xf32> -> tensor<2x4xf32>
  // CHECK: nn.pad_grad %{{.*}} {mode = "wrap", pads = array<i64: 0, 2, 0, 2>} : tensor<2x7xf64> -> tensor<2x3xf64>
  %2 = nn.pad_grad %dy {mode = "wrap", pads = array<i64: 0, 2, 0, 2>} : tensor<2x7xf64> -> tensor<2x3xf64>
  // CHECK: nn.tile %{{.*}} {repeats = array<i64: 2, 1>} : tensor<4x4xi64> -> tensor<8x4xi64>
  %3 = nn.tile %i {repeats = array<i64: 2, 1>} : tensor<4x4xi64> -> tensor<8x4xi64>
  // CHECK: nn.trilu %{{.*}} {k = -1 : i64, upper = false} : tensor<4x4xi64>
  %4 = nn.trilu %i {k = -1 : i64, upper = false} : tensor<4x4xi64>
  // CHECK: nn.cumsum %{{.*}} {axis = 1 : i64, reverse = true} : tensor<2x3xf32>
  %5 = nn.cumsum %x {axis = 1 : i64, reverse = true} : tensor<2x3xf32>
  return
}

//--- invalid.mlir
func.func @case1(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.pad' op unknown mode "mirror" (expected constant, reflect, edge or wrap)}}
  // expected-error @below {{'nn.pad' op failed to infer returned types}}
  %0 = nn.pad %x {mode = "mirror", pads = array<i64: 0, 0, 0, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case2(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.pad' op expects 4 pads for rank 2, got 2}}
  // expected-error @below {{'nn.pad' op failed to infer returned types}}
  %0 = nn.pad %x {pads = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case3(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.pad' op pads 0 and -4 of axis 1 remove more than its 3 elements}}
  // expected-error @below {{'nn.pad' op failed to infer returned types}}
  %0 = nn.pad %x {pads = array<i64: 0, 0, 0, -4>} : tensor<2x3xf32> -> tensor<2x0xf32>
  return
}
// -----
func.func @case4(%x: tensor<2x0xf32>) {
  // expected-error @below {{'nn.pad' op cannot pad axis 1 in mode edge: it has no elements to copy}}
  // expected-error @below {{'nn.pad' op failed to infer returned types}}
  %0 = nn.pad %x {mode = "edge", pads = array<i64: 0, 1, 0, 0>} : tensor<2x0xf32> -> tensor<2x1xf32>
  return
}
// -----
func.func @case5(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.pad' op inferred type(s) 'tensor<2x4xf32>' are incompatible with return type(s) of operation 'tensor<2x5xf32>'}}
  // expected-error @below {{'nn.pad' op failed to infer returned types}}
  %0 = nn.pad %x {pads = array<i64: 0, 1, 0, 0>} : tensor<2x3xf32> -> tensor<2x5xf32>
  return
}
// -----
func.func @case6(%dy: tensor<2x5xf32>) {
  // expected-error @below {{'nn.pad_grad' op padding the result type gives shape [2, 4], not dy's shape [2, 5]}}
  %0 = nn.pad_grad %dy {mode = "reflect", pads = array<i64: 0, 1, 0, 0>} : tensor<2x5xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case7(%dy: tensor<2x4xf32>) {
  // expected-error @below {{'nn.pad_grad' op result must have element type 'f32', got 'tensor<2x3xf64>'}}
  %0 = nn.pad_grad %dy {pads = array<i64: 0, 1, 0, 0>} : tensor<2x4xf32> -> tensor<2x3xf64>
  return
}
// -----
func.func @case8(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.tile' op repeats has 1 entries for rank 2}}
  // expected-error @below {{'nn.tile' op failed to infer returned types}}
  %0 = nn.tile %x {repeats = array<i64: 2>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}
// -----
func.func @case9(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.tile' op repeats [1, -2] has a negative entry}}
  // expected-error @below {{'nn.tile' op failed to infer returned types}}
  %0 = nn.tile %x {repeats = array<i64: 1, -2>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @case10(%x: tensor<3xf32>) {
  // expected-error @below {{'nn.trilu' op input must have rank >= 2 (matrices on the last two axes), got 'tensor<3xf32>'}}
  %0 = nn.trilu %x : tensor<3xf32>
  return
}
// -----
func.func @case11(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.cumsum' op axis 2 is out of range for rank 2}}
  %0 = nn.cumsum %x {axis = 2 : i64} : tensor<2x3xf32>
  return
}
