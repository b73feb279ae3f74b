//===- KernelHarness.h - Running CPU kernels in tests -----------*- C++ -*-===//
//
// What both CPU kernel test binaries (runtime/test/cpu and cpu2) run their
// kernels with: tensors of any dtype from and to doubles, random tensors,
// preparing and running a kernel by name from the CPU registry (outputs
// poisoned first, so a kernel that skips an element fails; one kernel
// context for every call unless a test passes its own), tolerant
// comparisons, multi-index and broadcast offsets for the naive reference
// loops, and central finite differences for gradient checks.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TEST_SUPPORT_KERNELHARNESS_H
#define PP_RUNTIME_TEST_SUPPORT_KERNELHARNESS_H

#include "pp/Runtime/Kernel.h"

#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace pp::rt::cputest {

using Values = std::vector<double>;

/// Attributes from (name, value) pairs.
Attributes attrs(std::initializer_list<std::pair<std::string, AttrValue>> list);

/// A tensor of `type` holding `values` converted to its dtype (bool: != 0;
/// 16-bit floats: rounded to nearest even, bfloat16 through float).
Tensor tensorOf(const TensorType &type, const Values &values);
/// A tensor's elements as doubles.
Values valuesOf(const Tensor &t);

/// 16-bit float encodings, independent of the kernels' own: binary16 by
/// the compiler's _Float16, bfloat16 by rounding a float's bits.
uint16_t float16Bits(double v);
double float16Value(uint16_t bits);
uint16_t bfloat16Bits(double v);
double bfloat16Value(uint16_t bits);

/// Uniform values in [lo, hi); integer dtypes get integers in [lo, hi].
Tensor randomTensor(const TensorType &type, std::mt19937 &rng, double lo = -1,
                    double hi = 1);

/// The CPU kernel registry.
const KernelRegistry &cpuRegistry();

/// Prepares `op` from the CPU kernel registry with `spec.randomId =
/// randomId`.
Status prepare(const std::string &op, const Attributes &attributes,
               const std::vector<TensorType> &inputs,
               const std::vector<TensorType> &outputs, KernelFn &fn,
               uint64_t randomId = 0);

/// The context `call` runs kernels with when given none: over the default
/// pool, seed, step and microbatch 0, shared by every call of the test
/// binary (so kernels see scratch that earlier kernels wrote).
KernelContext &harnessContext();

/// Runs a prepared kernel with `ctx` on `inputs` into fresh outputs of
/// `outputs`' types whose bytes are poisoned beforehand (NaN for floats,
/// 0x5A bytes for the rest).
std::vector<Tensor> call(KernelContext &ctx, const KernelFn &fn,
                         const std::vector<Tensor> &inputs,
                         const std::vector<TensorType> &outputs);
/// The same with harnessContext().
std::vector<Tensor> call(const KernelFn &fn, const std::vector<Tensor> &inputs,
                         const std::vector<TensorType> &outputs);

/// Prepares and runs `op` once; a failed preparation fails the test and
/// returns no tensors.
std::vector<Tensor> run(const std::string &op, const Attributes &attributes,
                        const std::vector<Tensor> &inputs,
                        const std::vector<TensorType> &outputs);

/// `run` for an op with one result; an invalid tensor if preparation failed.
Tensor run1(const std::string &op, const Attributes &attributes,
            const std::vector<Tensor> &inputs, const TensorType &output);

/// The message of preparing `op`, empty when preparation succeeds.
std::string prepareError(const std::string &op, const Attributes &attributes,
                         const std::vector<TensorType> &inputs,
                         const std::vector<TensorType> &outputs);

/// Expects |actual - expected| <= atol + rtol * |expected| for every
/// element (NaN matches NaN only, an infinity only itself); reports the
/// first few mismatches with their tolerance.
void expectClose(const Values &actual, const Values &expected, double rtol,
                 double atol, const std::string &what);
void expectClose(const Tensor &actual, const Values &expected, double rtol,
                 double atol, const std::string &what);

/// Calls fn(index) for every multi-index of `shape`, last axis fastest (once
/// with an empty index for a scalar shape).
void forEachIndex(const Shape &shape,
                  const std::function<void(const std::vector<int64_t> &)> &fn);

/// The flat offset in an operand of shape `from` of the element that numpy
/// broadcasting reads for `index` of the (broadcast) result.
int64_t broadcastOffset(const Shape &from, const std::vector<int64_t> &index);

/// The row-major flat offset of `index` in `shape` (of the same rank).
inline int64_t flatIndex(const Shape &shape,
                         const std::vector<int64_t> &index) {
  return broadcastOffset(shape, index);
}

/// The gradient of sum_i f(x)[i] * weights[i] at x by central differences
/// with step h. The default balances truncation (h^2) and rounding (1/h)
/// for smooth f; for a linear f any step is exact, and a step of 1 keeps
/// rounding out of the comparison.
constexpr double kLinearStep = 1.0;
Values numericGradient(const std::function<Values(const Values &)> &f,
                       const Values &x, const Values &weights, double h = 1e-5);
/// The same for an f of a tensor of x's type (x's values perturbed); the
/// default step suits f64 compositions of kernels (layer norm, convolution).
Values numericGradient(const std::function<Values(const Tensor &)> &f,
                       const Tensor &x, const Values &weights, double h = 1e-6);

/// sum_i a[i] * b[i].
double dot(const Values &a, const Values &b);

} // namespace pp::rt::cputest

#endif // PP_RUNTIME_TEST_SUPPORT_KERNELHARNESS_H
