// RUN: pp-opt %s --pp-fuse-linear --split-input-file --mlir-print-debuginfo \
// RUN:   --mlir-print-local-scope | FileCheck %s

// PyTorch's nn.Linear on a 3-D activation without constant folding:
// Transpose(W), MatMul, Add(b, .). One gemm over the flattened activation
// reads W transposed in place and adds b; it and the reshape back take the
// add's location, the reshape into a matrix the matmul's.

// CHECK-LABEL: func.func @linear_3d
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x16x64xf32>
// CHECK-NEXT: %[[W:.*]] = ml_program.global_load @w
// CHECK-NEXT: %[[B:.*]] = ml_program.global_load @b
// CHECK-NEXT: %[[A:.*]] = nn.reshape %[[X]] : tensor<2x16x64xf32> -> tensor<32x64xf32> loc("/fc/MatMul")
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[A]], %[[W]], %[[B]] {transB = true} : tensor<32x64xf32>, tensor<192x64xf32>, tensor<192xf32> -> tensor<32x192xf32> loc("/fc/Add")
// CHECK-NEXT: %[[Y:.*]] = nn.reshape %[[G]] : tensor<32x192xf32> -> tensor<2x16x192xf32> loc("/fc/Add")
// CHECK-NEXT: return %[[Y]]
ml_program.global private mutable @w(dense<1.0> : tensor<192x64xf32>) : tensor<192x64xf32>
ml_program.global private mutable @b(dense<1.0> : tensor<192xf32>) : tensor<192xf32>
func.func @linear_3d(%x: tensor<2x16x64xf32>) -> tensor<2x16x192xf32> {
  %w = ml_program.global_load @w : tensor<192x64xf32>
  %b = ml_program.global_load @b : tensor<192xf32>
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<192x64xf32> -> tensor<64x192xf32> loc("/fc/Transpose")
  %1 = nn.matmul %x, %0 : tensor<2x16x64xf32>, tensor<64x192xf32> -> tensor<2x16x192xf32> loc("/fc/MatMul")
  %2 = nn.add %b, %1 : tensor<192xf32>, tensor<2x16x192xf32> -> tensor<2x16x192xf32> loc("/fc/Add")
  return %2 : tensor<2x16x192xf32>
}

// -----

// A 2-D activation needs no reshapes; the bias may come second, as [1, N].

// CHECK-LABEL: func.func @linear_2d_bias_right
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<8x32xf32> {{.*}}, %[[W:[a-z0-9]+]]: tensor<16x32xf32> {{.*}}, %[[B:[a-z0-9]+]]: tensor<1x16xf32>
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[X]], %[[W]], %[[B]] {transB = true} : tensor<8x32xf32>, tensor<16x32xf32>, tensor<1x16xf32> -> tensor<8x16xf32> loc("/fc/Add")
// CHECK-NEXT: return %[[G]]
func.func @linear_2d_bias_right(%x: tensor<8x32xf32>, %w: tensor<16x32xf32>, %b: tensor<1x16xf32>) -> tensor<8x16xf32> {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<16x32xf32> -> tensor<32x16xf32> loc("/fc/Transpose")
  %1 = nn.matmul %x, %0 : tensor<8x32xf32>, tensor<32x16xf32> -> tensor<8x16xf32> loc("/fc/MatMul")
  %2 = nn.add %1, %b : tensor<8x16xf32>, tensor<1x16xf32> -> tensor<8x16xf32> loc("/fc/Add")
  return %2 : tensor<8x16xf32>
}

// -----

// Without a bias (a tied language-model head): the gemm takes the matmul's
// location.

// CHECK-LABEL: func.func @no_bias_3d
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x16x64xf32> {{.*}}, %[[W:[a-z0-9]+]]: tensor<128x64xf32>
// CHECK-NEXT: %[[A:.*]] = nn.reshape %[[X]] : tensor<2x16x64xf32> -> tensor<32x64xf32> loc("/head/MatMul")
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[A]], %[[W]] {transB = true} : tensor<32x64xf32>, tensor<128x64xf32> -> tensor<32x128xf32> loc("/head/MatMul")
// CHECK-NEXT: %[[Y:.*]] = nn.reshape %[[G]] : tensor<32x128xf32> -> tensor<2x16x128xf32> loc("/head/MatMul")
// CHECK-NEXT: return %[[Y]]
func.func @no_bias_3d(%x: tensor<2x16x64xf32>, %w: tensor<128x64xf32>) -> tensor<2x16x128xf32> {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<128x64xf32> -> tensor<64x128xf32> loc("/head/Transpose")
  %1 = nn.matmul %x, %0 : tensor<2x16x64xf32>, tensor<64x128xf32> -> tensor<2x16x128xf32> loc("/head/MatMul")
  return %1 : tensor<2x16x128xf32>
}

// -----

// A 2-D activation without a bias: the gemm alone.

// CHECK-LABEL: func.func @no_bias_2d
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<4x8xf32> {{.*}}, %[[W:[a-z0-9]+]]: tensor<3x8xf32>
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[X]], %[[W]] {transB = true} : tensor<4x8xf32>, tensor<3x8xf32> -> tensor<4x3xf32>
// CHECK-NEXT: return %[[G]]
func.func @no_bias_2d(%x: tensor<4x8xf32>, %w: tensor<3x8xf32>) -> tensor<4x3xf32> {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<3x8xf32> -> tensor<8x3xf32>
  %1 = nn.matmul %x, %0 : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  return %1 : tensor<4x3xf32>
}

// -----

// A 4-D activation flattens all three leading axes.

// CHECK-LABEL: func.func @linear_4d
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x3x4x8xf32> {{.*}}, %[[W:[a-z0-9]+]]: tensor<5x8xf32> {{.*}}, %[[B:[a-z0-9]+]]: tensor<5xf32>
// CHECK-NEXT: %[[A:.*]] = nn.reshape %[[X]] : tensor<2x3x4x8xf32> -> tensor<24x8xf32>
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[A]], %[[W]], %[[B]] {transB = true} : tensor<24x8xf32>, tensor<5x8xf32>, tensor<5xf32> -> tensor<24x5xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.reshape %[[G]] : tensor<24x5xf32> -> tensor<2x3x4x5xf32>
// CHECK-NEXT: return %[[Y]]
func.func @linear_4d(%x: tensor<2x3x4x8xf32>, %w: tensor<5x8xf32>, %b: tensor<5xf32>) -> tensor<2x3x4x5xf32> {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<5x8xf32> -> tensor<8x5xf32>
  %1 = nn.matmul %x, %0 : tensor<2x3x4x8xf32>, tensor<8x5xf32> -> tensor<2x3x4x5xf32>
  %2 = nn.add %b, %1 : tensor<5xf32>, tensor<2x3x4x5xf32> -> tensor<2x3x4x5xf32>
  return %2 : tensor<2x3x4x5xf32>
}

// -----

// f64 fuses like f32.

// CHECK-LABEL: func.func @linear_f64
// CHECK-NEXT: nn.reshape %{{.*}} : tensor<2x4x8xf64> -> tensor<8x8xf64>
// CHECK-NEXT: nn.gemm %{{.*}}, %{{.*}}, %{{.*}} {transB = true} : tensor<8x8xf64>, tensor<6x8xf64>, tensor<6xf64> -> tensor<8x6xf64>
// CHECK-NEXT: nn.reshape %{{.*}} : tensor<8x6xf64> -> tensor<2x4x6xf64>
// CHECK-NEXT: return
func.func @linear_f64(%x: tensor<2x4x8xf64>, %w: tensor<6x8xf64>, %b: tensor<6xf64>) -> tensor<2x4x6xf64> {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<6x8xf64> -> tensor<8x6xf64>
  %1 = nn.matmul %x, %0 : tensor<2x4x8xf64>, tensor<8x6xf64> -> tensor<2x4x6xf64>
  %2 = nn.add %1, %b : tensor<2x4x6xf64>, tensor<6xf64> -> tensor<2x4x6xf64>
  return %2 : tensor<2x4x6xf64>
}

// -----

// A transpose with another user stays for it; this product still reads W in
// place.

// CHECK-LABEL: func.func @transpose_shared
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<4x8xf32> {{.*}}, %[[W:[a-z0-9]+]]: tensor<3x8xf32> {{.*}}, %[[B:[a-z0-9]+]]: tensor<3xf32>
// CHECK-NEXT: %[[T:.*]] = nn.transpose %[[W]] {perm = array<i64: 1, 0>}
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[X]], %[[W]], %[[B]] {transB = true}
// CHECK-NEXT: return %[[G]], %[[T]]
func.func @transpose_shared(%x: tensor<4x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> (tensor<4x3xf32>, tensor<8x3xf32>) {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<3x8xf32> -> tensor<8x3xf32>
  %1 = nn.matmul %x, %0 : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %2 = nn.add %b, %1 : tensor<3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %2, %0 : tensor<4x3xf32>, tensor<8x3xf32>
}

// -----

// A product with other users keeps them: the bias add is not fused, the
// transpose still is.

// CHECK-LABEL: func.func @product_shared
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<4x8xf32> {{.*}}, %[[W:[a-z0-9]+]]: tensor<3x8xf32> {{.*}}, %[[B:[a-z0-9]+]]: tensor<3xf32>
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[X]], %[[W]] {transB = true}
// CHECK-NEXT: %[[Y:.*]] = nn.add %[[B]], %[[G]]
// CHECK-NEXT: return %[[Y]], %[[G]]
func.func @product_shared(%x: tensor<4x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<3x8xf32> -> tensor<8x3xf32>
  %1 = nn.matmul %x, %0 : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %2 = nn.add %b, %1 : tensor<3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %2, %1 : tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// An add of something that is no bias row ([M, N], a broadcast over a
// leading axis) stays an add after the gemm.

// CHECK-LABEL: func.func @not_a_bias
// CHECK-NEXT: %[[G:.*]] = nn.gemm %{{.*}}, %{{.*}} {transB = true} : tensor<4x8xf32>, tensor<3x8xf32> -> tensor<4x3xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.add %[[G]], %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %[[Y]]
func.func @not_a_bias(%x: tensor<4x8xf32>, %w: tensor<3x8xf32>, %r: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<3x8xf32> -> tensor<8x3xf32>
  %1 = nn.matmul %x, %0 : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %2 = nn.add %1, %r : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %2 : tensor<4x3xf32>
}

// -----

// An untransposed parameter weight (or one computed from parameters and
// constants) with a bias: nn.gemm without transB.

// CHECK-LABEL: func.func @plain_weight
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x4x8xf32> {{.*}}, %[[B:[a-z0-9]+]]: tensor<6xf32>
// CHECK: %[[W:.*]] = nn.mul
// CHECK-NEXT: %[[A:.*]] = nn.reshape %[[X]] : tensor<2x4x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT: %[[G:.*]] = nn.gemm %[[A]], %[[W]], %[[B]] : tensor<8x8xf32>, tensor<8x6xf32>, tensor<6xf32> -> tensor<8x6xf32> loc("/fc/Add")
// CHECK-NEXT: %[[Y:.*]] = nn.reshape %[[G]] : tensor<8x6xf32> -> tensor<2x4x6xf32>
// CHECK-NEXT: return %[[Y]]
ml_program.global private mutable @w(dense<1.0> : tensor<8x6xf32>) : tensor<8x6xf32>
func.func @plain_weight(%x: tensor<2x4x8xf32>, %b: tensor<6xf32>) -> tensor<2x4x6xf32> {
  %w = ml_program.global_load @w : tensor<8x6xf32>
  %s = nn.constant dense<2.0> : tensor<f32>
  %0 = nn.mul %w, %s : tensor<8x6xf32>, tensor<f32> -> tensor<8x6xf32>
  %1 = nn.matmul %x, %0 : tensor<2x4x8xf32>, tensor<8x6xf32> -> tensor<2x4x6xf32> loc("/fc/MatMul")
  %2 = nn.add %1, %b : tensor<2x4x6xf32>, tensor<6xf32> -> tensor<2x4x6xf32> loc("/fc/Add")
  return %2 : tensor<2x4x6xf32>
}

// -----

// An untransposed parameter weight without a bias gains nothing: left alone.

// CHECK-LABEL: func.func @plain_weight_no_bias
// CHECK-NEXT: ml_program.global_load @w
// CHECK-NEXT: nn.matmul
// CHECK-NEXT: return
ml_program.global private mutable @w(dense<1.0> : tensor<8x6xf32>) : tensor<8x6xf32>
func.func @plain_weight_no_bias(%x: tensor<4x8xf32>) -> tensor<4x6xf32> {
  %w = ml_program.global_load @w : tensor<8x6xf32>
  %0 = nn.matmul %x, %w : tensor<4x8xf32>, tensor<8x6xf32> -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// A product of two activations is no linear layer, bias or not: the matrix
// is a function argument, or computed from one.

// CHECK-LABEL: func.func @activations
// CHECK-NOT: nn.gemm
// CHECK-COUNT-2: nn.matmul
// CHECK-NOT: nn.gemm
// CHECK: return
ml_program.global private mutable @w(dense<1.0> : tensor<8x6xf32>) : tensor<8x6xf32>
func.func @activations(%x: tensor<4x8xf32>, %y: tensor<8x6xf32>, %b: tensor<6xf32>) -> (tensor<4x6xf32>, tensor<4x6xf32>) {
  %0 = nn.matmul %x, %y : tensor<4x8xf32>, tensor<8x6xf32> -> tensor<4x6xf32>
  %1 = nn.add %0, %b : tensor<4x6xf32>, tensor<6xf32> -> tensor<4x6xf32>
  %w = ml_program.global_load @w : tensor<8x6xf32>
  %s = nn.mul %w, %y : tensor<8x6xf32>, tensor<8x6xf32> -> tensor<8x6xf32>
  %2 = nn.matmul %x, %s : tensor<4x8xf32>, tensor<8x6xf32> -> tensor<4x6xf32>
  %3 = nn.add %b, %2 : tensor<6xf32>, tensor<4x6xf32> -> tensor<4x6xf32>
  return %1, %3 : tensor<4x6xf32>, tensor<4x6xf32>
}

// -----

// Transposes other than [1, 0] of a matrix are left alone: the identity
// permutation of a matrix, and attention's key transpose.

// CHECK-LABEL: func.func @other_perms
// CHECK-NOT: nn.gemm
// CHECK: nn.transpose %{{.*}} {perm = array<i64: 0, 1>}
// CHECK-NEXT: nn.matmul
// CHECK-NEXT: nn.transpose %{{.*}} {perm = array<i64: 0, 2, 1>}
// CHECK-NEXT: nn.matmul
// CHECK-NOT: nn.gemm
func.func @other_perms(%x: tensor<4x8xf32>, %w: tensor<8x3xf32>, %q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>) -> (tensor<4x3xf32>, tensor<2x4x4xf32>) {
  %0 = nn.transpose %w {perm = array<i64: 0, 1>} : tensor<8x3xf32> -> tensor<8x3xf32>
  %1 = nn.matmul %x, %0 : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %2 = nn.transpose %k {perm = array<i64: 0, 2, 1>} : tensor<2x4x8xf32> -> tensor<2x8x4xf32>
  %3 = nn.matmul %q, %2 : tensor<2x4x8xf32>, tensor<2x8x4xf32> -> tensor<2x4x4xf32>
  return %1, %3 : tensor<4x3xf32>, tensor<2x4x4xf32>
}

// -----

// A batched (3-D) weight, even a parameter's with a bias, is left alone, and
// so is a vector (1-D) activation.

// CHECK-LABEL: func.func @batched_weight
// CHECK-NOT: nn.gemm
// CHECK: nn.transpose %{{.*}} {perm = array<i64: 0, 2, 1>}
// CHECK-NEXT: nn.matmul
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.transpose %{{.*}} {perm = array<i64: 1, 0>}
// CHECK-NEXT: nn.matmul
// CHECK-NEXT: nn.add
// CHECK-NOT: nn.gemm
ml_program.global private mutable @w(dense<1.0> : tensor<2x6x8xf32>) : tensor<2x6x8xf32>
func.func @batched_weight(%x: tensor<2x4x8xf32>, %b: tensor<6xf32>, %v: tensor<8xf32>, %m: tensor<6x8xf32>) -> (tensor<2x4x6xf32>, tensor<6xf32>) {
  %w = ml_program.global_load @w : tensor<2x6x8xf32>
  %0 = nn.transpose %w {perm = array<i64: 0, 2, 1>} : tensor<2x6x8xf32> -> tensor<2x8x6xf32>
  %1 = nn.matmul %x, %0 : tensor<2x4x8xf32>, tensor<2x8x6xf32> -> tensor<2x4x6xf32>
  %2 = nn.add %b, %1 : tensor<6xf32>, tensor<2x4x6xf32> -> tensor<2x4x6xf32>
  %3 = nn.transpose %m {perm = array<i64: 1, 0>} : tensor<6x8xf32> -> tensor<8x6xf32>
  %4 = nn.matmul %v, %3 : tensor<8xf32>, tensor<8x6xf32> -> tensor<6xf32>
  %5 = nn.add %4, %b : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  return %2, %5 : tensor<2x4x6xf32>, tensor<6xf32>
}

// -----

// Integer products are no linear layers nn.gemm could hold.

// CHECK-LABEL: func.func @integers
// CHECK-NOT: nn.gemm
// CHECK: nn.matmul
func.func @integers(%x: tensor<4x8xi32>, %w: tensor<3x8xi32>) -> tensor<4x3xi32> {
  %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<3x8xi32> -> tensor<8x3xi32>
  %1 = nn.matmul %x, %0 : tensor<4x8xi32>, tensor<8x3xi32> -> tensor<4x3xi32>
  return %1 : tensor<4x3xi32>
}

// -----

// A front end that loads each parameter where it is used: the bias is
// defined after the product, and the gemm takes the place of the bias add.
// CHECK-LABEL: func.func @bias_loaded_after_product
// CHECK-NEXT: %[[W:.*]] = ml_program.global_load @w
// CHECK-NEXT: %[[B:.*]] = ml_program.global_load @b
// CHECK-NEXT: %[[G:.*]] = nn.gemm %{{.*}}, %[[W]], %[[B]] : tensor<8x16xf32>, tensor<16x32xf32>, tensor<32xf32> -> tensor<8x32xf32> loc("/fc/Add")
// CHECK-NEXT: return %[[G]]
ml_program.global private mutable @w(dense<1.0> : tensor<16x32xf32>) : tensor<16x32xf32>
ml_program.global private mutable @b(dense<1.0> : tensor<32xf32>) : tensor<32xf32>
func.func @bias_loaded_after_product(%x: tensor<8x16xf32>) -> tensor<8x32xf32> {
  %w = ml_program.global_load @w : tensor<16x32xf32>
  %0 = nn.matmul %x, %w : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32> loc("/fc/MatMul")
  %b = ml_program.global_load @b : tensor<32xf32>
  %1 = nn.add %0, %b : tensor<8x32xf32>, tensor<32xf32> -> tensor<8x32xf32> loc("/fc/Add")
  return %1 : tensor<8x32xf32>
}
