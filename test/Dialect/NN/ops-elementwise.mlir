// RUN: pp-opt %s | pp-opt | FileCheck %s
// RUN: pp-opt %s --mlir-print-op-generic | pp-opt | FileCheck %s
// RUN: pp-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of the elementwise ops for ONNX's Abs, Sign, Sin, Cos,
// Reciprocal, Floor, Ceil, Softplus, HardSigmoid, HardSwish, Clip, Max, Min,
// LessOrEqual, GreaterOrEqual and Mod, and of their gradient ops. The
// GENERIC checks show the result types that inference gives where the
// custom form leaves them out.

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %i: tensor<4xi64>, %j: tensor<i64>) {
  // CHECK: nn.max %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %0 = nn.max %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: nn.min %{{.*}}, %{{.*}} : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  %1 = nn.min %i, %j : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  // CHECK: nn.less_equal %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  %2 = nn.less_equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: nn.greater_equal %{{.*}}, %{{.*}} : tensor<4xi64>, tensor<i64> -> tensor<4xi1>
  %3 = nn.greater_equal %i, %j : tensor<4xi64>, tensor<i64> -> tensor<4xi1>
  // CHECK: nn.mod %{{.*}}, %{{.*}} : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  %4 = nn.mod %i, %j : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  // CHECK: nn.mod %{{.*}}, %{{.*}} {fmod = true} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %5 = nn.mod %a, %b {fmod = true} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<2x3xf32>, %i: tensor<4xi64>, %u: tensor<4xui8>) {
  // CHECK: nn.abs %{{.*}} : tensor<2x3xf32>
  %0 = nn.abs %x : tensor<2x3xf32>
  // CHECK: nn.abs %{{.*}} : tensor<4xi64>
  %1 = nn.abs %i : tensor<4xi64>
  // CHECK: nn.sign %{{.*}} : tensor<4xui8>
  %2 = nn.sign %u : tensor<4xui8>
  // CHECK: nn.sin %{{.*}} : tensor<2x3xf32>
  %3 = nn.sin %x : tensor<2x3xf32>
  // CHECK: nn.cos %{{.*}} : tensor<2x3xf32>
  %4 = nn.cos %x : tensor<2x3xf32>
  // CHECK: nn.reciprocal %{{.*}} : tensor<2x3xf32>
  %5 = nn.reciprocal %x : tensor<2x3xf32>
  // CHECK: nn.floor %{{.*}} : tensor<2x3xf32>
  %6 = nn.floor %x : tensor<2x3xf32>
  // CHECK: nn.ceil %{{.*}} : tensor<2x3xf32>
  %7 = nn.ceil %x : tensor<2x3xf32>
  // CHECK: nn.softplus %{{.*}} : tensor<2x3xf32>
  %8 = nn.softplus %x : tensor<2x3xf32>
  // The defaults are ONNX's: alpha 0.2, beta 0.5.
  // CHECK: nn.hard_sigmoid %{{.*}} : tensor<2x3xf32>
  // GENERIC: "nn.hard_sigmoid"(%{{.*}}) <{alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %9 = nn.hard_sigmoid %x : tensor<2x3xf32>
  // CHECK: nn.hard_sigmoid %{{.*}} {alpha = 0.166666672 : f32} : tensor<2x3xf32>
  %10 = nn.hard_sigmoid %x {alpha = 0.166666672 : f32, beta = 0.5 : f32} : tensor<2x3xf32>
  // CHECK: nn.hard_swish %{{.*}} : tensor<2x3xf32>
  %11 = nn.hard_swish %x : tensor<2x3xf32>
  // CHECK: nn.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<2x3xf32>
  %12 = nn.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x3xf32>
  // CHECK: nn.clip %{{.*}} {min = -1 : i64} : tensor<4xi64>
  %13 = nn.clip %i {min = -1 : i64} : tensor<4xi64>
  // CHECK: nn.clip %{{.*}} {max = 200 : ui8} : tensor<4xui8>
  %14 = nn.clip %u {max = 200 : ui8} : tensor<4xui8>
  return
}

// CHECK-LABEL: func.func @gradients
// GENERIC-LABEL: sym_name = "gradients"
func.func @gradients(%dy: tensor<2x3xf32>, %x: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) {
  // CHECK: nn.hard_sigmoid_grad %{{.*}}, %{{.*}} {alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32} : tensor<2x3xf32>
  %0 = nn.hard_sigmoid_grad %dy, %x {alpha = 0.166666672 : f32, beta = 0.5 : f32} : tensor<2x3xf32>
  // CHECK: nn.hard_swish_grad %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %1 = nn.hard_swish_grad %dy, %x : tensor<2x3xf32>
  // CHECK: nn.clip_grad %{{.*}}, %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<2x3xf32>
  %2 = nn.clip_grad %dy, %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x3xf32>
  // CHECK: nn.clip_grad %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %3 = nn.clip_grad %dy, %x : tensor<2x3xf32>
  // CHECK: nn.max_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>
  // GENERIC: "nn.max_grad"({{.*}}) : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %4 = nn.max_grad %dy, %b, %c : tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>
  // CHECK: nn.min_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32>
  %5 = nn.min_grad %dy, %x, %b : tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32>
  return
}
