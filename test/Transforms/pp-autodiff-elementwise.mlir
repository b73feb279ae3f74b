// RUN: pp-opt %s -split-input-file --pp-autodiff | FileCheck %s

// The gradient rules of max, min, hard_sigmoid, hard_swish, clip, softplus,
// abs, sin, cos, reciprocal, fmod, and the zero gradient of floor, ceil and
// sign.

// max and min: each operand's gradient from max_grad / min_grad with the
// operands in its order, summed back to its shape.
func.func @extremum(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = nn.max %x, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = nn.min %0, %x : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @extremum_backward_input(
// CHECK-SAME:    %[[MAX:[^:]+]]: tensor<2x3xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    %[[B:[^:]+]]: tensor<3xf32> {pp.key = "s2", pp.role = "saved"},
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2x3xf32> {pp.key = "result0", pp.role = "output_grad"})
// CHECK:         %[[DMAX:.+]] = nn.min_grad %[[DY]], %[[MAX]], %[[X]] : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
// CHECK:         %[[DX1:.+]] = nn.min_grad %[[DY]], %[[X]], %[[MAX]] : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
// CHECK:         %[[DX2:.+]] = nn.max_grad %[[DMAX]], %[[X]], %[[B]] : tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32>
// CHECK:         %[[DBFULL:.+]] = nn.max_grad %[[DMAX]], %[[B]], %[[X]] : tensor<2x3xf32>, tensor<3xf32>, tensor<2x3xf32>
// CHECK:         %[[DB:.+]] = nn.sum_to %[[DBFULL]] : tensor<2x3xf32> -> tensor<3xf32>
// CHECK:         %[[DX:.+]] = nn.add %[[DX1]], %[[DX2]]
// CHECK:         return %[[DX]], %[[DB]]

// -----

// Fused gradient ops for the piecewise activations (with the forward op's
// attributes), compositions for the smooth functions. Reciprocal reads its
// result, the others their input.
func.func @activations(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = nn.hard_sigmoid %x {alpha = 0.166666672 : f32, beta = 0.5 : f32} : tensor<2x3xf32>
  %1 = nn.hard_swish %0 : tensor<2x3xf32>
  %2 = nn.clip %1 {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x3xf32>
  %3 = nn.softplus %2 : tensor<2x3xf32>
  %4 = nn.abs %3 : tensor<2x3xf32>
  %5 = nn.sin %4 : tensor<2x3xf32>
  %6 = nn.cos %5 : tensor<2x3xf32>
  %7 = nn.reciprocal %6 : tensor<2x3xf32>
  return %7 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @activations(
// CHECK:         %[[HS:.+]] = nn.hard_sigmoid %{{[^ ]+}}
// CHECK:         %[[SW:.+]] = nn.hard_swish %[[HS]]
// CHECK:         %[[CL:.+]] = nn.clip %[[SW]]
// CHECK:         %[[SP:.+]] = nn.softplus %[[CL]]
// CHECK:         %[[AB:.+]] = nn.abs %[[SP]]
// CHECK:         %[[SI:.+]] = nn.sin %[[AB]]
// CHECK:         %[[CO:.+]] = nn.cos %[[SI]]
// CHECK:         %[[RE:.+]] = nn.reciprocal %[[CO]]
// CHECK:         return %[[RE]], %[[RE]], %[[SI]], %[[AB]], %[[SP]], %[[CL]], %[[SW]], %[[HS]], %{{[^ ]+}} :

// CHECK-LABEL: func.func @activations_backward_input(
// CHECK-SAME:    %[[Y:[^:]+]]: tensor<2x3xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[S1:[^:]+]]: tensor<2x3xf32> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    %[[S2:[^:]+]]: tensor<2x3xf32> {pp.key = "s2", pp.role = "saved"},
// CHECK-SAME:    %[[S3:[^:]+]]: tensor<2x3xf32> {pp.key = "s3", pp.role = "saved"},
// CHECK-SAME:    %[[S4:[^:]+]]: tensor<2x3xf32> {pp.key = "s4", pp.role = "saved"},
// CHECK-SAME:    %[[S5:[^:]+]]: tensor<2x3xf32> {pp.key = "s5", pp.role = "saved"},
// CHECK-SAME:    %[[S6:[^:]+]]: tensor<2x3xf32> {pp.key = "s6", pp.role = "saved"},
// CHECK-SAME:    %[[S7:[^:]+]]: tensor<2x3xf32> {pp.key = "s7", pp.role = "saved"},
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2x3xf32> {pp.key = "result0", pp.role = "output_grad"})
// reciprocal: -dy * y^2
// CHECK:         %[[NDY:.+]] = nn.neg %[[DY]]
// CHECK:         %[[YY:.+]] = nn.mul %[[Y]], %[[Y]]
// CHECK:         %[[D7:.+]] = nn.mul %[[NDY]], %[[YY]]
// cos: dy * -sin(x)
// CHECK:         %[[SIN:.+]] = nn.sin %[[S1]]
// CHECK:         %[[NSIN:.+]] = nn.neg %[[SIN]]
// CHECK:         %[[D6:.+]] = nn.mul %[[D7]], %[[NSIN]]
// sin: dy * cos(x)
// CHECK:         %[[COS:.+]] = nn.cos %[[S2]]
// CHECK:         %[[D5:.+]] = nn.mul %[[D6]], %[[COS]]
// abs: dy * sign(x)
// CHECK:         %[[SIGN:.+]] = nn.sign %[[S3]]
// CHECK:         %[[D4:.+]] = nn.mul %[[D5]], %[[SIGN]]
// softplus: dy * sigmoid(x)
// CHECK:         %[[SIG:.+]] = nn.sigmoid %[[S4]]
// CHECK:         %[[D3:.+]] = nn.mul %[[D4]], %[[SIG]]
// CHECK:         %[[D2:.+]] = nn.clip_grad %[[D3]], %[[S5]] {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<2x3xf32>
// CHECK:         %[[D1:.+]] = nn.hard_swish_grad %[[D2]], %[[S6]] : tensor<2x3xf32>
// CHECK:         %[[D0:.+]] = nn.hard_sigmoid_grad %[[D1]], %[[S7]] {alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32} : tensor<2x3xf32>
// CHECK:         return %[[D0]]

// -----

// Floor, ceil and sign pass no gradient: x reaches the output only through
// floor and gets zeros; y gets its gradient through the product only, and
// nothing is kept for the rounding ops.
func.func @zero(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = nn.floor %x : tensor<2x3xf32>
  %1 = nn.ceil %y : tensor<2x3xf32>
  %2 = nn.sign %1 : tensor<2x3xf32>
  %3 = nn.mul %0, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = nn.add %3, %2 : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %4 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @zero_backward_input(
// CHECK-SAME:    %[[FLOOR:[^:]+]]: tensor<2x3xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2x3xf32> {pp.key = "result0", pp.role = "output_grad"})
// CHECK-NEXT:    %[[DYY:.+]] = nn.mul %[[DY]], %[[FLOOR]]
// CHECK-NEXT:    %[[ZERO:.+]] = nn.constant dense<0.000000e+00> : tensor<2x3xf32>
// CHECK-NEXT:    return %[[ZERO]], %[[DYY]]

// -----

// fmod(a, b): da = dy, db = -sum_to(dy * trunc(a / b)).
func.func @fmod(%x: tensor<2x3xf32>, %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = nn.mod %x, %y {fmod = true} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @fmod_backward_input(
// CHECK-SAME:    %[[A:[^:]+]]: tensor<2x3xf32> {pp.key = "s0", pp.role = "saved"},
// CHECK-SAME:    %[[B:[^:]+]]: tensor<3xf32> {pp.key = "s1", pp.role = "saved"},
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<2x3xf32> {pp.key = "result0", pp.role = "output_grad"})
// CHECK:         %[[Q:.+]] = nn.div %[[A]], %[[B]]
// CHECK:         %[[NEG:.+]] = nn.less %[[Q]], %{{.+}}
// CHECK:         %[[FL:.+]] = nn.floor %[[Q]]
// CHECK:         %[[CE:.+]] = nn.ceil %[[Q]]
// CHECK:         %[[T:.+]] = nn.where %[[NEG]], %[[CE]], %[[FL]]
// CHECK:         %[[P:.+]] = nn.mul %[[DY]], %[[T]]
// CHECK:         %[[S:.+]] = nn.sum_to %[[P]] : tensor<2x3xf32> -> tensor<3xf32>
// CHECK:         %[[DB:.+]] = nn.neg %[[S]]
// CHECK:         return %[[DY]], %[[DB]]
