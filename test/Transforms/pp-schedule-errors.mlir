// RUN: pp-opt %s -split-input-file --pp-schedule -verify-diagnostics -o /dev/null
// RUN: not pp-opt %s -split-input-file --pp-schedule="schedule=zigzag num-stages=2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=KIND
// RUN: not pp-opt %s -split-input-file --pp-schedule="schedule=1f1b num-stages=4 virtual-stages=2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHUNKS
// RUN: not pp-opt %s -split-input-file --pp-schedule="schedule=zb-v num-stages=4 virtual-stages=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZBV
// RUN: not pp-opt %s -split-input-file --pp-schedule="schedule=interleaved-1f1b num-stages=4 microbatches=5 virtual-stages=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=INTER
// RUN: not pp-opt %s -split-input-file --pp-schedule="schedule=auto num-stages=4 max-in-flight=0.5" -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO

// No stage count anywhere.
// expected-error @below {{pp-schedule: option 'num-stages' not given and the module has no 'pp.num_stages' (run pp-partition-stages first, or give num-stages=P)}}
module {
}

// -----

// An op on a stage the schedule does not have.
module attributes {pp.num_stages = 2 : i64} {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{'pp.stage' is 2 but the schedule has 2 stages}}
    %0 = nn.relu %x {pp.stage = 2 : i64} : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

// The kind must be known; the error lists the kinds.
// KIND: for the --schedule option: Cannot find option named 'zigzag'!

// Conditions of a kind are named with the nearest valid settings, in the
// pass options' spelling.
// CHUNKS: error: pp-schedule: schedule=1f1b: 1f1b runs one chunk per stage, but virtual-stages=2 was given; use virtual-stages=1, or schedule=interleaved-1f1b for 2 chunks or schedule=zb-v
// ZBV: error: pp-schedule: schedule=zb-v: zb-v places exactly 2 chunks per stage in a V{{.*}}use virtual-stages=2, or schedule=interleaved-1f1b for more chunks
// INTER: error: pp-schedule: schedule=interleaved-1f1b: interleaved-1f1b with microbatches=5 (not a multiple of num-stages=4) gives an order that deadlocks with virtual-stages=3; nearest valid: microbatches=4 or microbatches=8
// AUTO: error: pp-schedule: auto: no schedule fits (max-in-flight=0.5):
// AUTO-NEXT: gpipe: peak activations 4 exceed the limit 0.5
// AUTO-NEXT: 1f1b: peak activations 4 exceed the limit 0.5
// AUTO: search: max-in-flight 0.5 leaves no room for one microbatch's activations
