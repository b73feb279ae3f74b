// RUN: pp-opt %s -canonicalize -split-input-file | FileCheck %s

// Folders of max, min, clip, mod, the comparisons with equality and the
// rounding and sign functions on constant operands: the shape arithmetic
// of exported models (window counts, paddings, clamped sizes).

// CHECK-LABEL: func.func @max_min_int
// CHECK-DAG:     %[[M:.*]] = nn.constant dense<{{\[}}[4, 2, 5], [4, 7, 5]]> : tensor<2x3xi64>
// CHECK-DAG:     %[[N:.*]] = nn.constant dense<{{\[}}[-1, 2, 3], [0, 2, -6]]> : tensor<2x3xi64>
// CHECK:         return %[[M]], %[[N]]
func.func @max_min_int() -> (tensor<2x3xi64>, tensor<2x3xi64>) {
  %a = nn.constant dense<[[-1, 2, 3], [0, 7, -6]]> : tensor<2x3xi64>
  %b = nn.constant dense<[4, 2, 5]> : tensor<3xi64>
  %z = nn.constant dense<[[9], [0]]> : tensor<2x1xi64>
  %0 = nn.max %a, %b : tensor<2x3xi64>, tensor<3xi64> -> tensor<2x3xi64>
  %1 = nn.min %a, %b : tensor<2x3xi64>, tensor<3xi64> -> tensor<2x3xi64>
  %2 = nn.max %1, %z : tensor<2x3xi64>, tensor<2x1xi64> -> tensor<2x3xi64>
  %3 = nn.min %2, %1 : tensor<2x3xi64>, tensor<2x3xi64> -> tensor<2x3xi64>
  return %0, %3 : tensor<2x3xi64>, tensor<2x3xi64>
}

// Floats: NaN wins, as in torch.maximum and torch.minimum.
// CHECK-LABEL: func.func @max_min_float
// CHECK-DAG:     %[[M:.*]] = nn.constant dense<[2.000000e+00, 0x7FC00000, 0x7FC00000]> : tensor<3xf32>
// CHECK-DAG:     %[[N:.*]] = nn.constant dense<[-1.000000e+00, 0x7FC00000, 0x7FC00000]> : tensor<3xf32>
// CHECK:         return %[[M]], %[[N]]
func.func @max_min_float() -> (tensor<3xf32>, tensor<3xf32>) {
  %a = nn.constant dense<[2.0, 0x7FC00000, 1.5]> : tensor<3xf32>
  %b = nn.constant dense<[-1.0, 3.0, 0x7FC00000]> : tensor<3xf32>
  %0 = nn.max %a, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %1 = nn.min %a, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}

// Unsigned integers compare as unsigned: 200 is the larger.
// CHECK-LABEL: func.func @max_unsigned
// CHECK-NEXT:    %[[M:.*]] = nn.constant dense<[200, 100]> : tensor<2xui8>
// CHECK-NEXT:    return %[[M]]
func.func @max_unsigned() -> tensor<2xui8> {
  %a = nn.constant dense<[200, 3]> : tensor<2xui8>
  %c = nn.constant dense<100> : tensor<ui8>
  %0 = nn.max %a, %c : tensor<2xui8>, tensor<ui8> -> tensor<2xui8>
  return %0 : tensor<2xui8>
}

// CHECK-LABEL: func.func @clip
// CHECK-DAG:     %[[I:.*]] = nn.constant dense<[0, 0, 3, 6, 6]> : tensor<5xi64>
// CHECK-DAG:     %[[L:.*]] = nn.constant dense<[0, 0, 3, 7, 9]> : tensor<5xi64>
// CHECK-DAG:     %[[H:.*]] = nn.constant dense<[-4, 0, 3, 5, 5]> : tensor<5xi64>
// min > max: every element is max.
// CHECK-DAG:     %[[X:.*]] = nn.constant dense<1> : tensor<5xi64>
// NaN stays NaN.
// CHECK-DAG:     %[[F:.*]] = nn.constant dense<[0.000000e+00, 2.500000e+00, 6.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK:         return %[[I]], %[[L]], %[[H]], %[[X]], %[[F]], %arg0
func.func @clip(%x: tensor<2xf32>) -> (tensor<5xi64>, tensor<5xi64>, tensor<5xi64>, tensor<5xi64>, tensor<4xf32>, tensor<2xf32>) {
  %a = nn.constant dense<[-4, 0, 3, 7, 9]> : tensor<5xi64>
  %0 = nn.clip %a {min = 0 : i64, max = 6 : i64} : tensor<5xi64>
  %1 = nn.clip %a {min = 0 : i64} : tensor<5xi64>
  %2 = nn.clip %a {max = 5 : i64} : tensor<5xi64>
  %3 = nn.clip %a {min = 2 : i64, max = 1 : i64} : tensor<5xi64>
  %f = nn.constant dense<[-1.0, 2.5, 7.0, 0x7FC00000]> : tensor<4xf32>
  %4 = nn.clip %f {min = 0.0 : f32, max = 6.0 : f32} : tensor<4xf32>
  // No bounds: the input itself.
  %5 = nn.clip %x : tensor<2xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<5xi64>, tensor<5xi64>, tensor<5xi64>, tensor<5xi64>, tensor<4xf32>, tensor<2xf32>
}

// Unsigned bounds above the signed range.
// CHECK-LABEL: func.func @clip_unsigned
// CHECK-NEXT:    %[[C:.*]] = nn.constant dense<[200, 150]> : tensor<2xui8>
// CHECK-NEXT:    return %[[C]]
func.func @clip_unsigned() -> tensor<2xui8> {
  %a = nn.constant dense<[250, 100]> : tensor<2xui8>
  %0 = nn.clip %a {min = 150 : ui8, max = 200 : ui8} : tensor<2xui8>
  return %0 : tensor<2xui8>
}

// Python's % takes the divisor's sign, fmod the dividend's.
// CHECK-LABEL: func.func @mod
// CHECK-DAG:     %[[M:.*]] = nn.constant dense<[2, 1, -1, -2]> : tensor<4xi64>
// CHECK-DAG:     %[[F:.*]] = nn.constant dense<[2, -2, 2, -2]> : tensor<4xi64>
// CHECK-DAG:     %[[G:.*]] = nn.constant dense<[1.500000e+00, -1.500000e+00, -0.000000e+00]> : tensor<3xf32>
// CHECK:         return %[[M]], %[[F]], %[[G]]
func.func @mod() -> (tensor<4xi64>, tensor<4xi64>, tensor<3xf32>) {
  %a = nn.constant dense<[5, -5, 5, -5]> : tensor<4xi64>
  %b = nn.constant dense<[3, 3, -3, -3]> : tensor<4xi64>
  %0 = nn.mod %a, %b : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %1 = nn.mod %a, %b {fmod = true} : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %f = nn.constant dense<[5.5, -5.5, -4.0]> : tensor<3xf32>
  %g = nn.constant dense<2.0> : tensor<f32>
  %2 = nn.mod %f, %g {fmod = true} : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
  return %0, %1, %2 : tensor<4xi64>, tensor<4xi64>, tensor<3xf32>
}

// A remainder by zero is left alone.
// CHECK-LABEL: func.func @mod_by_zero
// CHECK:         nn.mod
func.func @mod_by_zero() -> tensor<2xi64> {
  %a = nn.constant dense<[-7, 7]> : tensor<2xi64>
  %z = nn.constant dense<0> : tensor<i64>
  %0 = nn.mod %a, %z : tensor<2xi64>, tensor<i64> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// CHECK-LABEL: func.func @compare_or_equal
// CHECK-DAG:     %[[LE:.*]] = nn.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG:     %[[GE:.*]] = nn.constant dense<[false, true, true]> : tensor<3xi1>
// NaN compares false.
// CHECK-DAG:     %[[N:.*]] = nn.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK:         return %[[LE]], %[[GE]], %[[N]]
func.func @compare_or_equal() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>) {
  %a = nn.constant dense<[1, 2, 3]> : tensor<3xi64>
  %b = nn.constant dense<2> : tensor<i64>
  %0 = nn.less_equal %a, %b : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %1 = nn.greater_equal %a, %b : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %f = nn.constant dense<[1.0, 0x7FC00000, 3.0]> : tensor<3xf32>
  %g = nn.constant dense<2.0> : tensor<f32>
  %2 = nn.less_equal %f, %g : tensor<3xf32>, tensor<f32> -> tensor<3xi1>
  return %0, %1, %2 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>
}

// CHECK-LABEL: func.func @rounding
// CHECK-DAG:     %[[F:.*]] = nn.constant dense<[-2.000000e+00, 1.000000e+00, 2.000000e+00, -0.000000e+00]> : tensor<4xf32>
// CHECK-DAG:     %[[C:.*]] = nn.constant dense<[-1.000000e+00, 2.000000e+00, 2.000000e+00, -0.000000e+00]> : tensor<4xf32>
// CHECK:         return %[[F]], %[[C]]
func.func @rounding() -> (tensor<4xf32>, tensor<4xf32>) {
  %a = nn.constant dense<[-1.5, 1.25, 2.0, -0.0]> : tensor<4xf32>
  %0 = nn.floor %a : tensor<4xf32>
  %1 = nn.ceil %a : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @abs_sign
// CHECK-DAG:     %[[A:.*]] = nn.constant dense<[3, 0, 5, -128]> : tensor<4xi8>
// CHECK-DAG:     %[[S:.*]] = nn.constant dense<[-1, 0, 1, -1]> : tensor<4xi8>
// CHECK-DAG:     %[[U:.*]] = nn.constant dense<[0, 1]> : tensor<2xui8>
// CHECK-DAG:     %[[F:.*]] = nn.constant dense<[2.500000e+00, 0.000000e+00, 0x7FC00000]> : tensor<3xf32>
// CHECK-DAG:     %[[G:.*]] = nn.constant dense<[-1.000000e+00, -0.000000e+00, 0x7FC00000]> : tensor<3xf32>
// CHECK:         return %[[A]], %[[S]], %[[U]], %[[F]], %[[G]]
func.func @abs_sign() -> (tensor<4xi8>, tensor<4xi8>, tensor<2xui8>, tensor<3xf32>, tensor<3xf32>) {
  %a = nn.constant dense<[-3, 0, 5, -128]> : tensor<4xi8>
  // The most negative integer wraps around to itself, as the kernel does.
  %0 = nn.abs %a : tensor<4xi8>
  %1 = nn.sign %a : tensor<4xi8>
  %u = nn.constant dense<[0, 200]> : tensor<2xui8>
  %2 = nn.sign %u : tensor<2xui8>
  %f = nn.constant dense<[-2.5, -0.0, 0x7FC00000]> : tensor<3xf32>
  %3 = nn.abs %f : tensor<3xf32>
  %4 = nn.sign %f : tensor<3xf32>
  return %0, %1, %2, %3, %4 : tensor<4xi8>, tensor<4xi8>, tensor<2xui8>, tensor<3xf32>, tensor<3xf32>
}
