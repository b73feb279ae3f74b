// Every export error names the op, global, function or file at fault, and
// pp-opt exits non-zero.
// RUN: rm -rf %t && mkdir -p %t && cd %t && cp %examples/mlp.onnx mlp.onnx && printf 'not a model' > garbage.onnx
// RUN: cd %t && pp-opt %s -split-input-file -verify-diagnostics --pp-export=%t/out
// RUN: cd %t && not pp-opt %s -split-input-file --pp-export=%t/out -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: pp-export: the runtime cannot run ONNX op 'Hardmax'
// Nothing failed half-way: the successful export in the last chunk is all
// that was written.
// RUN: ls %t | FileCheck %s --check-prefix=FILES --implicit-check-not=out.
// FILES: out

func.func @forward(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{pp-export: the runtime cannot run ONNX op 'Hardmax' (a generic nn.onnx op: pp has no nn op for it)}}
  %0 = nn.onnx "Hardmax"(%x) {onnx_attributes = {axis = 1 : i64}, opset = 17 : i64} : (tensor<3x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{pp-export: cannot export 'arith.addf': the runtime runs nn ops only}}
  %0 = arith.addf %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{pp-export: parameter @w has type tensor<4xi4>: the program format has no code for i4}}
ml_program.global private @w(dense<1> : tensor<4xi4>) : tensor<4xi4>
func.func @forward(%x: tensor<4xi4>) -> tensor<4xi4> {
  %w = ml_program.global_load_const @w : tensor<4xi4>
  %0 = nn.add %x, %w : tensor<4xi4>, tensor<4xi4> -> tensor<4xi4>
  return %0 : tensor<4xi4>
}

// -----

// expected-error @+1 {{pp-export: argument 0 of @forward has type tensor<4xui4>: the program format has no code for ui4}}
func.func @forward(%x: tensor<4xui4>) -> tensor<4xui4> {
  return %x : tensor<4xui4>
}

// -----

// expected-error @+1 {{pp-export: argument 0 of @forward has type tensor<?x4xf32> with a dynamic shape}}
func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{pp-export: cannot read the data of parameter @w from 'missing.onnx': cannot open the file: No such file or directory}}
ml_program.global private mutable @w(#nn.external<"missing.onnx", "w">) : tensor<4xf32>
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = ml_program.global_load @w : tensor<4xf32>
  %0 = nn.add %x, %w : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{pp-export: cannot read the data of parameter @w from 'garbage.onnx': is not a valid ONNX model: the protobuf is truncated or malformed}}
ml_program.global private mutable @w(#nn.external<"garbage.onnx", "w">) : tensor<4xf32>
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = ml_program.global_load @w : tensor<4xf32>
  %0 = nn.add %x, %w : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{pp-export: cannot read the data of parameter @w from 'mlp.onnx': the model has no initializer 'fc9.bias'}}
ml_program.global private mutable @w(#nn.external<"mlp.onnx", "fc9.bias">) : tensor<128xf32>
func.func @forward(%x: tensor<128xf32>) -> tensor<128xf32> {
  %w = ml_program.global_load @w : tensor<128xf32>
  %0 = nn.add %x, %w : tensor<128xf32>, tensor<128xf32> -> tensor<128xf32>
  return %0 : tensor<128xf32>
}

// -----

// expected-error @+1 {{pp-export: cannot read the data of parameter @w from 'mlp.onnx': initializer 'fc1.bias' is FLOAT of shape [128], not the parameter's tensor<64xf32>}}
ml_program.global private mutable @w(#nn.external<"mlp.onnx", "fc1.bias">) : tensor<64xf32>
func.func @forward(%x: tensor<64xf32>) -> tensor<64xf32> {
  %w = ml_program.global_load @w : tensor<64xf32>
  %0 = nn.add %x, %w : tensor<64xf32>, tensor<64xf32> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// expected-error @+1 {{pp-export: cannot read the data of parameter @w from 'mlp.onnx': external data offset 1000000 lies past the end of 'mlp.onnx' (105762 bytes)}}
ml_program.global private mutable @w(#nn.external<"mlp.onnx", "fc1.bias", location = "mlp.onnx", offset = 1000000, length = 512>) : tensor<128xf32>
func.func @forward(%x: tensor<128xf32>) -> tensor<128xf32> {
  %w = ml_program.global_load @w : tensor<128xf32>
  %0 = nn.add %x, %w : tensor<128xf32>, tensor<128xf32> -> tensor<128xf32>
  return %0 : tensor<128xf32>
}

// -----

// expected-error @+1 {{pp-export: cannot read the data of parameter @w from 'mlp.onnx': external data holds 100 bytes but the type 512 bytes}}
ml_program.global private mutable @w(#nn.external<"mlp.onnx", "fc1.bias", location = "mlp.onnx", offset = 0, length = 100>) : tensor<128xf32>
func.func @forward(%x: tensor<128xf32>) -> tensor<128xf32> {
  %w = ml_program.global_load @w : tensor<128xf32>
  %0 = nn.add %x, %w : tensor<128xf32>, tensor<128xf32> -> tensor<128xf32>
  return %0 : tensor<128xf32>
}

// -----

// expected-error @+1 {{pp-export: cannot read the data of parameter @w from 'mlp.onnx': external data location '../mlp.onnx' must be a relative path inside the model's directory}}
ml_program.global private mutable @w(#nn.external<"mlp.onnx", "fc1.bias", location = "../mlp.onnx", offset = 0, length = 512>) : tensor<128xf32>
func.func @forward(%x: tensor<128xf32>) -> tensor<128xf32> {
  %w = ml_program.global_load @w : tensor<128xf32>
  %0 = nn.add %x, %w : tensor<128xf32>, tensor<128xf32> -> tensor<128xf32>
  return %0 : tensor<128xf32>
}

// -----

// expected-error @+1 {{pp-export: parameter @w has no initial value to export}}
ml_program.global private mutable @w : tensor<4xf32>
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = ml_program.global_load @w : tensor<4xf32>
  %0 = nn.add %x, %w : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{pp-export: attribute 'value' of nn.constant is dense_resource<blob> : tensor<4xf32>, which the program format cannot hold}}
  %c = nn.constant dense_resource<blob> : tensor<4xf32>
  %0 = nn.add %x, %c : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F0000803F0000803F0000803F"
    }
  }
#-}

// -----

// expected-error @+1 {{pp-export: the model the module was imported from ('missing.onnx', its onnx.model) cannot be read: No such file or directory}}
module attributes {onnx.model = "missing.onnx"} {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// expected-error @+1 {{pp-export: the module is cut into 2 stages of 1 chunks but has no pp.schedule: the stage programs need their action lists (run pp-schedule and pp-insert-send-recv, or --pp-pipeline)}}
module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// A schedule of several stages must communicate.
module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  // expected-error @+1 {{pp-export: the schedule of 2 stages has no send/recv actions: run pp-insert-send-recv before exporting}}
  pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
    pp.stage_actions 0 {
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
    }
    pp.stage_actions 1 {
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
    }
  }
}

// -----

// The schedule and the cut disagree.
module attributes {pp.num_stages = 3 : i64} {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  // expected-error @+1 {{pp-export: the schedule has 2 stages of 1 chunks, but the module is cut into 3 stages of 1 chunks}}
  pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
    pp.stage_actions 0 {
      pp.forward mb 0 chunk 0
      pp.send_activation mb 0 chunk 0 to 1
      pp.recv_grad mb 0 chunk 0 from 1
      pp.backward mb 0 chunk 0
    }
    pp.stage_actions 1 {
      pp.recv_activation mb 0 chunk 0 from 0
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
      pp.send_grad mb 0 chunk 0 to 0
    }
  }
}

// -----

// Cut and scheduled, but not outlined: nothing runs on stage 1.
// expected-error @+1 {{pp-export: no function runs on stage 1 of 2: outline the stages first (pp-outline-stages, part of --pp-pipeline)}}
module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
    pp.stage_actions 0 {
      pp.forward mb 0 chunk 0
      pp.send_activation mb 0 chunk 0 to 1
      pp.recv_grad mb 0 chunk 0 from 1
      pp.backward mb 0 chunk 0
    }
    pp.stage_actions 1 {
      pp.recv_activation mb 0 chunk 0 from 0
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
      pp.send_grad mb 0 chunk 0 to 0
    }
  }
}

// -----

// Two stage functions that disagree on what crosses their boundary.
// expected-error @+1 {{pp-export: virtual stage 0 sends 'a' 4xFLOAT32, but virtual stage 1 receives 'b' 4xFLOAT32}}
module attributes {pp.num_stages = 2 : i64} {
  func.func @stage0(%x: tensor<4xf32> {onnx.name = "x"}) -> (tensor<4xf32> {pp.role = "boundary_out", pp.key = "a"}) attributes {pp.stage = 0 : i64, pp.chunk = 0 : i64, pp.virtual_stage = 0 : i64} {
    return %x : tensor<4xf32>
  }
  func.func @stage1(%x: tensor<4xf32> {pp.role = "boundary_in", pp.key = "b"}) -> (tensor<4xf32> {onnx.name = "y"}) attributes {pp.stage = 1 : i64, pp.chunk = 0 : i64, pp.virtual_stage = 1 : i64} {
    return %x : tensor<4xf32>
  }
  pp.schedule "gpipe" stages 2 microbatches 1 virtual_stages 1 {
    pp.stage_actions 0 {
      pp.forward mb 0 chunk 0
      pp.send_activation mb 0 chunk 0 to 1
      pp.recv_grad mb 0 chunk 0 from 1
      pp.backward mb 0 chunk 0
    }
    pp.stage_actions 1 {
      pp.recv_activation mb 0 chunk 0 from 0
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
      pp.send_grad mb 0 chunk 0 to 0
    }
  }
}

// -----

// A stage function placed on a stage the plan does not have.
module attributes {pp.num_stages = 2 : i64} {
  func.func @stage0(%x: tensor<4xf32> {onnx.name = "x"}) -> (tensor<4xf32> {pp.role = "boundary_out", pp.key = "a"}) attributes {pp.stage = 0 : i64, pp.chunk = 0 : i64, pp.virtual_stage = 0 : i64} {
    return %x : tensor<4xf32>
  }
  // expected-error @+1 {{pp-export: @stage1 runs on stage 2, but the plan has 2 stages}}
  func.func @stage1(%x: tensor<4xf32> {pp.role = "boundary_in", pp.key = "a"}) -> (tensor<4xf32> {onnx.name = "y"}) attributes {pp.stage = 2 : i64, pp.chunk = 0 : i64, pp.virtual_stage = 1 : i64} {
    return %x : tensor<4xf32>
  }
  pp.schedule "gpipe" stages 2 microbatches 1 virtual_stages 1 {
    pp.stage_actions 0 {
      pp.forward mb 0 chunk 0
      pp.send_activation mb 0 chunk 0 to 1
      pp.recv_grad mb 0 chunk 0 from 1
      pp.backward mb 0 chunk 0
    }
    pp.stage_actions 1 {
      pp.recv_activation mb 0 chunk 0 from 0
      pp.forward mb 0 chunk 0
      pp.backward mb 0 chunk 0
      pp.send_grad mb 0 chunk 0 to 0
    }
  }
}

// -----

// expected-error @+1 {{pp-export: the module has no func.func @forward to export}}
module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// The dialect refuses an unknown port role before pp-export runs.
// expected-error @+1 {{'pp.role' of result 0 must be one of input, output, saved, output_grad, input_grad, cotangent, param_grad, boundary_in, boundary_out, boundary_out_grad, boundary_in_grad}}
func.func @forward(%x: tensor<4xf32> {pp.role = "input", pp.key = "x"}) -> (tensor<4xf32> {pp.role = "gradient", pp.key = "y"}) attributes {pp.role = "forward"} {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{pp-export: argument 0 of @forward has no pp.role, but the function has one}}
func.func @forward(%x: tensor<4xf32>) -> (tensor<4xf32> {pp.role = "output", pp.key = "y"}) attributes {pp.role = "forward"} {
  return %x : tensor<4xf32>
}

// -----

ml_program.global private mutable @w(dense<1.0> : tensor<4xf32>) : tensor<4xf32>
func.func @forward(%x: tensor<4xf32> {pp.role = "input", pp.key = "x"}) -> (tensor<4xf32> {pp.role = "output", pp.key = "y"}) attributes {pp.role = "forward"} {
  %w = ml_program.global_load @w : tensor<4xf32>
  %0 = nn.add %x, %w : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// expected-error @+1 {{pp-export: result 0 of @forward_backward_weight is the gradient of 'v', which is no parameter the exported functions read}}
func.func @forward_backward_weight(%c: tensor<4xf32> {pp.role = "cotangent", pp.key = "c0"}) -> (tensor<4xf32> {pp.role = "param_grad", pp.key = "v"}) attributes {pp.role = "backward_weight"} {
  return %c : tensor<4xf32>
}

// -----

ml_program.global private mutable @scale(dense<1.0> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @bias(dense<0.0> : tensor<2xf32>) : tensor<2xf32>
// expected-error @+1 {{pp-export: parameter @mean is both trained (a param_grad result names it) and BatchNormalization state updated in place}}
ml_program.global private mutable @mean(dense<0.0> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @var(dense<1.0> : tensor<2xf32>) : tensor<2xf32>
func.func @forward(%x: tensor<1x2x3xf32> {pp.role = "input", pp.key = "x"}) -> (tensor<1x2x3xf32> {pp.role = "output", pp.key = "y"}) attributes {pp.role = "forward"} {
  %scale = ml_program.global_load @scale : tensor<2xf32>
  %bias = ml_program.global_load @bias : tensor<2xf32>
  %mean = ml_program.global_load @mean : tensor<2xf32>
  %var = ml_program.global_load @var : tensor<2xf32>
  %0 = nn.batch_norm %x, %scale, %bias, %mean, %var {training = true} : tensor<1x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return %0 : tensor<1x2x3xf32>
}
func.func @forward_backward_weight(%c: tensor<2xf32> {pp.role = "cotangent", pp.key = "c0"}) -> (tensor<2xf32> {pp.role = "param_grad", pp.key = "mean"}) attributes {pp.role = "backward_weight"} {
  return %c : tensor<2xf32>
}

// -----

// expected-error @+1 {{pp-export: stage 0 has no forward function among the functions to export}}
module {
  func.func @f_backward_input(%g: tensor<4xf32> {pp.role = "output_grad", pp.key = "y"}) -> (tensor<4xf32> {pp.role = "input_grad", pp.key = "x"}) attributes {pp.role = "backward_input"} {
    return %g : tensor<4xf32>
  }
}

// -----

// The last chunk exports.
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
