//===- KernelTestUtils.h - Helpers of the CPU kernel tests ------*- C++ -*-===//
//
// Preparing and running one kernel by name, random tensors, element access
// in double, tolerant comparisons, multi-index loops for the naive reference
// implementations, and central finite differences for gradient checks.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TEST_CPU2_KERNELTESTUTILS_H
#define PP_RUNTIME_TEST_CPU2_KERNELTESTUTILS_H

#include "pp/Runtime/Kernel.h"

#include <functional>
#include <random>
#include <string>
#include <vector>

namespace pp::rt::test {

using Values = std::vector<double>;

/// Attributes from a list of (name, value) pairs.
Attributes attrs(std::initializer_list<std::pair<std::string, AttrValue>> list);

/// Prepares `op` from the CPU kernel registry.
Status prepare(const std::string &op, const Attributes &attributes,
               const std::vector<TensorType> &inputs,
               const std::vector<TensorType> &outputs, KernelFn &fn);

/// Prepares and runs `op` once on `inputs`, returning results of the given
/// types; a failed preparation fails the test and returns no results.
std::vector<Tensor> runOp(const std::string &op, const Attributes &attributes,
                          const std::vector<Tensor> &inputs,
                          const std::vector<TensorType> &outputs);

/// A tensor of `type` filled with uniform values in [lo, hi).
Tensor randomTensor(const TensorType &type, std::mt19937 &rng, double lo = -1.0,
                    double hi = 1.0);

/// Element values as double, and a tensor of `type` from values.
Values values(const Tensor &t);
Tensor tensorOf(const TensorType &type, const Values &v);

/// Expects |actual - expected| <= atol + rtol * |expected| elementwise.
void expectClose(const Tensor &actual, const Values &expected, double rtol,
                 double atol, const std::string &what);
void expectClose(const Values &actual, const Values &expected, double rtol,
                 double atol, const std::string &what);

/// Calls fn(index) for every multi-index of `shape`, last axis fastest.
void forEachIndex(const Shape &shape,
                  const std::function<void(const std::vector<int64_t> &)> &fn);

/// Row-major flat offset of `index` in `shape`.
int64_t flatIndex(const Shape &shape, const std::vector<int64_t> &index);

/// The gradient of sum(f(x) * weights) with respect to x by central
/// differences with step h, x being a double tensor.
Values numericGradient(const std::function<Values(const Tensor &)> &f,
                       const Tensor &x, const Values &weights, double h = 1e-6);

} // namespace pp::rt::test

#endif // PP_RUNTIME_TEST_CPU2_KERNELTESTUTILS_H
