// RUN: pp-opt %s -split-input-file -verify-diagnostics

// Verifier errors of the elementwise ops for ONNX's Clip, Max, Min, Mod,
// LessOrEqual, Sin and HardSigmoid, and of their gradient ops.

func.func @clip_bound_type(%x: tensor<2x3xf32>) {
  // expected-error @below {{'nn.clip' op min must be a scalar of the element type 'f32', got 0.000000e+00 : f64}}
  %0 = nn.clip %x {min = 0.0 : f64} : tensor<2x3xf32>
  return
}

// -----

func.func @clip_float_bound_of_int(%x: tensor<4xi64>) {
  // expected-error @below {{'nn.clip' op max must be a scalar of the element type 'i64', got 6.000000e+00 : f32}}
  %0 = nn.clip %x {max = 6.0 : f32} : tensor<4xi64>
  return
}

// -----

func.func @clip_bound_not_scalar(%x: tensor<2xf32>) {
  // expected-error @below {{'nn.clip' op min must be a scalar of the element type 'f32', got "zero"}}
  %0 = nn.clip %x {min = "zero"} : tensor<2xf32>
  return
}

// -----

func.func @max_element_types(%a: tensor<2x3xf32>, %b: tensor<3xf64>) {
  // expected-error @below {{'nn.max' op operands differ in element type: 'tensor<2x3xf32>' vs 'tensor<3xf64>'}}
  %0 = nn.max %a, %b : tensor<2x3xf32>, tensor<3xf64> -> tensor<2x3xf32>
  return
}

// -----

func.func @min_shapes(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @below {{'nn.min' op}}
  %0 = nn.min %a, %b : tensor<2x3xf32>, tensor<4xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @less_equal_types(%a: tensor<3xi64>, %b: tensor<3xi32>) {
  // expected-error @below {{'nn.less_equal' op operands differ in element type: 'tensor<3xi64>' vs 'tensor<3xi32>'}}
  %0 = nn.less_equal %a, %b : tensor<3xi64>, tensor<3xi32> -> tensor<3xi1>
  return
}

// -----

func.func @float_mod_without_fmod(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @below {{'nn.mod' op floating-point operands need fmod = true, got 'tensor<3xf32>'}}
  %0 = nn.mod %a, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @sin_of_int(%a: tensor<3xi32>) {
  // expected-error @below {{'nn.sin' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<3xi32>'}}
  %0 = nn.sin %a : tensor<3xi32>
  return
}

// -----

func.func @hard_sigmoid_of_int(%a: tensor<3xi32>) {
  // expected-error @below {{'nn.hard_sigmoid' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<3xi32>'}}
  %0 = nn.hard_sigmoid %a : tensor<3xi32>
  return
}

// -----

func.func @clip_grad_int_bound(%dy: tensor<3xf32>, %x: tensor<3xf32>) {
  // expected-error @below {{'nn.clip_grad' op max must be a scalar of the element type 'f32', got 6 : i64}}
  %0 = nn.clip_grad %dy, %x {max = 6 : i64} : tensor<3xf32>
  return
}

// -----

func.func @max_grad_shape(%dy: tensor<2x3xf32>, %a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @below {{'nn.max_grad' op a 'tensor<3xf32>' and b 'tensor<3xf32>' must broadcast to dy's shape [2, 3]}}
  %0 = nn.max_grad %dy, %a, %b : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}

// -----

func.func @min_grad_type(%dy: tensor<3xf32>, %a: tensor<3xf64>, %b: tensor<3xf32>) {
  // expected-error @below {{'nn.min_grad' op a must have element type 'f32', got 'tensor<3xf64>'}}
  %0 = nn.min_grad %dy, %a, %b : tensor<3xf32>, tensor<3xf64>, tensor<3xf32>
  return
}
