//===- Kernel.h - The kernel registry of the runtime ------------*- C++ -*-===//
//
// A kernel is prepared once per program op and backend: its factory checks
// the op's attributes and static types and returns a closure that runs the
// op on buffers of exactly those types. Dispatch costs one indirect call per
// op, never per element.
//
// Contract for factories and their closures:
//  - Every attribute the exporter writes is present (defaults included), so
//    `attrs` lookups name the attribute; a missing or ill-typed attribute,
//    or an unsupported dtype/shape, is an error Status naming the op.
//  - Outputs are allocated by the executor with `spec.outputs` types before
//    the closure runs; kernels write every element of every output.
//    In-place kernels (the optimizer updates, pp.accumulate) are the
//    exception: their caller passes existing tensors as outputs, which the
//    kernel reads and updates.
//  - A closure keeps no mutable state between calls: whatever a call needs
//    besides its operands comes from the `KernelContext` it is given
//    (scratch memory, the random key), so that one prepared kernel gives the
//    same results whichever stage, thread or order runs it, and a rerun
//    with the same context gives the same outputs.
//  - Kernels do not allocate per call: scratch space comes from
//    `ctx.scratch(slot, bytes)`, which reuses its buffers.
//  - Float kernels support F32 and F64 (F64 is what gradient checks use).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNEL_H
#define PP_RUNTIME_KERNEL_H

#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Random.h"
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

/// Where kernels run: the CPU (OpenBLAS), or a CUDA device.
enum class Backend : uint8_t { CPU, CUDA };
constexpr size_t kNumBackends = 2;
/// "CPU", "CUDA".
const char *backendName(Backend backend);

/// What a kernel call gets besides its operands: one per stage, used by one
/// thread at a time. The executor sets nothing in it; the stage's runner
/// sets the random key's step and microbatch before each run.
class KernelContext {
public:
  explicit KernelContext(BufferPool &pool, Backend backend = Backend::CPU);
  ~KernelContext();
  KernelContext(const KernelContext &) = delete;
  KernelContext &operator=(const KernelContext &) = delete;

  /// Where kernel outputs and scratch come from.
  BufferPool &pool() const { return *pool_; }
  Backend backend() const { return backend_; }

  /// At least `bytes` of 64-byte-aligned scratch memory, valid until the
  /// next call with the same slot (in this kernel call or another's):
  /// kernels run one at a time on a context, so a kernel numbers its own
  /// scratch areas from 0. A slot's buffer grows when asked for more and is
  /// reused otherwise; it is counted as workspace in the pool.
  void *scratch(unsigned slot, size_t bytes);

  /// The random key of the current run (RandomKey): the run's seed
  /// (pp-run --seed), the training step (from 1; 0 outside training) and
  /// the microbatch (from 0).
  uint64_t seed = 0;
  int64_t step = 0;
  int32_t microbatch = 0;
  /// The key of the op whose stream is `stream` (KernelSpec::randomId).
  RandomKey randomKey(uint64_t stream) const {
    return RandomKey{seed, step, microbatch, stream};
  }

  /// The threads a kernel's BLAS calls may use (pp-run --threads).
  int blasThreads = 1;
  /// Check every floating-point value a function takes or makes for NaN
  /// and infinity, and fail at the first with the op that made it
  /// (pp-run --detect-anomaly, as PyTorch's detect_anomaly).
  bool detectAnomaly = false;
  /// The backend's queue (a cudaStream_t) and its matrix library's handle
  /// bound to it (a cublasHandle_t), set by Device::createQueue; null on the
  /// CPU.
  void *stream = nullptr;
  void *blasHandle = nullptr;
  /// Use TF32 tensor cores for float32 matrix products (pp-run --tf32).
  bool allowTF32 = false;

  /// A device kernel that could not run (a failed launch) records why; the
  /// executor reports it after the kernel, naming the op. CPU kernels never
  /// fail at run time.
  void fail(std::string message) {
    if (failure_.empty())
      failure_ = std::move(message);
  }
  bool failed() const { return !failure_.empty(); }
  /// The recorded failure, which is cleared.
  std::string takeFailure() { return std::move(failure_); }

private:
  BufferPool *pool_;
  Backend backend_;
  std::vector<std::shared_ptr<PooledBuffer>> scratch_;
  std::string failure_;
};

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
  /// The op's stream of random numbers (program Kernel.random_id): kernels
  /// that draw (dropout) use `CounterRandom(ctx.randomKey(randomId))`.
  uint64_t randomId = 0;

  /// "nn.matmul at LOCATION: MESSAGE" as an error Status.
  Status error(const std::string &message) const;
};

/// Runs a prepared op. `inputs[i]` and `outputs[i]` follow the op's operand
/// and result order; outputs are preallocated with the spec's types (or,
/// for in-place kernels, are the tensors to update).
using KernelFn = std::function<void(
    KernelContext &ctx, const Tensor *const *inputs, Tensor *const *outputs)>;

using KernelFactory = Status (*)(const KernelSpec &spec, KernelFn &out);

/// Kernel factories by op name and backend.
class KernelRegistry {
public:
  /// Registers `factory` for `op` on `backend`; a second registration
  /// replaces the first.
  void add(const std::string &op, Backend backend, KernelFactory factory) {
    factories_[size_t(backend)][op] = factory;
  }
  /// The factory of `op` on `backend`; null when it has none.
  KernelFactory lookup(const std::string &op, Backend backend) const {
    const auto &map = factories_[size_t(backend)];
    auto it = map.find(op);
    return it == map.end() ? nullptr : it->second;
  }
  /// The ops `backend` has kernels for, sorted.
  std::vector<std::string> names(Backend backend) const {
    std::vector<std::string> out;
    for (auto &kv : factories_[size_t(backend)])
      out.push_back(kv.first);
    return out;
  }

private:
  std::map<std::string, KernelFactory> factories_[kNumBackends];
};

/// Every CPU kernel (runtime/lib/cpu), under Backend::CPU: the program's
/// ops, one `register*Kernels` per file, and the runtime's own in-place
/// kernels (pp.accumulate, pp.sgd_update, pp.adamw_update).
void registerCpuKernels(KernelRegistry &registry);

} // namespace pp::rt

#endif // PP_RUNTIME_KERNEL_H
