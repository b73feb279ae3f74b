//===- Kernel.h - The kernel registry of the runtime ------------*- C++ -*-===//
//
// A kernel is prepared once per program op: its factory checks the op's
// attributes and static types and returns a closure that runs the op on
// buffers of exactly those types. Dispatch costs one indirect call per op,
// never per element.
//
// Contract for factories:
//  - Every attribute the exporter writes is present (defaults included), so
//    `attrs` lookups name the attribute; a missing or ill-typed attribute,
//    or an unsupported dtype/shape, is an error Status naming the op.
//  - Outputs are allocated by the executor with `spec.outputs` types before
//    the closure runs; kernels write every element of every output.
//  - Kernels do not allocate per call unless they need scratch space; they
//    may keep scratch buffers in the closure (one executor thread runs a
//    closure at a time).
//  - Float kernels support F32 and F64 (F64 is what gradient checks use).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNEL_H
#define PP_RUNTIME_KERNEL_H

#include "pp/Runtime/Status.h"
#include "pp/Runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pp::rt {

/// One attribute value, as in program.proto's `Attribute`.
using AttrValue =
    std::variant<int64_t, double, std::string, std::vector<int64_t>,
                 std::vector<double>, Tensor>;

class Attributes {
public:
  void set(std::string name, AttrValue value) {
    values_[std::move(name)] = std::move(value);
  }
  bool has(const std::string &name) const { return values_.count(name); }
  const std::map<std::string, AttrValue> &all() const { return values_; }

  /// What error messages of the typed lookups start with: the executor sets
  /// "nn.matmul at LOCATION" before calling a factory, so a factory returns
  /// a failed lookup's Status as it is.
  void setContext(std::string what) { context_ = std::move(what); }
  const std::string &context() const { return context_; }

  /// Typed lookups: an error when the attribute is missing (and no default
  /// is given) or has another type; the message starts with the context.
  /// getFloat also accepts an integer attribute.
  Status getInt(const std::string &name, int64_t &out,
                std::optional<int64_t> dflt = std::nullopt) const;
  Status getFloat(const std::string &name, double &out,
                  std::optional<double> dflt = std::nullopt) const;
  Status getString(const std::string &name, std::string &out,
                   std::optional<std::string> dflt = std::nullopt) const;
  Status getInts(const std::string &name, std::vector<int64_t> &out,
                 std::optional<std::vector<int64_t>> dflt = std::nullopt) const;
  Status getTensor(const std::string &name, Tensor &out) const;

private:
  std::map<std::string, AttrValue> values_;
  std::string context_;
};

/// What a factory knows about the op it prepares.
struct KernelSpec {
  std::string op;       // "nn.matmul"
  std::string location; // for messages
  Attributes attrs;
  std::vector<TensorType> inputs;
  std::vector<TensorType> outputs;
  /// Seed for kernels that draw random numbers (dropout): derived by the
  /// executor from pp-run's --seed and the kernel's position, so that runs
  /// repeat exactly. A kernel advances its own generator on every call.
  uint64_t seed = 0;

  /// "nn.matmul at LOCATION: MESSAGE" as an error Status.
  Status error(const std::string &message) const;
};

/// Runs a prepared op. `inputs[i]` and `outputs[i]` follow the op's operand
/// and result order; outputs are preallocated with the spec's types.
using KernelFn =
    std::function<void(const Tensor *const *inputs, Tensor *const *outputs)>;

using KernelFactory = Status (*)(const KernelSpec &spec, KernelFn &out);

class KernelRegistry {
public:
  /// Registers `factory` for `op`; a second registration replaces the first.
  void add(const std::string &op, KernelFactory factory) {
    factories_[op] = factory;
  }
  KernelFactory lookup(const std::string &op) const {
    auto it = factories_.find(op);
    return it == factories_.end() ? nullptr : it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto &kv : factories_)
      out.push_back(kv.first);
    return out;
  }

private:
  std::map<std::string, KernelFactory> factories_;
};

/// Every CPU kernel (runtime/lib/cpu). One `register*Kernels` per file.
void registerCpuKernels(KernelRegistry &registry);

} // namespace pp::rt

#endif // PP_RUNTIME_KERNEL_H
