//===- TestKernels.h - Small kernels for executor tests ---------*- C++ -*-===//
//
// The executor's tests run programs of these ops ("test.*"), so that they
// test the executor and not the CPU backend:
//
//   test.mul a, b -> a * b           test.scale x {factor} -> factor * x
//   test.mean x -> 0-d mean          test.mean_grad dy, x -> dy / numel(x)
//   test.bump s -> copy of s, then s += 1 in place (a state update)
//   test.address x -> i64 0-d: the address of x's buffer
//   test.key -> 4xi64: the kernel's random key (seed, step, microbatch,
//               stream = the kernel's random_id)
//
// Float ops accept f32 and f64, with every operand of one type. The
// registry also gets the CPU backend's runtime kernels (pp.accumulate and
// the optimizer updates), which the step runner and the trainer run.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TEST_TESTKERNELS_H
#define PP_RUNTIME_TEST_TESTKERNELS_H

#include "pp/Runtime/Kernel.h"

namespace pp::rt::test {

void registerTestKernels(KernelRegistry &registry);

} // namespace pp::rt::test

#endif // PP_RUNTIME_TEST_TESTKERNELS_H
