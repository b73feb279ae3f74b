// A hand-written module: parameters initialised with dense elements are
// written from them (splats expanded, booleans one byte each, every
// parameter 64-byte aligned), constant globals are parameters too, and
// kernels keep every attribute kind.
// REQUIRES: protoc
// RUN: rm -rf %t && pp-opt %s --pp-export=%t -o /dev/null
// RUN: %decode-program < %t/stage0.pb | FileCheck %s
// RUN: od -An -tx1 -v -w16 %t/stage0.weights | FileCheck %s --check-prefix=BYTES

module {
  ml_program.global private mutable @w(dense<[[1.0, 2.0], [3.0, -0.5]]> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private mutable @splat(dense<2.0> : tensor<3xf16>) : tensor<3xf16>
  ml_program.global private @mask(dense<[true, false, true]> : tensor<3xi1>) : tensor<3xi1>
  ml_program.global private @ids(dense<[7, -1]> : tensor<2xi64>) : tensor<2xi64>
  ml_program.global private @bytes(dense<[255, 1]> : tensor<2xui8>) : tensor<2xui8>
  ml_program.global private mutable @unused(dense<0.0> : tensor<9xf32>) : tensor<9xf32>

  func.func @forward(%x: tensor<2x2xf32> {onnx.name = "x"}) -> (tensor<2x2xf32> {onnx.name = "y"}, tensor<2x1xf32>, tensor<3xf16>) {
    %w = ml_program.global_load @w : tensor<2x2xf32>
    %s = ml_program.global_load @splat : tensor<3xf16>
    %m = ml_program.global_load_const @mask : tensor<3xi1>
    %i = ml_program.global_load_const @ids : tensor<2xi64>
    %b = ml_program.global_load_const @bytes : tensor<2xui8>
    %0 = nn.transpose %w {perm = array<i64: 1, 0>} : tensor<2x2xf32> -> tensor<2x2xf32>
    %1 = nn.gelu %0 {approximate = #nn<approximate tanh>} : tensor<2x2xf32>
    %2:2 = nn.split %1 {axis = 1 : i64, sizes = array<i64: 1, 1>} : tensor<2x2xf32> -> tensor<2x1xf32>, tensor<2x1xf32>
    return %1, %2#1, %s : tensor<2x2xf32>, tensor<2x1xf32>, tensor<3xf16>
  }
}

// Parameters the function reads, in module order; @unused is not one.
// CHECK:      parameters {
// CHECK-NEXT:   name: "w"
// CHECK-NEXT:   source_name: "w"
// CHECK:        length: 16
// CHECK:        name: "splat"
// CHECK:          dtype: FLOAT16
// CHECK:        offset: 64
// CHECK-NEXT:   length: 6
// CHECK:        name: "mask"
// CHECK:          dtype: BOOL
// CHECK:        offset: 128
// CHECK-NEXT:   length: 3
// CHECK:        name: "ids"
// CHECK:          dtype: INT64
// CHECK:        offset: 192
// CHECK-NEXT:   length: 16
// CHECK:        name: "bytes"
// CHECK:          dtype: UINT8
// CHECK:        offset: 256
// CHECK-NEXT:   length: 2
// CHECK-NEXT: }
// CHECK-NOT:  name: "unused"
// CHECK:      functions {
// Values are named by their IR name hint (the global a load reads), else
// by their ONNX node; results of a hand-written op have no name.
// CHECK:          id: 1
// CHECK-NEXT:     name: "w"
// CHECK:          id: 8
// CHECK-NEXT:     type {
// Unnamed ports get positional keys.
// CHECK:        results {
// CHECK-NEXT:     value: 7
// CHECK-NEXT:     role: OUTPUT
// CHECK-NEXT:     key: "y"
// CHECK-NEXT:   }
// CHECK-NEXT:   results {
// CHECK-NEXT:     value: 9
// CHECK-NEXT:     role: OUTPUT
// CHECK-NEXT:     key: "result1"
// CHECK-NEXT:   }
// CHECK-NEXT:   results {
// CHECK-NEXT:     value: 2
// CHECK-NEXT:     role: OUTPUT
// CHECK-NEXT:     key: "result2"
// CHECK-NEXT:   }
// Constant globals are parameter uses as well.
// CHECK:          value: 3
// CHECK-NEXT:     parameter: 2
// CHECK-NEXT:   }
// CHECK:        kernels {
// CHECK-NEXT:     op: "nn.transpose"
// CHECK-NEXT:     inputs: 1
// CHECK-NEXT:     outputs: 6
// CHECK-NEXT:     attributes {
// CHECK-NEXT:       name: "perm"
// CHECK-NEXT:       ints {
// CHECK-NEXT:         values: 1
// CHECK-NEXT:         values: 0
// CHECK-NEXT:       }
// CHECK-NEXT:     }
// CHECK-NEXT:     location: "{{.*}}dense-globals.mlir:24:10"
// CHECK-NEXT:   }
// CHECK-NEXT:   kernels {
// CHECK-NEXT:     op: "nn.gelu"
// CHECK-NEXT:     inputs: 6
// CHECK-NEXT:     outputs: 7
// CHECK-NEXT:     attributes {
// CHECK-NEXT:       name: "approximate"
// CHECK-NEXT:       s: "tanh"
// CHECK-NEXT:     }
// CHECK:          op: "nn.split"
// CHECK-NEXT:     inputs: 7
// CHECK-NEXT:     outputs: 8
// CHECK-NEXT:     outputs: 9
// CHECK-NEXT:     attributes {
// CHECK-NEXT:       name: "axis"
// CHECK-NEXT:       i: 1
// CHECK-NEXT:     }
// CHECK-NEXT:     attributes {
// CHECK-NEXT:       name: "sizes"

// @w (1, 2, 3, -0.5 as f32), padding, 3 x 2.0 as f16, padding, the mask,
// padding, 7 and -1 as i64, padding, 255 and 1.
// BYTES:      00 00 80 3f 00 00 00 40 00 00 40 40 00 00 00 bf
// BYTES-NEXT: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
// BYTES-NEXT: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
// BYTES-NEXT: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
// BYTES-NEXT: 00 40 00 40 00 40 00 00 00 00 00 00 00 00 00 00
// BYTES:      01 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00
// BYTES:      07 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff
// BYTES:      ff 01
// BYTES-NOT:  {{.}}
