// RUN: pp-opt %s | pp-opt | FileCheck %s
// RUN: pp-opt %s --mlir-print-op-generic | pp-opt | FileCheck %s

// CHECK-LABEL: func.func @stage0
func.func @stage0(%x: tensor<8x128xf32>) -> tensor<8x128xf32> {
  // CHECK: %[[R:.*]] = nn.relu %{{.*}} {pp.stage = 0 : i64} : tensor<8x128xf32>
  %0 = nn.relu %x {pp.stage = 0 : i64} : tensor<8x128xf32>
  // CHECK: pp.send %[[R]] to 1 channel 0 {pp.stage = 0 : i64} : tensor<8x128xf32>
  pp.send %0 to 1 channel 0 {pp.stage = 0 : i64} : tensor<8x128xf32>
  // CHECK: %[[G:.*]] = pp.recv from 1 channel 1 {pp.stage = 0 : i64} : tensor<8x128xf32>
  %1 = pp.recv from 1 channel 1 {pp.stage = 0 : i64} : tensor<8x128xf32>
  // CHECK: return %[[G]]
  return %1 : tensor<8x128xf32>
}

// Without a stage attribute any peer is accepted.
// CHECK-LABEL: func.func @unstaged
func.func @unstaged(%x: tensor<2xi64>) {
  // CHECK: pp.send %{{.*}} to 0 channel 7 : tensor<2xi64>
  pp.send %x to 0 channel 7 : tensor<2xi64>
  // CHECK: pp.recv from 3 channel 0 : tensor<f32>
  %0 = pp.recv from 3 channel 0 : tensor<f32>
  return
}

// The stage attribute may sit on any op, the function included.
// CHECK-LABEL: func.func @staged_function
// CHECK-SAME:  attributes {pp.stage = 2 : i64}
func.func @staged_function() attributes {pp.stage = 2 : i64} {
  return
}
