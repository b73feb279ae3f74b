//===- Executor.h - Runs one function of a stage program --------*- C++ -*-===//
//
// A `FunctionExecutor` prepares every kernel of a function for one backend
// through the kernel registry once (an op without a kernel is an error then,
// naming the op and its location), and runs the function any number of
// times, each run with the kernel context of the stage that runs it:
//
//  - Values live in slots, one per value id. Parameters are bound to their
//    storage without copying; kernels that update state (BatchNorm's running
//    statistics) write through to it.
//  - Each kernel's outputs are allocated from the context's pool just before
//    it runs, and every buffer is released after its last use, so a
//    function holds at most its live values.
//  - The executor keeps no state between runs but its slots, emptied at the
//    end of each: random kernels draw from the context's random key, so a
//    run repeated with the same step and microbatch repeats exactly.
//  - Results are returned as tensors that own their buffers: a result that
//    is a parameter, an argument or another result is copied.
//  - With a profiler attached (setProfiler), each kernel and each run is
//    timed (Profiler.h); without, a run reads no clock.
//  - With ExecutorOptions::fuseElementwise, on a backend that has
//    pp.fused_elementwise (CUDA), each run of consecutive elementwise ops
//    whose intermediates nothing else reads becomes one kernel, and the
//    intermediates are never allocated (docs/Runtime.md).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_EXECUTOR_H
#define PP_RUNTIME_EXECUTOR_H

#include "pp/Runtime/Kernel.h"
#include "pp/Runtime/Profiler.h"
#include "pp/Runtime/Program.h"

#include <string>
#include <vector>

namespace pp::rt {

struct FusedInstruction; // ElementwiseFusion.h

/// A function argument or result: its role, key and type.
struct PortInfo {
  program::PortRole role;
  std::string key;
  TensorType type;
};

/// How FunctionExecutor::prepare prepares a function.
struct ExecutorOptions {
  /// Fuse each maximal run of consecutive elementwise ops (of one float
  /// type and shape, at least two, ElementwiseFusion.h's set) whose
  /// intermediates are read only inside the run and are no results into
  /// one pp.fused_elementwise kernel, where the backend has that kernel.
  /// Results are bit-identical; per-op timing and NaN checks then see
  /// the fused kernel as one op, so profiled runs leave it off.
  bool fuseElementwise = false;
};

class FunctionExecutor {
public:
  FunctionExecutor() = default;
  // Kernels hold pointers into the slots: moving keeps them valid (the slot
  // vector's buffer moves along), copying would not.
  FunctionExecutor(FunctionExecutor &&) = default;
  FunctionExecutor &operator=(FunctionExecutor &&) = default;
  FunctionExecutor(const FunctionExecutor &) = delete;
  FunctionExecutor &operator=(const FunctionExecutor &) = delete;

  /// Prepares `program.functions(functionIndex)` with `backend`'s kernels,
  /// bound to `parameters` (one tensor per program parameter; they must
  /// outlive the executor). `what` starts error messages (the program's
  /// file name).
  static Status prepare(const program::Program &program, uint32_t functionIndex,
                        const std::vector<Tensor> &parameters,
                        const KernelRegistry &registry, Backend backend,
                        const std::string &what, FunctionExecutor &out,
                        const ExecutorOptions &options = ExecutorOptions());

  /// Runs the function on `arguments` (in the order of `arguments()`, with
  /// exactly their types) and returns its results in the order of
  /// `results()`. Kernel outputs (and results) come from `ctx.pool()`;
  /// `ctx` must be of the backend the function was prepared for.
  Status run(KernelContext &ctx, const std::vector<Tensor> &arguments,
             std::vector<Tensor> &results);

  /// Times every kernel (views excepted) and every run into `profiler`
  /// from now on, describing the kernels to it; null stops timing. The
  /// profiler must outlive the runs.
  void setProfiler(Profiler *profiler);

  const std::string &name() const { return name_; }
  program::FunctionRole role() const { return role_; }
  Backend backend() const { return backend_; }
  const std::vector<PortInfo> &arguments() const { return arguments_; }
  const std::vector<PortInfo> &results() const { return results_; }
  /// The ids of the values whose buffers are released right after kernel
  /// `kernelIndex` runs (their last reader, or their maker when nothing
  /// reads them).
  std::vector<uint32_t> releasedAfter(size_t kernelIndex) const;
  /// The kernels a run calls (views included), after fusion.
  size_t kernelCount() const { return kernels_.size(); }
  /// The fused kernels among them, and the program ops they hold.
  size_t fusedKernelCount() const;
  size_t fusedOpCount() const;
  /// The index of the argument or result with `role` and `key`; -1 if none.
  int findArgument(program::PortRole role, const std::string &key) const;
  int findResult(program::PortRole role, const std::string &key) const;

private:
  struct PreparedKernel {
    KernelSpec spec;
    KernelFn fn;
    std::vector<uint32_t> inputs, outputs; // slots
    std::vector<uint32_t> release;         // slots dead after this kernel
    /// A reshape-like op whose output is its input's buffer seen with the
    /// output's type: run as a reinterpretation, no copy.
    bool view = false;
    uint32_t profileId = 0; // Profiler::addKernel's id
    /// A fused kernel: "'LOCATION' (nn.x)" of each op it holds.
    std::vector<std::string> fusedOps;
    std::vector<const Tensor *> inputPtrs;
    std::vector<Tensor *> outputPtrs;
  };

  Status prepareKernel(PreparedKernel &kernel,
                       const KernelRegistry &registry) const;
  /// ExecutorOptions::fuseElementwise over the prepared kernels.
  void fuseElementwiseChains(const KernelRegistry &registry);
  /// The fused kernel of kernels `members` (ascending), whose instructions
  /// are `instructions[member]`, or false (the kernels then stay as they
  /// are) when its preparation fails.
  bool fuseRun(const std::vector<size_t> &members,
               const std::vector<FusedInstruction> &instructions,
               const KernelRegistry &registry, PreparedKernel &out) const;
  /// --detect-anomaly: the first NaN among the arguments and parameters.
  Status checkInputsFinite(const std::vector<Tensor> &arguments) const;
  /// --detect-anomaly: a NaN made by kernel `k`; notes in firstInfinity_
  /// the first kernel of the run that made an infinity from finite inputs.
  Status checkKernelFinite(size_t k);
  /// --detect-anomaly: an infinity or NaN in a result.
  Status checkResultsFinite() const;
  /// "op 'NODE' (nn.x)" for messages.
  std::string describeKernel(size_t k) const;

  std::string name_;
  std::string what_;
  program::FunctionRole role_ = program::FUNCTION_ROLE_UNSPECIFIED;
  Backend backend_ = Backend::CPU;
  Profiler *profiler_ = nullptr;
  std::vector<PortInfo> arguments_, results_;
  std::vector<uint32_t> argumentSlots_, resultSlots_;
  std::vector<std::pair<uint32_t, Tensor>> parameterSlots_;
  std::vector<std::string> parameterNames_; // of parameterSlots_
  std::vector<int> producer_; // kernel that makes each slot, -1 if none
  std::string firstInfinity_; // --detect-anomaly, within one run
  void *queue_ = nullptr;     // the running context's queue
  std::vector<TensorType> slotTypes_;
  std::vector<uint32_t> slotIds_; // value id of each slot
  std::vector<Tensor> slots_;
  std::vector<PreparedKernel> kernels_;
  /// Memory identities seen while returning results (reused by run()).
  std::vector<const void *> sharedScratch_;
};

} // namespace pp::rt

#endif // PP_RUNTIME_EXECUTOR_H
