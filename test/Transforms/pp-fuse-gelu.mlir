// RUN: pp-opt %s --pp-fuse-gelu --split-input-file --mlir-print-debuginfo \
// RUN:   --mlir-print-local-scope | FileCheck %s

// PyTorch's exact form below opset 17: x * (1 + erf(x / sqrt(2))) * 0.5. The
// chain takes its last op's location, and its constants go with it.

// CHECK-LABEL: func.func @exact
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<8x128xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.gelu %[[X]] : tensor<8x128xf32> loc("/act/Mul_1")
// CHECK-NEXT: return %[[Y]]
func.func @exact(%x: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %0 = nn.constant dense<1.41421354> : tensor<f32>
  %1 = nn.div %x, %0 : tensor<8x128xf32>, tensor<f32> -> tensor<8x128xf32>
  %2 = nn.erf %1 : tensor<8x128xf32>
  %3 = nn.constant dense<1.000000e+00> : tensor<f32>
  %4 = nn.add %2, %3 : tensor<8x128xf32>, tensor<f32> -> tensor<8x128xf32>
  %5 = nn.mul %x, %4 : tensor<8x128xf32>, tensor<8x128xf32> -> tensor<8x128xf32>
  %6 = nn.constant dense<5.000000e-01> : tensor<f32>
  %7 = nn.mul %5, %6 : tensor<8x128xf32>, tensor<f32> -> tensor<8x128xf32> loc("/act/Mul_1")
  return %7 : tensor<8x128xf32>
}

// -----

// PyTorch's tanh form:
// 0.5 * (x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * (x * (x * x)))))).

// CHECK-LABEL: func.func @tanh
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x16x256xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.gelu %[[X]] {approximate = #nn<approximate tanh>} : tensor<2x16x256xf32> loc("/act/Mul_5")
// CHECK-NEXT: return %[[Y]]
func.func @tanh(%x: tensor<2x16x256xf32>) -> tensor<2x16x256xf32> {
  %0 = nn.mul %x, %x : tensor<2x16x256xf32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32>
  %1 = nn.mul %x, %0 : tensor<2x16x256xf32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32>
  %2 = nn.constant dense<4.471500e-02> : tensor<f32>
  %3 = nn.mul %2, %1 : tensor<f32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32>
  %4 = nn.add %x, %3 : tensor<2x16x256xf32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32>
  %5 = nn.constant dense<0.797884583> : tensor<f32>
  %6 = nn.mul %5, %4 : tensor<f32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32>
  %7 = nn.tanh %6 : tensor<2x16x256xf32>
  %8 = nn.constant dense<1.000000e+00> : tensor<f32>
  %9 = nn.add %8, %7 : tensor<f32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32>
  %10 = nn.mul %x, %9 : tensor<2x16x256xf32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32>
  %11 = nn.constant dense<5.000000e-01> : tensor<f32>
  %12 = nn.mul %11, %10 : tensor<f32>, tensor<2x16x256xf32> -> tensor<2x16x256xf32> loc("/act/Mul_5")
  return %12 : tensor<2x16x256xf32>
}

// -----

// The tanh form with every commutative op's operands swapped, the cube as
// (x * x) * x, the 0.5 applied to x first, and constants of all-ones shapes
// and one a splat along x's last dimension.

// CHECK-LABEL: func.func @tanh_swapped
// CHECK-NEXT: nn.gelu %{{.*}} {approximate = #nn<approximate tanh>} : tensor<4x8xf32>
// CHECK-NEXT: return
func.func @tanh_swapped(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.mul %x, %x : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = nn.mul %0, %x : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = nn.constant dense<4.471500e-02> : tensor<1x1xf32>
  %3 = nn.mul %1, %2 : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xf32>
  %4 = nn.add %3, %x : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %5 = nn.constant dense<0.797884583> : tensor<8xf32>
  %6 = nn.mul %4, %5 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  %7 = nn.tanh %6 : tensor<4x8xf32>
  %8 = nn.constant dense<1.000000e+00> : tensor<1x1xf32>
  %9 = nn.add %7, %8 : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xf32>
  %10 = nn.constant dense<5.000000e-01> : tensor<f32>
  %11 = nn.mul %x, %10 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %12 = nn.mul %9, %11 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %12 : tensor<4x8xf32>
}

// -----

// GPT-2's hand-written form: 0.5 * x * (1 + tanh(... * (x + 0.044715 *
// pow(x, 3)))), the 0.5 on x first.

// CHECK-LABEL: func.func @tanh_pow
// CHECK-NEXT: nn.gelu %{{.*}} {approximate = #nn<approximate tanh>} : tensor<4x8xf32>
// CHECK-NEXT: return
func.func @tanh_pow(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.constant dense<3.000000e+00> : tensor<f32>
  %1 = nn.pow %x, %0 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %2 = nn.constant dense<4.471500e-02> : tensor<f32>
  %3 = nn.mul %2, %1 : tensor<f32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %4 = nn.add %x, %3 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %5 = nn.constant dense<0.797884583> : tensor<f32>
  %6 = nn.mul %5, %4 : tensor<f32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %7 = nn.tanh %6 : tensor<4x8xf32>
  %8 = nn.constant dense<1.000000e+00> : tensor<f32>
  %9 = nn.add %8, %7 : tensor<f32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %10 = nn.constant dense<5.000000e-01> : tensor<f32>
  %11 = nn.mul %10, %x : tensor<f32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %12 = nn.mul %11, %9 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %12 : tensor<4x8xf32>
}

// -----

// The exact form in f64, with x * (1 / sqrt(2)) for the division, the
// operands of each commutative op swapped, and x times 0.5 * (1 + erf).

// CHECK-LABEL: func.func @exact_f64
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3x5xf64>
// CHECK-NEXT: %[[Y:.*]] = nn.gelu %[[X]] : tensor<3x5xf64>
// CHECK-NEXT: return %[[Y]]
func.func @exact_f64(%x: tensor<3x5xf64>) -> tensor<3x5xf64> {
  %0 = nn.constant dense<0.70710678118654757> : tensor<f64>
  %1 = nn.mul %0, %x : tensor<f64>, tensor<3x5xf64> -> tensor<3x5xf64>
  %2 = nn.erf %1 : tensor<3x5xf64>
  %3 = nn.constant dense<1.000000e+00> : tensor<f64>
  %4 = nn.add %3, %2 : tensor<f64>, tensor<3x5xf64> -> tensor<3x5xf64>
  %5 = nn.constant dense<5.000000e-01> : tensor<f64>
  %6 = nn.mul %4, %5 : tensor<3x5xf64>, tensor<f64> -> tensor<3x5xf64>
  %7 = nn.mul %6, %x : tensor<3x5xf64>, tensor<3x5xf64> -> tensor<3x5xf64>
  return %7 : tensor<3x5xf64>
}

// -----

// Two chains on one input (which has other uses, as inputs do), sharing
// their constants: both fuse, and the constants go once neither uses them.

// CHECK-LABEL: func.func @two_chains
// CHECK-NOT: nn.constant
// CHECK: nn.gelu %[[X:.*]] : tensor<4xf32>
// CHECK-NEXT: nn.gelu %[[X]] : tensor<4xf32>
// CHECK-NEXT: return
func.func @two_chains(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %half = nn.constant dense<5.000000e-01> : tensor<f32>
  %one = nn.constant dense<1.000000e+00> : tensor<f32>
  %sqrt2 = nn.constant dense<1.41421354> : tensor<f32>
  %0 = nn.div %x, %sqrt2 : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %1 = nn.erf %0 : tensor<4xf32>
  %2 = nn.add %1, %one : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %3 = nn.mul %x, %2 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %4 = nn.mul %3, %half : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %5 = nn.div %x, %sqrt2 : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %6 = nn.erf %5 : tensor<4xf32>
  %7 = nn.add %6, %one : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %8 = nn.mul %x, %7 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %9 = nn.mul %8, %half : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  return %4, %9, %x : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Half-precision types: constants rounded to the element type still match
// (1.41421354 is 1.4140625 in f16, 0.044715 is 0.0446777 in bf16).

// CHECK-LABEL: func.func @exact_f16
// CHECK-NEXT: nn.gelu %{{.*}} : tensor<4xf16>
// CHECK-NEXT: return
func.func @exact_f16(%x: tensor<4xf16>) -> tensor<4xf16> {
  %0 = nn.constant dense<1.41421354> : tensor<f16>
  %1 = nn.div %x, %0 : tensor<4xf16>, tensor<f16> -> tensor<4xf16>
  %2 = nn.erf %1 : tensor<4xf16>
  %3 = nn.constant dense<1.000000e+00> : tensor<f16>
  %4 = nn.add %2, %3 : tensor<4xf16>, tensor<f16> -> tensor<4xf16>
  %5 = nn.mul %x, %4 : tensor<4xf16>, tensor<4xf16> -> tensor<4xf16>
  %6 = nn.constant dense<5.000000e-01> : tensor<f16>
  %7 = nn.mul %5, %6 : tensor<4xf16>, tensor<f16> -> tensor<4xf16>
  return %7 : tensor<4xf16>
}

// CHECK-LABEL: func.func @tanh_bf16
// CHECK-NEXT: nn.gelu %{{.*}} {approximate = #nn<approximate tanh>} : tensor<4xbf16>
// CHECK-NEXT: return
func.func @tanh_bf16(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = nn.mul %x, %x : tensor<4xbf16>, tensor<4xbf16> -> tensor<4xbf16>
  %1 = nn.mul %x, %0 : tensor<4xbf16>, tensor<4xbf16> -> tensor<4xbf16>
  %2 = nn.constant dense<4.471500e-02> : tensor<bf16>
  %3 = nn.mul %2, %1 : tensor<bf16>, tensor<4xbf16> -> tensor<4xbf16>
  %4 = nn.add %x, %3 : tensor<4xbf16>, tensor<4xbf16> -> tensor<4xbf16>
  %5 = nn.constant dense<0.797884583> : tensor<bf16>
  %6 = nn.mul %5, %4 : tensor<bf16>, tensor<4xbf16> -> tensor<4xbf16>
  %7 = nn.tanh %6 : tensor<4xbf16>
  %8 = nn.constant dense<1.000000e+00> : tensor<bf16>
  %9 = nn.add %8, %7 : tensor<bf16>, tensor<4xbf16> -> tensor<4xbf16>
  %10 = nn.mul %x, %9 : tensor<4xbf16>, tensor<4xbf16> -> tensor<4xbf16>
  %11 = nn.constant dense<5.000000e-01> : tensor<bf16>
  %12 = nn.mul %11, %10 : tensor<bf16>, tensor<4xbf16> -> tensor<4xbf16>
  return %12 : tensor<4xbf16>
}

// -----

// A value inside the chain with another use: fusing would compute it twice,
// so the chain is left as it is.

// CHECK-LABEL: func.func @extra_use
// CHECK-NOT: nn.gelu
// CHECK: nn.erf
// CHECK: return
func.func @extra_use(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = nn.constant dense<1.41421354> : tensor<f32>
  %1 = nn.div %x, %0 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %2 = nn.erf %1 : tensor<8xf32>
  %3 = nn.constant dense<1.000000e+00> : tensor<f32>
  %4 = nn.add %2, %3 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %5 = nn.mul %x, %4 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %6 = nn.constant dense<5.000000e-01> : tensor<f32>
  %7 = nn.mul %5, %6 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  return %7, %4 : tensor<8xf32>, tensor<8xf32>
}

// -----

// The square inside the tanh form with another use: left alone.

// CHECK-LABEL: func.func @extra_use_square
// CHECK-NOT: nn.gelu
// CHECK: nn.tanh
func.func @extra_use_square(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = nn.mul %x, %x : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %1 = nn.mul %x, %0 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %2 = nn.constant dense<4.471500e-02> : tensor<f32>
  %3 = nn.mul %2, %1 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  %4 = nn.add %x, %3 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %5 = nn.constant dense<0.797884583> : tensor<f32>
  %6 = nn.mul %5, %4 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  %7 = nn.tanh %6 : tensor<8xf32>
  %8 = nn.constant dense<1.000000e+00> : tensor<f32>
  %9 = nn.add %8, %7 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  %10 = nn.mul %x, %9 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %11 = nn.constant dense<5.000000e-01> : tensor<f32>
  %12 = nn.mul %11, %10 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  return %12, %0 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Constants off PyTorch's values are a different function: 1.4142 is 1.5e-5
// off sqrt(2), 0.044 is not 0.044715, and 0.25 is not 0.5.

// CHECK-LABEL: func.func @wrong_sqrt2
// CHECK-NOT: nn.gelu
// CHECK: nn.erf
func.func @wrong_sqrt2(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = nn.constant dense<1.414200e+00> : tensor<f32>
  %1 = nn.div %x, %0 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %2 = nn.erf %1 : tensor<8xf32>
  %3 = nn.constant dense<1.000000e+00> : tensor<f32>
  %4 = nn.add %2, %3 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %5 = nn.mul %x, %4 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %6 = nn.constant dense<5.000000e-01> : tensor<f32>
  %7 = nn.mul %5, %6 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  return %7 : tensor<8xf32>
}

// CHECK-LABEL: func.func @wrong_kappa
// CHECK-NOT: nn.gelu
// CHECK: nn.tanh
func.func @wrong_kappa(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = nn.mul %x, %x : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %1 = nn.mul %x, %0 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %2 = nn.constant dense<4.400000e-02> : tensor<f32>
  %3 = nn.mul %2, %1 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  %4 = nn.add %x, %3 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %5 = nn.constant dense<0.797884583> : tensor<f32>
  %6 = nn.mul %5, %4 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  %7 = nn.tanh %6 : tensor<8xf32>
  %8 = nn.constant dense<1.000000e+00> : tensor<f32>
  %9 = nn.add %8, %7 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  %10 = nn.mul %x, %9 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %11 = nn.constant dense<5.000000e-01> : tensor<f32>
  %12 = nn.mul %11, %10 : tensor<f32>, tensor<8xf32> -> tensor<8xf32>
  return %12 : tensor<8xf32>
}

// CHECK-LABEL: func.func @wrong_half
// CHECK-NOT: nn.gelu
// CHECK: nn.erf
func.func @wrong_half(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = nn.constant dense<1.41421354> : tensor<f32>
  %1 = nn.div %x, %0 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %2 = nn.erf %1 : tensor<8xf32>
  %3 = nn.constant dense<1.000000e+00> : tensor<f32>
  %4 = nn.add %2, %3 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %5 = nn.mul %x, %4 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %6 = nn.constant dense<2.500000e-01> : tensor<f32>
  %7 = nn.mul %5, %6 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  return %7 : tensor<8xf32>
}

// -----

// A constant that does not broadcast away (its rank is above x's) makes the
// result wider than x: not a GELU of x.

// CHECK-LABEL: func.func @widening_constant
// CHECK-NOT: nn.gelu
// CHECK: nn.erf
func.func @widening_constant(%x: tensor<8xf32>) -> tensor<1x8xf32> {
  %0 = nn.constant dense<1.41421354> : tensor<f32>
  %1 = nn.div %x, %0 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %2 = nn.erf %1 : tensor<8xf32>
  %3 = nn.constant dense<1.000000e+00> : tensor<1x1xf32>
  %4 = nn.add %2, %3 : tensor<8xf32>, tensor<1x1xf32> -> tensor<1x8xf32>
  %5 = nn.mul %x, %4 : tensor<8xf32>, tensor<1x8xf32> -> tensor<1x8xf32>
  %6 = nn.constant dense<5.000000e-01> : tensor<f32>
  %7 = nn.mul %5, %6 : tensor<1x8xf32>, tensor<f32> -> tensor<1x8xf32>
  return %7 : tensor<1x8xf32>
}

// -----

// Different inputs in the two halves of the chain: not a GELU.

// CHECK-LABEL: func.func @two_inputs
// CHECK-NOT: nn.gelu
// CHECK: nn.erf
func.func @two_inputs(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %0 = nn.constant dense<1.41421354> : tensor<f32>
  %1 = nn.div %y, %0 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %2 = nn.erf %1 : tensor<8xf32>
  %3 = nn.constant dense<1.000000e+00> : tensor<f32>
  %4 = nn.add %2, %3 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %5 = nn.mul %x, %4 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %6 = nn.constant dense<5.000000e-01> : tensor<f32>
  %7 = nn.mul %5, %6 : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  return %7 : tensor<8xf32>
}
