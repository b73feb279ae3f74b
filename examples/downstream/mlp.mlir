// A two-layer MLP as a front end other than ONNX would hand it to pp:
// func.func @forward over nn ops, parameters as ml_program globals, and
// `onnx.name` on the arguments and results (the names pp's loss, report and
// export use). See docs/Integration.md.
module {
  ml_program.global private mutable @w1(dense<0.05> : tensor<16x32xf32>) : tensor<16x32xf32>
  ml_program.global private mutable @b1(dense<0.0> : tensor<32xf32>) : tensor<32xf32>
  ml_program.global private mutable @w2(dense<0.05> : tensor<32x4xf32>) : tensor<32x4xf32>
  func.func @forward(%x: tensor<8x16xf32> {onnx.name = "x"}) -> (tensor<8x4xf32> {onnx.name = "logits"}) {
    %w1 = ml_program.global_load @w1 : tensor<16x32xf32>
    %b1 = ml_program.global_load @b1 : tensor<32xf32>
    %w2 = ml_program.global_load @w2 : tensor<32x4xf32>
    %0 = nn.matmul %x, %w1 : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32> loc("/fc1/MatMul")
    %1 = nn.add %0, %b1 : tensor<8x32xf32>, tensor<32xf32> -> tensor<8x32xf32> loc("/fc1/Add")
    %2 = nn.relu %1 : tensor<8x32xf32> loc("/relu")
    %3 = nn.matmul %2, %w2 : tensor<8x32xf32>, tensor<32x4xf32> -> tensor<8x4xf32> loc("/fc2/MatMul")
    return %3 : tensor<8x4xf32>
  }
}
