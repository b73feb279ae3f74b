// RUN: pp-opt %s -canonicalize -split-input-file | FileCheck %s

// Folders of pad, tile, trilu, cumsum, reduce_max and reduce_min on
// constant operands (masks, position ids and shapes), and their
// identities.

// CHECK-LABEL: func.func @pad
// CHECK-DAG:     %[[R:.*]] = nn.constant dense<{{\[}}[3.000000e+00, 2.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 2.000000e+00]]> : tensor<1x6xf32>
// CHECK-DAG:     %[[E:.*]] = nn.constant dense<{{\[}}[1, 1, 2, 3, 3, 3]]> : tensor<1x6xi32>
// CHECK-DAG:     %[[W:.*]] = nn.constant dense<{{\[}}[3.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 1.000000e+00, 2.000000e+00]]> : tensor<1x6xf32>
// CHECK-DAG:     %[[C:.*]] = nn.constant dense<{{\[}}[false, true, true]]> : tensor<1x3xi1>
// CHECK:         return %[[R]], %[[E]], %[[W]], %[[C]], %arg0
func.func @pad(%x: tensor<2x2xf32>) -> (tensor<1x6xf32>, tensor<1x6xi32>, tensor<1x6xf32>, tensor<1x3xi1>, tensor<2x2xf32>) {
  %f = nn.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %i = nn.constant dense<[[1, 2, 3]]> : tensor<1x3xi32>
  %b = nn.constant dense<[[true, true, false]]> : tensor<1x3xi1>
  %0 = nn.pad %f {mode = "reflect", pads = array<i64: 0, 2, 0, 1>} : tensor<1x3xf32> -> tensor<1x6xf32>
  %1 = nn.pad %i {mode = "edge", pads = array<i64: 0, 1, 0, 2>} : tensor<1x3xi32> -> tensor<1x6xi32>
  %2 = nn.pad %f {mode = "wrap", pads = array<i64: 0, 1, 0, 2>} : tensor<1x3xf32> -> tensor<1x6xf32>
  // Crops the last element, pads one false at the front.
  %3 = nn.pad %b {pads = array<i64: 0, 1, 0, -1>} : tensor<1x3xi1> -> tensor<1x3xi1>
  %4 = nn.pad %x {pads = array<i64: 0, 0, 0, 0>} : tensor<2x2xf32> -> tensor<2x2xf32>
  return %0, %1, %2, %3, %4 : tensor<1x6xf32>, tensor<1x6xi32>, tensor<1x6xf32>, tensor<1x3xi1>, tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @tile
// CHECK-DAG:     %[[T:.*]] = nn.constant dense<{{\[}}[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4]]> : tensor<4x4xi64>
// CHECK:         return %[[T]], %arg0
func.func @tile(%x: tensor<2x2xf32>) -> (tensor<4x4xi64>, tensor<2x2xf32>) {
  %c = nn.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %0 = nn.tile %c {repeats = array<i64: 2, 2>} : tensor<2x2xi64> -> tensor<4x4xi64>
  %1 = nn.tile %x {repeats = array<i64: 1, 1>} : tensor<2x2xf32> -> tensor<2x2xf32>
  return %0, %1 : tensor<4x4xi64>, tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @trilu
// CHECK-DAG:     %[[U:.*]] = nn.constant dense<{{\[}}{{\[}}[0.000000e+00, 2.000000e+00, 3.000000e+00], [0.000000e+00, 0.000000e+00, 6.000000e+00]], {{\[}}[0.000000e+00, 8.000000e+00, 9.000000e+00], [0.000000e+00, 0.000000e+00, 1.200000e+01]]]> : tensor<2x2x3xf32>
// CHECK-DAG:     %[[L:.*]] = nn.constant dense<{{\[}}{{\[}}[0, 0, 0], [4, 0, 0]], {{\[}}[0, 0, 0], [10, 0, 0]]]> : tensor<2x2x3xi64>
// CHECK:         return %[[U]], %[[L]]
func.func @trilu() -> (tensor<2x2x3xf32>, tensor<2x2x3xi64>) {
  %f = nn.constant dense<[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]]> : tensor<2x2x3xf32>
  %i = nn.constant dense<[[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]> : tensor<2x2x3xi64>
  %0 = nn.trilu %f {k = 1 : i64} : tensor<2x2x3xf32>
  %1 = nn.trilu %i {k = -1 : i64, upper = false} : tensor<2x2x3xi64>
  return %0, %1 : tensor<2x2x3xf32>, tensor<2x2x3xi64>
}

// -----

// CHECK-LABEL: func.func @cumsum
// CHECK-DAG:     %[[A:.*]] = nn.constant dense<{{\[}}[1, 3, 6], [4, 9, 15]]> : tensor<2x3xi32>
// CHECK-DAG:     %[[B:.*]] = nn.constant dense<{{\[}}[4.000000e+00, 5.000000e+00, 6.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<2x3xf64>
// CHECK:         return %[[A]], %[[B]]
func.func @cumsum() -> (tensor<2x3xi32>, tensor<2x3xf64>) {
  %i = nn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  %f = nn.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf64>
  %0 = nn.cumsum %i {axis = 1 : i64} : tensor<2x3xi32>
  %1 = nn.cumsum %f {axis = 0 : i64, exclusive = true, reverse = true} : tensor<2x3xf64>
  return %0, %1 : tensor<2x3xi32>, tensor<2x3xf64>
}

// -----

// CHECK-LABEL: func.func @reduce_extreme
// CHECK-DAG:     %[[A:.*]] = nn.constant dense<[3, 9]> : tensor<2xi64>
// CHECK-DAG:     %[[B:.*]] = nn.constant dense<{{\[}}[-1, 2, 0]]> : tensor<1x3xi64>
// CHECK-DAG:     %[[C:.*]] = nn.constant dense<[0x7FC00000, 5.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[D:.*]] = nn.constant dense<{{\[}}[0x7FC00000], [-2.000000e+00]]> : tensor<2x1xf32>
// CHECK:         return %[[A]], %[[B]], %[[C]], %[[D]]
func.func @reduce_extreme() -> (tensor<2xi64>, tensor<1x3xi64>, tensor<2xf32>, tensor<2x1xf32>) {
  %i = nn.constant dense<[[3, 2, 0], [-1, 9, 4]]> : tensor<2x3xi64>
  %f = nn.constant dense<[[1.0, 0x7FC00000, 3.0], [-2.0, 5.0, 4.0]]> : tensor<2x3xf32>
  %0 = nn.reduce_max %i {axes = array<i64: 1>, keepdims = false} : tensor<2x3xi64> -> tensor<2xi64>
  %1 = nn.reduce_min %i {axes = array<i64: 0>} : tensor<2x3xi64> -> tensor<1x3xi64>
  // A NaN wins, as in the kernels and PyTorch.
  %2 = nn.reduce_max %f {axes = array<i64: 1>, keepdims = false} : tensor<2x3xf32> -> tensor<2xf32>
  %3 = nn.reduce_min %f {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2x1xf32>
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<1x3xi64>, tensor<2xf32>, tensor<2x1xf32>
}
