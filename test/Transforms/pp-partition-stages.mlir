// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=cpu" | FileCheck %s
// RUN: pp-opt %s --pp-partition-stages="num-stages=3 device=cpu" | FileCheck %s --check-prefix=THREE
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=cpu granularity=layer" | FileCheck %s --check-prefix=LAYER
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=cpu method=uniform granularity=layer" | FileCheck %s --check-prefix=UNIFORM
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=cpu method=parameters" | FileCheck %s --check-prefix=PARAMS
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=cpu memory-limit=21MiB" | FileCheck %s --check-prefix=MEMORY
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=cpu report=-" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TABLE
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=cpu schedule=gpipe microbatches=8 report=%t.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 virtual-stages=2 schedule=zb-v device=cpu report=-" 2>&1 | FileCheck %s --check-prefix=VIRTUAL
// Microbatches held from F to the end of W, per stage, as pp-simulate counts
// them: 1F1B's warm-up, p on every stage for ZB-H1, 2p-1 for ZB-H2.
// RUN: pp-opt %s --pp-partition-stages="num-stages=3 device=cpu schedule=1f1b microbatches=8 report=%t.1f1b.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=INFLIGHT-1F1B < %t.1f1b.json
// RUN: pp-opt %s --pp-partition-stages="num-stages=3 device=cpu schedule=zb-h1 microbatches=8 report=%t.zbh1.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=INFLIGHT-ZBH1 < %t.zbh1.json
// RUN: pp-opt %s --pp-partition-stages="num-stages=3 device=cpu schedule=zb-h2 microbatches=8 report=%t.zbh2.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=INFLIGHT-ZBH2 < %t.zbh2.json
// RUN: echo '{"format": "pp-device-profile", "version": 1, "name": "slow-link", "peak_flops": {"f32": 1.28e12}, "memory_bandwidth": 2.048e11, "launch_overhead": 1e-6, "link": {"bandwidth": 1e6, "latency": 0}, "ops": {"/head/MatMul": {"forward": 0.5}}}' > %t.device.json
// RUN: pp-opt %s --pp-partition-stages="num-stages=2 device=%t.device.json report=-" 2>&1 | FileCheck %s --check-prefix=DEVICE

// Two blocks and a head on the cpu profile (1.28 TFLOP/s, 204.8 GB/s, 1 us
// per kernel). F + B + W per op (see pp-annotate-cost.mlir): layers.0's
// MatMul 81.6 us (no B: x is data), a Relu 8.4 us, layers.1's MatMul
// 317.6 us, the head 81.6 us. Two stages: layers.1's MatMul goes with
// layers.0 (395.5 us) rather than with the head (about 430 us).

module {
  ml_program.global private mutable @w1(dense<0.0> : tensor<256x1024xf32>) : tensor<256x1024xf32>
  ml_program.global private mutable @w2(dense<0.0> : tensor<1024x1024xf32>) : tensor<1024x1024xf32>
  ml_program.global private mutable @w3(dense<0.0> : tensor<1024x256xf32>) : tensor<1024x256xf32>
  func.func @forward(%x: tensor<64x256xf32>) -> tensor<64x256xf32> {
    %w1 = ml_program.global_load @w1 : tensor<256x1024xf32>
    %w2 = ml_program.global_load @w2 : tensor<1024x1024xf32>
    %w3 = ml_program.global_load @w3 : tensor<1024x256xf32>
    %0 = nn.matmul %x, %w1 : tensor<64x256xf32>, tensor<256x1024xf32> -> tensor<64x1024xf32> loc("/layers.0/fc/MatMul")
    %1 = nn.relu %0 : tensor<64x1024xf32> loc("/layers.0/Relu")
    %2 = nn.matmul %1, %w2 : tensor<64x1024xf32>, tensor<1024x1024xf32> -> tensor<64x1024xf32> loc("/layers.1/fc/MatMul")
    %c = nn.constant dense<1.0> : tensor<f32> loc("/layers.1/Constant")
    %3 = nn.mul %2, %c : tensor<64x1024xf32>, tensor<f32> -> tensor<64x1024xf32> loc("/layers.1/Mul")
    %4 = nn.relu %3 : tensor<64x1024xf32> loc("/layers.1/Relu")
    %5 = nn.matmul %4, %w3 : tensor<64x1024xf32>, tensor<1024x256xf32> -> tensor<64x256xf32> loc("/head/MatMul")
    return %5 : tensor<64x256xf32>
  }
}

// The device the plan was made for is recorded, so later passes agree.
// CHECK: module attributes {pp.device = "cpu", pp.num_stages = 2 : i64}
// CHECK-LABEL: func.func @forward
// CHECK: ml_program.global_load @w1 {{.*}}{pp.stage = 0 : i64}
// CHECK: ml_program.global_load @w2 {{.*}}{pp.stage = 0 : i64}
// CHECK: ml_program.global_load @w3 {{.*}}{pp.stage = 1 : i64}
// CHECK: nn.matmul {{.*}}{pp.stage = 0 : i64}
// CHECK: nn.relu {{.*}}{pp.stage = 0 : i64}
// CHECK: nn.matmul {{.*}}{pp.stage = 0 : i64}
// CHECK: nn.constant {pp.stage = 1 : i64}
// CHECK: nn.mul {{.*}}{pp.stage = 1 : i64}
// CHECK: nn.relu {{.*}}{pp.stage = 1 : i64}
// CHECK: nn.matmul {{.*}}{pp.stage = 1 : i64}
// CHECK: return {pp.stage = 1 : i64}

// Three stages: layers.1's MatMul alone in the middle.
// THREE: module attributes {pp.device = "cpu", pp.num_stages = 3 : i64}
// THREE: nn.matmul {{.*}}{pp.stage = 0 : i64}
// THREE: nn.relu {{.*}}{pp.stage = 0 : i64}
// THREE: nn.matmul {{.*}}{pp.stage = 1 : i64}
// THREE: nn.mul {{.*}}{pp.stage = 2 : i64}
// THREE: nn.matmul {{.*}}{pp.stage = 2 : i64}

// Blocks layers/0 and layers/1 stay whole: the cut falls before the head.
// LAYER: nn.matmul {{.*}}{pp.stage = 0 : i64}
// LAYER: nn.relu {{.*}}{pp.stage = 0 : i64}
// LAYER: nn.matmul {{.*}}{pp.stage = 0 : i64}
// LAYER: nn.mul {{.*}}{pp.stage = 0 : i64}
// LAYER: nn.relu {{.*}}{pp.stage = 0 : i64}
// LAYER: nn.matmul {{.*}}{pp.stage = 1 : i64}

// Megatron: one block per stage, the head with the last block.
// UNIFORM: nn.matmul {{.*}}{pp.stage = 0 : i64}
// UNIFORM: nn.relu {{.*}}{pp.stage = 0 : i64}
// UNIFORM: nn.matmul {{.*}}{pp.stage = 1 : i64}
// UNIFORM: nn.mul {{.*}}{pp.stage = 1 : i64}
// UNIFORM: nn.matmul {{.*}}{pp.stage = 1 : i64}

// Parameter bytes 1, 4 and 1 MiB: the largest share is 5 MiB whichever side
// w2 joins; the first cut that achieves it puts it with w1.
// PARAMS: nn.matmul {{.*}}{pp.stage = 0 : i64}
// PARAMS: nn.relu {{.*}}{pp.stage = 0 : i64}
// PARAMS: nn.matmul {{.*}}{pp.stage = 0 : i64}
// PARAMS: nn.mul {{.*}}{pp.stage = 1 : i64}

// The fastest cut's stage 0 holds 21.12 MiB (w1 and w2 with Adam state, two
// microbatches of activations); under 21 MiB layers.1 moves to stage 1
// (20.75 MiB there).
// MEMORY: nn.matmul {{.*}}{pp.stage = 0 : i64}
// MEMORY: nn.relu {{.*}}{pp.stage = 0 : i64}
// MEMORY: nn.matmul {{.*}}{pp.stage = 1 : i64}

// Two stages of two chunks (zb-v's V): four virtual stages, in pipeline
// order; the last runs on stage 0 again.
// VIRTUAL: plan of @forward: 2 stages, method optimal, granularity op, device cpu, schedule zb-v, 2 microbatches, 2 chunks per stage: the rows are the 4 virtual stages
// VIRTUAL: virtual stage 0 (on stage 0): /layers.0/fc/MatMul .. /layers.0/Relu
// VIRTUAL-NEXT: send /layers.0/Relu (256.00 KiB) to virtual stage 1
// VIRTUAL: virtual stage 3 (on stage 0): /head/MatMul .. /head/MatMul
// VIRTUAL-NEXT: recv /layers.1/Relu (256.00 KiB) from virtual stage 2
// VIRTUAL: module attributes {pp.device = "cpu", pp.num_stages = 2 : i64, pp.virtual_stages = 2 : i64}
// VIRTUAL: nn.matmul {{.*}}{pp.stage = 0 : i64}
// VIRTUAL: nn.matmul {{.*}}{pp.stage = 1 : i64}
// VIRTUAL: nn.mul {{.*}}{pp.stage = 2 : i64}
// VIRTUAL: nn.matmul {{.*}}{pp.stage = 3 : i64}

// TABLE: plan of @forward: 2 stages, method optimal, granularity op, device cpu, schedule 1f1b, 2 microbatches
// TABLE-NEXT: stage ops blocks params F B W comm time act/mb flight mem est
// TABLE-NEXT: 0 3 2 5.00 MiB 136.6 us 110.7 us 133.1 us 15.1 us 395.5 us 576.00 KiB 2.00 21.12 MiB <- bottleneck
// TABLE-NEXT: 1 3 1 1.00 MiB 34.3 us 35.6 us 27.2 us 15.1 us 112.3 us 512.00 KiB 1.00 4.50 MiB
// TABLE-NEXT: bottleneck 395.5 us per microbatch; lower bound 317.6 us
// TABLE-NEXT: stage 0: /layers.0/fc/MatMul .. /layers.1/fc/MatMul
// TABLE-NEXT: send /layers.1/fc/MatMul (256.00 KiB) to stage 1
// TABLE-NEXT: stage 1: /layers.1/Mul .. /head/MatMul
// TABLE-NEXT: recv /layers.1/fc/MatMul (256.00 KiB) from stage 0

// Keys are sorted within each object.
// JSON: "bottleneck_time": 0.000395521
// JSON: "device": "cpu",
// JSON: "format": "pp-plan",
// JSON: "function": "forward",
// JSON: "granularity": "op",
// JSON: "lower_bound_time": 0.000317572
// JSON: "memory_limit": null,
// JSON: "method": "optimal",
// JSON: "microbatches": 8,
// JSON: "num_stages": 2,
// JSON: "schedule": {
// JSON-NEXT: "in_flight": [
// JSON-NEXT: 8,
// JSON-NEXT: 8
// JSON-NEXT: ],
// JSON-NEXT: "kind": "gpipe"
// JSON: "stages": [
// JSON: "activation_bytes": 589824,

// INFLIGHT-1F1B:      "in_flight": [
// INFLIGHT-1F1B-NEXT:   3,
// INFLIGHT-1F1B-NEXT:   2,
// INFLIGHT-1F1B-NEXT:   1
// INFLIGHT-ZBH1:      "in_flight": [
// INFLIGHT-ZBH1-NEXT:   3,
// INFLIGHT-ZBH1-NEXT:   3,
// INFLIGHT-ZBH1-NEXT:   3
// INFLIGHT-ZBH2:      "in_flight": [
// INFLIGHT-ZBH2-NEXT:   5,
// INFLIGHT-ZBH2-NEXT:   5,
// INFLIGHT-ZBH2-NEXT:   5
// JSON: "blocks": [
// JSON-NEXT: "layers/0",
// JSON-NEXT: "layers/1"
// JSON: "num_blocks": 2,
// JSON: "ops": [
// JSON-NEXT: "/layers.0/fc/MatMul",
// JSON-NEXT: "/layers.0/Relu",
// JSON-NEXT: "/layers.1/fc/MatMul"
// JSON-NEXT: ],
// JSON: "parameter_bytes": 5242880,
// JSON: "parameters": [
// JSON-NEXT: "w1",
// JSON-NEXT: "w2"
// JSON: "receives": [],
// JSON: "sends": [
// JSON-NEXT: {
// JSON-NEXT: "bytes": 262144,
// JSON-NEXT: "peer": 1,
// JSON-NEXT: "relayed": false,
// JSON-NEXT: "tensor": "/layers.1/fc/MatMul"
// JSON: "stage": 0,
// JSON: "ops": [
// JSON-NEXT: "/layers.1/Mul",
// JSON-NEXT: "/layers.1/Relu",
// JSON-NEXT: "/head/MatMul"
// JSON: "receives": [
// JSON-NEXT: {
// JSON-NEXT: "bytes": 262144,
// JSON-NEXT: "peer": 0,
// JSON: "sends": [],
// JSON: "stage": 1,
// JSON: "total_compute_time":

// A measured 0.5 s forward of the head and a 1 MB/s link (256 KiB: 262 ms
// each way) from a profile file: the head alone on the last stage.
// DEVICE: plan of @forward: 2 stages, method optimal, granularity op, device slow-link
// DEVICE: 0 5 2 5.00 MiB 143.8 us 119.1 us 133.1 us 524.288 ms
// DEVICE-NEXT: 1 1 0 1.00 MiB 500.000 ms 27.2 us 27.2 us 524.288 ms 1.024 s
