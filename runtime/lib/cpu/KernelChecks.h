//===- KernelChecks.h - Preparation checks of the CPU kernels ---*- C++ -*-===//
//
// What every kernel factory of runtime/lib/cpu checks once per op before it
// builds its closure: operand and result counts, element types, shapes and
// axes, each failure an error Status whose message names the op (through
// KernelSpec::error). Also the one way a closure reports bad data while it
// runs (an index out of range).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_KERNELCHECKS_H
#define PP_RUNTIME_CPU_KERNELCHECKS_H

#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pp::rt::cpu {

/// An error unless the op has between `minInputs` and `maxInputs` operands
/// and exactly `outputs` results.
inline Status checkArity(const KernelSpec &spec, size_t minInputs,
                         size_t maxInputs, size_t outputs) {
  size_t n = spec.inputs.size();
  if (n >= minInputs && n <= maxInputs && spec.outputs.size() == outputs)
    return Status::ok();
  std::string inputs = std::to_string(minInputs);
  if (maxInputs != minInputs)
    inputs += " to " + std::to_string(maxInputs);
  return spec.error("expected " + inputs + " operand(s) and " +
                    std::to_string(outputs) + " result(s), got " +
                    std::to_string(n) + " and " +
                    std::to_string(spec.outputs.size()));
}

/// An error unless the op has exactly `inputs` operands and `outputs`
/// results.
inline Status checkArity(const KernelSpec &spec, size_t inputs,
                         size_t outputs) {
  return checkArity(spec, inputs, inputs, outputs);
}

/// An error unless every operand and result has the element type of the
/// first operand (there must be one).
inline Status checkSameDType(const KernelSpec &spec) {
  DType dtype = spec.inputs[0].dtype;
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    if (spec.inputs[i].dtype != dtype)
      return spec.error("operand " + std::to_string(i) + " has type " +
                        spec.inputs[i].str() + ", expected element type " +
                        dtypeName(dtype));
  for (size_t i = 0; i < spec.outputs.size(); ++i)
    if (spec.outputs[i].dtype != dtype)
      return spec.error("result " + std::to_string(i) + " has type " +
                        spec.outputs[i].str() + ", expected element type " +
                        dtypeName(dtype));
  return Status::ok();
}

/// checkArity, then checkSameDType: how the matrix, convolution, pooling
/// and normalisation factories, whose operands all share one float type,
/// start.
inline Status checkArityAndDType(const KernelSpec &spec, size_t minInputs,
                                 size_t maxInputs, size_t outputs) {
  if (Status s = checkArity(spec, minInputs, maxInputs, outputs))
    return s;
  return checkSameDType(spec);
}

/// An error unless `actual` equals `expected`; `what` names the value.
inline Status checkType(const KernelSpec &spec, const char *what,
                        const TensorType &actual, const TensorType &expected) {
  if (actual != expected)
    return spec.error(std::string(what) + " has type " + actual.str() +
                      ", expected " + expected.str());
  return Status::ok();
}

/// The operands of an optimizer update (pp.sgd_update, pp.adamw_update),
/// which updates any number of parameters at once: operand k is the
/// gradient of parameter k, and the results come in groups of 1 + `states`
/// per parameter (the parameter, then its state), each of its gradient's
/// type; every gradient is f32 or f64, all of one element type. `names`
/// names the gradient, the parameter and each state.
inline Status checkUpdateGroups(const KernelSpec &spec, size_t states,
                                const char *const *names) {
  size_t n = spec.inputs.size(), group = 1 + states;
  if (n == 0 || spec.outputs.size() != n * group)
    return spec.error(
        "expected one or more gradients and " + std::to_string(group) +
        " result(s) per gradient (the parameter" +
        (states ? std::string(" and its state)") : ")") + ", got " +
        std::to_string(n) + " and " + std::to_string(spec.outputs.size()));
  DType dtype = spec.inputs[0].dtype;
  for (size_t k = 0; k < n; ++k) {
    const TensorType &type = spec.inputs[k];
    std::string suffix = n > 1 ? " #" + std::to_string(k) : "";
    if (type.dtype != DType::F32 && type.dtype != DType::F64)
      return spec.error(names[0] + suffix + " has type " + type.str() +
                        ", expected f32 or f64 elements");
    if (type.dtype != dtype)
      return spec.error(names[0] + suffix + " has type " + type.str() +
                        ", expected element type " + dtypeName(dtype) +
                        " as the first");
    for (size_t i = 0; i < group; ++i)
      if (Status s = checkType(spec, (names[i + 1] + suffix).c_str(),
                               spec.outputs[k * group + i], type))
        return s;
  }
  return Status::ok();
}

/// An error unless `type` has element type `dtype`.
inline Status checkDType(const KernelSpec &spec, const char *what,
                         const TensorType &type, DType dtype) {
  if (type.dtype != dtype)
    return spec.error(std::string(what) + " has type " + type.str() +
                      ", expected element type " + dtypeName(dtype));
  return Status::ok();
}

/// An error naming `what` unless `actual` equals `expected`.
inline Status checkShape(const KernelSpec &spec, const std::string &what,
                         const Shape &actual, const Shape &expected) {
  if (actual == expected)
    return Status::ok();
  return spec.error(what + " has shape " + formatShape(actual) + ", expected " +
                    formatShape(expected));
}

/// An error unless `axis` lies in [0, rank).
inline Status checkAxis(const KernelSpec &spec, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return spec.error("axis " + std::to_string(axis) +
                      " is out of range for rank " + std::to_string(rank));
  return Status::ok();
}

/// Reports bad data found while a kernel runs (an index out of range): a
/// closure returns no Status, so it throws, and the executor turns the
/// exception into its error naming the kernel. `location` is the op's.
[[noreturn]] inline void throwDataError(const std::string &location,
                                        const std::string &message) {
  throw std::out_of_range(
      location.empty() ? message : message + " (at " + location + ")");
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_KERNELCHECKS_H
