// RUN: pp-opt %s -split-input-file -verify-diagnostics --pp-partition-stages="num-stages=3 memory-limit=1MB"
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="num-stages=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="method=best" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="granularity=block" 2>&1 | FileCheck %s --check-prefix=GRAN
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="schedule=zb-v" 2>&1 | FileCheck %s --check-prefix=CHUNKS
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="virtual-stages=0" 2>&1 | FileCheck %s --check-prefix=VZERO
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="virtual-stages=2" 2>&1 | FileCheck %s --check-prefix=VONE
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="schedule=zb-v virtual-stages=3" 2>&1 | FileCheck %s --check-prefix=VZBV
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="schedule=interleaved-1f1b virtual-stages=2 memory-limit=1GB" 2>&1 | FileCheck %s --check-prefix=VMEM
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="num-stages=2 schedule=interleaved-1f1b virtual-stages=2" 2>&1 | FileCheck %s --check-prefix=VOPS
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="schedule=fifo" 2>&1 | FileCheck %s --check-prefix=SCHED
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="memory-limit=80QB" 2>&1 | FileCheck %s --check-prefix=MEM
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="memory-limit=0" 2>&1 | FileCheck %s --check-prefix=MEM0
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="memory-limit=0GB" 2>&1 | FileCheck %s --check-prefix=MEM0GB
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="memory-limit=device device=cpu" 2>&1 | FileCheck %s --check-prefix=CAPACITY
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="device=tpu" 2>&1 | FileCheck %s --check-prefix=DEVICE
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="device=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: echo '{"format": "pp-device-profile", "version": 1, "name": "x", "peak_flops": {"f32": 1e12}, "memory_bandwith": 1e11, "link": {"bandwidth": 1e9, "latency": 0}}' > %t.typo.json
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="device=%t.typo.json" 2>&1 | FileCheck %s --check-prefix=TYPO
// RUN: not pp-opt %s -split-input-file --pp-partition-stages="report=%t.nodir/plan.json" 2>&1 | FileCheck %s --check-prefix=REPORT

// ZERO: error: pp-partition-stages: option 'num-stages': must be at least 1
// METHOD: for the --method option: Cannot find option named 'best'!
// GRAN: for the --granularity option: Cannot find option named 'block'!
// CHUNKS: error: pp-partition-stages: option 'schedule': 'zb-v' runs several chunks per stage: give virtual-stages (2 for zb-v and dualpipev), or use gpipe, 1f1b, zb-h1 or zb-h2
// VZERO: error: pp-partition-stages: option 'virtual-stages': must be at least 1
// VONE: error: pp-partition-stages: option 'schedule': '1f1b' runs one chunk per stage, but virtual-stages=2 was given: use interleaved-1f1b, or zb-v or dualpipev with virtual-stages=2
// VZBV: error: pp-partition-stages: option 'virtual-stages': zb-v places exactly 2 chunks per stage, not 3
// MEM0: error: pp-partition-stages: option 'memory-limit': '0' is no memory at all; leave memory-limit out for no limit
// MEM0GB: error: pp-partition-stages: option 'memory-limit': '0GB' is no memory at all; leave memory-limit out for no limit
// VMEM: error: pp-partition-stages: option 'memory-limit': not supported with virtual-stages > 1 (a stage's memory is the sum of its chunks, which are not contiguous in the cut)
// VOPS: error: pp-partition-stages: cannot cut @forward into 2 stages of 2 chunks: num-stages * virtual-stages (4) exceeds the number of ops (2)
// SCHED: for the --schedule option: Cannot find option named 'fifo'!
// MEM: error: pp-partition-stages: option 'memory-limit': expected a size in bytes such as 80GB, 80GiB or 8e10, or 'device', not '80QB'
// CAPACITY: error: pp-partition-stages: option 'memory-limit': device 'cpu' states no memory capacity
// DEVICE: error: pp-partition-stages: option 'device': unknown device 'tpu' (built-in: h100, a100, cpu, or a .json file)
// NOFILE: error: pp-partition-stages: option 'device': cannot read device profile '{{.*}}missing.json'
// TYPO: error: pp-partition-stages: option 'device': device profile '{{.*}}typo.json': unknown field at device.memory_bandwith
// REPORT: error: pp-partition-stages: option 'report': cannot write '{{.*}}plan.json'

// Two ops cannot fill three stages.
// expected-error@+1 {{pp-partition-stages: cannot cut @forward into 3 stages: num-stages (3) exceeds the number of ops (2)}}
func.func @forward(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.relu %x : tensor<4x8xf32>
  %1 = nn.tanh %0 : tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// expected-error@+1 {{pp-partition-stages: @forward has no compute ops to partition}}
func.func @forward(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = nn.constant dense<1.0> : tensor<4x8xf32>
  return %c : tensor<4x8xf32>
}

// -----

// expected-error@+1 {{pp-partition-stages: no func.func @forward with a body to partition}}
module {
  func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    return %x : tensor<4x8xf32>
  }
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'arith.addf' op has no cost model (nn cost interface); stage partitioning plans nn ops only}}
  %0 = arith.addf %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Each of the three weights needs 4 x 256 KiB with Adam's state: no stage
// fits 1 MB (10^6 bytes). The least that fits is stage 0's 1 MiB plus three
// microbatches in flight (1F1B, p = 3) of x and its MatMul's result (16 KiB).
ml_program.global private mutable @w1(dense<0.0> : tensor<256x256xf32>) : tensor<256x256xf32>
ml_program.global private mutable @w2(dense<0.0> : tensor<256x256xf32>) : tensor<256x256xf32>
ml_program.global private mutable @w3(dense<0.0> : tensor<256x256xf32>) : tensor<256x256xf32>
// expected-error@+1 {{pp-partition-stages: cannot cut @forward into 3 stages: no cut into 3 stages fits memory-limit=976.56 KiB (1000000 bytes) per device; the smallest limit that fits is 1.05 MiB (1097728 bytes)}}
func.func @forward(%x: tensor<8x256xf32>) -> tensor<8x256xf32> {
  %w1 = ml_program.global_load @w1 : tensor<256x256xf32>
  %w2 = ml_program.global_load @w2 : tensor<256x256xf32>
  %w3 = ml_program.global_load @w3 : tensor<256x256xf32>
  %0 = nn.matmul %x, %w1 : tensor<8x256xf32>, tensor<256x256xf32> -> tensor<8x256xf32>
  %1 = nn.matmul %0, %w2 : tensor<8x256xf32>, tensor<256x256xf32> -> tensor<8x256xf32>
  %2 = nn.matmul %1, %w3 : tensor<8x256xf32>, tensor<256x256xf32> -> tensor<8x256xf32>
  return %2 : tensor<8x256xf32>
}
