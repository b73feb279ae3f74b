// RUN: pp-opt %s -canonicalize -split-input-file | FileCheck %s

// Folders on constant operands: the shape arithmetic of exported models.

// CHECK-LABEL: func.func @add_broadcast
// CHECK-NEXT:    %[[C:.*]] = nn.constant dense<{{\[}}[11, 22, 33], [14, 25, 36]]> : tensor<2x3xi64>
// CHECK-NEXT:    return %[[C]]
func.func @add_broadcast() -> tensor<2x3xi64> {
  %a = nn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %b = nn.constant dense<[10, 20, 30]> : tensor<3xi64>
  %0 = nn.add %a, %b : tensor<2x3xi64>, tensor<3xi64> -> tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}

// CHECK-LABEL: func.func @arith_int
// CHECK-NEXT:    %[[M:.*]] = nn.constant dense<[-14, 14]> : tensor<2xi64>
// Integer division truncates towards zero.
// CHECK-NEXT:    %[[D:.*]] = nn.constant dense<[-3, 3]> : tensor<2xi64>
// CHECK-NEXT:    %[[S:.*]] = nn.constant dense<[-9, 5]> : tensor<2xi64>
// CHECK-NEXT:    %[[P:.*]] = nn.constant dense<49> : tensor<2xi64>
// CHECK-NEXT:    return %[[M]], %[[D]], %[[S]], %[[P]]
func.func @arith_int() -> (tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) {
  %a = nn.constant dense<[-7, 7]> : tensor<2xi64>
  %two = nn.constant dense<2> : tensor<i64>
  %0 = nn.mul %a, %two : tensor<2xi64>, tensor<i64> -> tensor<2xi64>
  %1 = nn.div %a, %two : tensor<2xi64>, tensor<i64> -> tensor<2xi64>
  %2 = nn.sub %a, %two : tensor<2xi64>, tensor<i64> -> tensor<2xi64>
  %3 = nn.pow %a, %two : tensor<2xi64>, tensor<i64> -> tensor<2xi64>
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>
}

// Division by a zero integer is left alone.
// CHECK-LABEL: func.func @div_by_zero
// CHECK:         nn.div
func.func @div_by_zero() -> tensor<2xi64> {
  %a = nn.constant dense<[-7, 7]> : tensor<2xi64>
  %z = nn.constant dense<0> : tensor<i64>
  %0 = nn.div %a, %z : tensor<2xi64>, tensor<i64> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// CHECK-LABEL: func.func @arith_float
// CHECK-NEXT:    %[[M:.*]] = nn.constant dense<[3.000000e+00, -1.500000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %[[P:.*]] = nn.constant dense<[4.000000e+00, -5.000000e-01]> : tensor<2xf32>
// CHECK-NEXT:    return %[[M]], %[[P]]
func.func @arith_float() -> (tensor<2xf32>, tensor<2xf32>) {
  %a = nn.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %h = nn.constant dense<1.5> : tensor<f32>
  %0 = nn.mul %a, %h : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %e = nn.constant dense<2.0> : tensor<f32>
  %1 = nn.pow %a, %e : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %r = nn.constant dense<[2.0, -2.0]> : tensor<2xf32>
  %2 = nn.pow %r, %a : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %0, %2 : tensor<2xf32>, tensor<2xf32>
}

// CHECK-LABEL: func.func @compare
// CHECK-NEXT:    %[[E:.*]] = nn.constant dense<[false, true, false]> : tensor<3xi1>
// CHECK-NEXT:    %[[L:.*]] = nn.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK-NEXT:    %[[G:.*]] = nn.constant dense<[false, false, true]> : tensor<3xi1>
// CHECK-NEXT:    return %[[E]], %[[L]], %[[G]], %[[L]]
func.func @compare() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>) {
  %a = nn.constant dense<[-1, 2, 3]> : tensor<3xi64>
  %b = nn.constant dense<2> : tensor<i64>
  %0 = nn.equal %a, %b : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %1 = nn.less %a, %b : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %2 = nn.greater %a, %b : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %f = nn.constant dense<[-1.0, 2.0, 3.0]> : tensor<3xf32>
  %g = nn.constant dense<2.0> : tensor<f32>
  %3 = nn.less %f, %g : tensor<3xf32>, tensor<f32> -> tensor<3xi1>
  return %0, %1, %2, %3 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>
}

// CHECK-LABEL: func.func @neg
// CHECK-NEXT:    %[[I:.*]] = nn.constant dense<[1, -2]> : tensor<2xi64>
// CHECK-NEXT:    %[[F:.*]] = nn.constant dense<[-5.000000e-01, 0.000000e+00]> : tensor<2xf32>
func.func @neg() -> (tensor<2xi64>, tensor<2xf32>) {
  %a = nn.constant dense<[-1, 2]> : tensor<2xi64>
  %0 = nn.neg %a : tensor<2xi64>
  %f = nn.constant dense<[0.5, -0.0]> : tensor<2xf32>
  %1 = nn.neg %f : tensor<2xf32>
  return %0, %1 : tensor<2xi64>, tensor<2xf32>
}

// CHECK-LABEL: func.func @cast
// Floats truncate towards zero.
// CHECK-DAG:     %[[FI:.*]] = nn.constant dense<[-2, 2, 0]> : tensor<3xi32>
// CHECK-DAG:     %[[FB:.*]] = nn.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG:     %[[IF:.*]] = nn.constant dense<[-1.000000e+00, 3.000000e+00]> : tensor<2xf16>
// CHECK-DAG:     %[[II:.*]] = nn.constant dense<[-1, 3]> : tensor<2xi8>
// Booleans and unsigned integers convert as unsigned.
// CHECK-DAG:     %[[BI:.*]] = nn.constant dense<[1, 0]> : tensor<2xi64>
// CHECK-DAG:     %[[BF:.*]] = nn.constant dense<[1.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[UF:.*]] = nn.constant dense<[2.000000e+02, 3.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[UI:.*]] = nn.constant dense<[200, 3]> : tensor<2xi32>
// CHECK:         return %[[FI]], %[[FB]], %[[IF]], %[[II]], %[[BI]], %[[BF]], %[[UF]], %[[UI]], %arg0
func.func @cast(%x: tensor<2xf32>) -> (tensor<3xi32>, tensor<3xi1>, tensor<2xf16>, tensor<2xi8>, tensor<2xi64>, tensor<2xf32>, tensor<2xf32>, tensor<2xi32>, tensor<2xf32>) {
  %f = nn.constant dense<[-2.7, 2.7, 0.0]> : tensor<3xf32>
  %0 = nn.cast %f : tensor<3xf32> -> tensor<3xi32>
  %1 = nn.cast %f : tensor<3xf32> -> tensor<3xi1>
  %i = nn.constant dense<[-1, 3]> : tensor<2xi64>
  %2 = nn.cast %i : tensor<2xi64> -> tensor<2xf16>
  %3 = nn.cast %i : tensor<2xi64> -> tensor<2xi8>
  %b = nn.constant dense<[true, false]> : tensor<2xi1>
  %4 = nn.cast %b : tensor<2xi1> -> tensor<2xi64>
  %5 = nn.cast %b : tensor<2xi1> -> tensor<2xf32>
  %u = nn.constant dense<[200, 3]> : tensor<2xui8>
  %6 = nn.cast %u : tensor<2xui8> -> tensor<2xf32>
  %7 = nn.cast %u : tensor<2xui8> -> tensor<2xi32>
  // A cast to the same type is the input.
  %8 = nn.cast %x : tensor<2xf32> -> tensor<2xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<3xi32>, tensor<3xi1>, tensor<2xf16>, tensor<2xi8>, tensor<2xi64>, tensor<2xf32>, tensor<2xf32>, tensor<2xi32>, tensor<2xf32>
}

// CHECK-LABEL: func.func @gather
// CHECK-DAG:     %[[S:.*]] = nn.constant dense<4> : tensor<i64>
// Negative indices count from the end.
// CHECK-DAG:     %[[V:.*]] = nn.constant dense<[4, 2]> : tensor<2xi64>
// CHECK-DAG:     %[[R:.*]] = nn.constant dense<{{\[}}[2, 1], [5, 4]]> : tensor<2x2xi64>
// CHECK:         return %[[S]], %[[V]], %[[R]]
func.func @gather() -> (tensor<i64>, tensor<2xi64>, tensor<2x2xi64>) {
  %shape = nn.constant dense<[2, 3, 4]> : tensor<3xi64>
  %i = nn.constant dense<1> : tensor<i64>
  %0 = nn.gather %shape, %i {axis = 0 : i64} : tensor<3xi64>, tensor<i64> -> tensor<i64>
  %j = nn.constant dense<[-1, 0]> : tensor<2xi64>
  %1 = nn.gather %shape, %j {axis = 0 : i64} : tensor<3xi64>, tensor<2xi64> -> tensor<2xi64>
  %m = nn.constant dense<[[0, 1, 2], [3, 4, 5]]> : tensor<2x3xi64>
  %k = nn.constant dense<[2, 1]> : tensor<2xi64>
  %2 = nn.gather %m, %k {axis = 1 : i64} : tensor<2x3xi64>, tensor<2xi64> -> tensor<2x2xi64>
  %3 = nn.add %0, %i : tensor<i64>, tensor<i64> -> tensor<i64>
  return %3, %1, %2 : tensor<i64>, tensor<2xi64>, tensor<2x2xi64>
}

// An index out of range is left for the runtime to report.
// CHECK-LABEL: func.func @gather_out_of_range
// CHECK:         nn.gather
func.func @gather_out_of_range() -> tensor<i64> {
  %shape = nn.constant dense<[2, 3, 4]> : tensor<3xi64>
  %i = nn.constant dense<3> : tensor<i64>
  %0 = nn.gather %shape, %i {axis = 0 : i64} : tensor<3xi64>, tensor<i64> -> tensor<i64>
  return %0 : tensor<i64>
}

// CHECK-LABEL: func.func @concat
// CHECK-DAG:     %[[V:.*]] = nn.constant dense<[2, -1, 7]> : tensor<3xi64>
// CHECK-DAG:     %[[M:.*]] = nn.constant dense<{{\[}}[1, 2, 5], [3, 4, 6]]> : tensor<2x3xi64>
// CHECK:         return %[[V]], %[[M]], %arg0
func.func @concat(%x: tensor<2xf32>) -> (tensor<3xi64>, tensor<2x3xi64>, tensor<2xf32>) {
  %a = nn.constant dense<2> : tensor<1xi64>
  %b = nn.constant dense<[-1, 7]> : tensor<2xi64>
  %0 = nn.concat %a, %b {axis = 0 : i64} : tensor<1xi64>, tensor<2xi64> -> tensor<3xi64>
  %m = nn.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %n = nn.constant dense<[[5], [6]]> : tensor<2x1xi64>
  %1 = nn.concat %m, %n {axis = 1 : i64} : tensor<2x2xi64>, tensor<2x1xi64> -> tensor<2x3xi64>
  // One input is the input itself.
  %2 = nn.concat %x {axis = 0 : i64} : tensor<2xf32> -> tensor<2xf32>
  return %0, %1, %2 : tensor<3xi64>, tensor<2x3xi64>, tensor<2xf32>
}

// CHECK-LABEL: func.func @slice
// CHECK-DAG:     %[[A:.*]] = nn.constant dense<[3, 4]> : tensor<2xi64>
// CHECK-DAG:     %[[R:.*]] = nn.constant dense<[4, 2]> : tensor<2xi64>
// CHECK-DAG:     %[[M:.*]] = nn.constant dense<{{\[}}[5], [2]]> : tensor<2x1xi64>
// CHECK:         return %[[A]], %[[R]], %[[M]], %arg0
func.func @slice(%x: tensor<2x3xf32>) -> (tensor<2xi64>, tensor<2xi64>, tensor<2x1xi64>, tensor<2x3xf32>) {
  %s = nn.constant dense<[2, 3, 4]> : tensor<3xi64>
  %0 = nn.slice %s {ends = array<i64: 3>, starts = array<i64: 1>, steps = array<i64: 1>} : tensor<3xi64> -> tensor<2xi64>
  // Backwards with step -2 from the last element.
  %1 = nn.slice %s {ends = array<i64: -1>, starts = array<i64: 2>, steps = array<i64: -2>} : tensor<3xi64> -> tensor<2xi64>
  %m = nn.constant dense<[[0, 1, 2], [3, 4, 5]]> : tensor<2x3xi64>
  %2 = nn.slice %m {ends = array<i64: -1, 1>, starts = array<i64: 1, 2>, steps = array<i64: -1, -2>} : tensor<2x3xi64> -> tensor<2x1xi64>
  // A slice of everything is its input.
  %3 = nn.slice %x {ends = array<i64: 2, 3>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<2xi64>, tensor<2x1xi64>, tensor<2x3xf32>
}

// A reversal keeps the type but is no identity.
// CHECK-LABEL: func.func @slice_reverse
// CHECK:         %[[R:.*]] = nn.slice %arg0
// CHECK:         return %[[R]]
func.func @slice_reverse(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = nn.slice %x {ends = array<i64: -1>, starts = array<i64: 2>, steps = array<i64: -1>} : tensor<3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// CHECK-LABEL: func.func @reshape_like
// CHECK-DAG:     %[[U:.*]] = nn.constant dense<7> : tensor<1xi64>
// CHECK-DAG:     %[[S:.*]] = nn.constant dense<7> : tensor<i64>
// CHECK-DAG:     %[[R:.*]] = nn.constant dense<{{\[}}[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK-DAG:     %[[F:.*]] = nn.constant dense<{{\[}}[1, 2, 3, 4, 5, 6]]> : tensor<1x6xi64>
// CHECK:         return %[[U]], %[[S]], %[[R]], %[[F]], %arg0, %arg0
func.func @reshape_like(%x: tensor<2x3xf32>) -> (tensor<1xi64>, tensor<i64>, tensor<2x3xi64>, tensor<1x6xi64>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %s = nn.constant dense<7> : tensor<i64>
  %0 = nn.unsqueeze %s {axes = array<i64: 0>} : tensor<i64> -> tensor<1xi64>
  %1 = nn.squeeze %0 {axes = array<i64: 0>} : tensor<1xi64> -> tensor<i64>
  %v = nn.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi64>
  %2 = nn.reshape %v : tensor<6xi64> -> tensor<2x3xi64>
  %3 = nn.flatten %2 {axis = 0 : i64} : tensor<2x3xi64> -> tensor<1x6xi64>
  // Reshapes to the same type are their input.
  %4 = nn.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %5 = nn.flatten %x {axis = 1 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1xi64>, tensor<i64>, tensor<2x3xi64>, tensor<1x6xi64>, tensor<2x3xf32>, tensor<2x3xf32>
}

// Non-constant reshapes stay.
// CHECK-LABEL: func.func @reshape_value
// CHECK:         nn.reshape %arg0 : tensor<2x3xf32> -> tensor<6xf32>
func.func @reshape_value(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  %0 = nn.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// CHECK-LABEL: func.func @transpose
// CHECK-DAG:     %[[T:.*]] = nn.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
// CHECK-DAG:     %[[P:.*]] = nn.constant dense<{{\[}}{{\[}}[0, 3]], {{\[}}[1, 4]], {{\[}}[2, 5]]]> : tensor<3x1x2xi64>
// CHECK:         return %[[T]], %[[P]], %arg0
func.func @transpose(%x: tensor<2x3xf32>) -> (tensor<3x2xi64>, tensor<3x1x2xi64>, tensor<2x3xf32>) {
  %m = nn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = nn.transpose %m {perm = array<i64: 1, 0>} : tensor<2x3xi64> -> tensor<3x2xi64>
  %n = nn.constant dense<[[[0, 1, 2]], [[3, 4, 5]]]> : tensor<2x1x3xi64>
  %1 = nn.transpose %n {perm = array<i64: 2, 1, 0>} : tensor<2x1x3xi64> -> tensor<3x1x2xi64>
  // The identity permutation is its input.
  %2 = nn.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<3x2xi64>, tensor<3x1x2xi64>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @where
// CHECK-DAG:     %[[W:.*]] = nn.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [-1.000000e+00, -1.000000e+00]]> : tensor<2x2xf32>
// CHECK:         return %[[W]]
func.func @where() -> tensor<2x2xf32> {
  %c = nn.constant dense<[[true], [false]]> : tensor<2x1xi1>
  %x = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = nn.constant dense<-1.0> : tensor<f32>
  %0 = nn.where %c, %x, %y : tensor<2x1xi1>, tensor<2xf32>, tensor<f32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// CHECK-LABEL: func.func @expand
// CHECK-DAG:     %[[E:.*]] = nn.constant dense<{{\[}}[1, 1, 1], [2, 2, 2]]> : tensor<2x3xi64>
// CHECK:         return %[[E]], %arg0
func.func @expand(%x: tensor<2xf32>) -> (tensor<2x3xi64>, tensor<2xf32>) {
  %c = nn.constant dense<[[1], [2]]> : tensor<2x1xi64>
  %0 = nn.expand %c : tensor<2x1xi64> -> tensor<2x3xi64>
  %1 = nn.expand %x : tensor<2xf32> -> tensor<2xf32>
  return %0, %1 : tensor<2x3xi64>, tensor<2xf32>
}

// The shape of a view: Gather, Unsqueeze and Concat of constants fold into
// one constant shape.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NEXT:    %[[C:.*]] = nn.constant dense<[2, -1]> : tensor<2xi64>
// CHECK-NEXT:    return %[[C]]
func.func @shape_chain() -> tensor<2xi64> {
  %shape = nn.constant dense<[2, 3, 4]> : tensor<3xi64>
  %zero = nn.constant dense<0> : tensor<i64>
  %n = nn.gather %shape, %zero {axis = 0 : i64} : tensor<3xi64>, tensor<i64> -> tensor<i64>
  %n1 = nn.unsqueeze %n {axes = array<i64: 0>} : tensor<i64> -> tensor<1xi64>
  %m = nn.constant dense<-1> : tensor<1xi64>
  %0 = nn.concat %n1, %m {axis = 0 : i64} : tensor<1xi64>, tensor<1xi64> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Unsigned integers divide and compare as unsigned: 200 is not negative.
// CHECK-LABEL: func.func @unsigned_div_compare
// CHECK-NEXT:    %[[D:.*]] = nn.constant dense<[100, 1]> : tensor<2xui8>
// CHECK-NEXT:    %[[L:.*]] = nn.constant dense<[false, true]> : tensor<2xi1>
// CHECK-NEXT:    %[[G:.*]] = nn.constant dense<[true, false]> : tensor<2xi1>
// CHECK-NEXT:    return %[[D]], %[[L]], %[[G]]
func.func @unsigned_div_compare() -> (tensor<2xui8>, tensor<2xi1>, tensor<2xi1>) {
  %a = nn.constant dense<[200, 3]> : tensor<2xui8>
  %b = nn.constant dense<[2, 3]> : tensor<2xui8>
  %c = nn.constant dense<100> : tensor<ui8>
  %0 = nn.div %a, %b : tensor<2xui8>, tensor<2xui8> -> tensor<2xui8>
  %1 = nn.less %a, %c : tensor<2xui8>, tensor<ui8> -> tensor<2xi1>
  %2 = nn.greater %a, %c : tensor<2xui8>, tensor<ui8> -> tensor<2xi1>
  return %0, %1, %2 : tensor<2xui8>, tensor<2xi1>, tensor<2xi1>
}
