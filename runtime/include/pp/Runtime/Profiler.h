//===- Profiler.h - Measured timing of kernels, functions, steps *- C++ -*-===//
//
// A `Profiler` records when each kernel, function run (F, B, W of one
// microbatch), optimizer update and training step started and ended, on
// std::chrono::steady_clock. It is off unless a tool attaches one
// (StepRunner::setProfiler): executors then test one pointer per kernel and
// read no clock.
//
// Times are nanoseconds from the profiler's origin: its creation, or a
// time point given to it, so that the profilers of several stages (one per
// stage, each used by its stage's thread) measure from one origin and their
// events line up. A profiler has no state outside itself.
//
// Kernels are described once, when the profiler is attached (`addKernel`),
// so that an event is a few integers: the description holds the op, its
// location and, for matrix products and convolutions, the floating-point
// operations of one call computed from the kernel's types and attributes.
// Views (reshapes the executor runs as reinterpretations, without a kernel)
// are not recorded: their time, with allocation and the routing of ports,
// is in their function's run but in no kernel.
//
// ProfileReport.h aggregates the events into pp-run's --profile table;
// TraceWriter.h writes them as a Chrome/Perfetto trace.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_PROFILER_H
#define PP_RUNTIME_PROFILER_H

#include "pp/Runtime/Kernel.h"
#include "pp/Runtime/Program.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pp::rt {

using ProfileClock = std::chrono::steady_clock;

/// The floating-point operations of one call of a matrix product or
/// convolution (`nn.matmul`, `nn.gemm`, `nn.conv`, `nn.conv_grad_input`,
/// `nn.conv_grad_weight`): 2 per multiply-add, so 2·M·N·K for a product and
/// 2 · output size · C_in/group · kernel size for a convolution. 0 for any
/// other op.
double productFlops(const KernelSpec &spec);

/// What a recorded kernel is.
struct ProfiledKernel {
  std::string op;
  std::string location;
  double flops = 0; // per call; 0 when not a product
  double bytes = 0; // per call: its operands' and results' bytes
};

struct ProfileEvent {
  /// Action: a pipeline action that is not one function run: a fused
  /// backward (BW, whose B and W runs nest in it), a send or receive (its
  /// wait included) or a tied-gradient reduction.
  enum class Kind : uint8_t { Step, Function, Kernel, Optimizer, Action };
  Kind kind;
  /// Function and Kernel: the function's role.
  program::FunctionRole role = program::FUNCTION_ROLE_UNSPECIFIED;
  /// Kernel: index into Profiler::kernels().
  uint32_t kernel = 0;
  /// Function and Kernel: the microbatch (from 0); -1 otherwise.
  int32_t microbatch = -1;
  /// The training step (from 1); 0 outside a step.
  int64_t step = 0;
  /// Nanoseconds since the profiler's origin.
  int64_t startNs = 0, endNs = 0;
  /// Function, Kernel and Action: the stage's local chunk.
  int32_t chunk = 0;
  /// Action: its kind and peer (the other stage of a transfer or
  /// reduction; -1 otherwise).
  program::Action::Kind action = program::Action::KIND_UNSPECIFIED;
  int32_t peer = -1;

  double seconds() const { return double(endNs - startNs) * 1e-9; }
};

class Profiler {
public:
  /// Events measured from now.
  Profiler() : origin_(ProfileClock::now()) {}
  /// Events measured from `origin`: profilers given one origin (the
  /// stages' of one run) have comparable timestamps.
  explicit Profiler(ProfileClock::time_point origin) : origin_(origin) {}

  ProfileClock::time_point origin() const { return origin_; }

  /// Describes a kernel; the result identifies it in `kernelDone`.
  uint32_t addKernel(const KernelSpec &spec);

  /// The context of the events that follow: the step (from 1) and the
  /// microbatch (from 0) being run.
  void setStep(int64_t step) { step_ = step; }
  void setMicrobatch(int32_t microbatch) { microbatch_ = microbatch; }
  /// The local chunk being run (pipelined programs with several chunks).
  void setChunk(int32_t chunk) { chunk_ = chunk; }

  void kernelDone(uint32_t kernel, program::FunctionRole role,
                  ProfileClock::time_point start,
                  ProfileClock::time_point end) {
    record({ProfileEvent::Kind::Kernel, role, kernel, microbatch_, step_, 0, 0},
           start, end);
  }
  void functionDone(program::FunctionRole role, ProfileClock::time_point start,
                    ProfileClock::time_point end) {
    record({ProfileEvent::Kind::Function, role, 0, microbatch_, step_, 0, 0},
           start, end);
  }
  /// Ends the last function event at `end` instead: work that belongs to
  /// that run but follows the executor's return (W's gradient accumulation
  /// into the step's sums), so that busy times and traces hold it.
  void extendLastFunction(ProfileClock::time_point end) {
    for (auto it = events_.rbegin(); it != events_.rend(); ++it)
      if (it->kind == ProfileEvent::Kind::Function) {
        it->endNs = std::max(it->endNs, sinceOrigin(end));
        return;
      }
  }
  void optimizerDone(ProfileClock::time_point start,
                     ProfileClock::time_point end) {
    record({ProfileEvent::Kind::Optimizer, program::FUNCTION_ROLE_UNSPECIFIED,
            0, -1, step_, 0, 0},
           start, end);
  }
  void actionDone(const program::Action &action, ProfileClock::time_point start,
                  ProfileClock::time_point end) {
    ProfileEvent event{ProfileEvent::Kind::Action,
                       program::FUNCTION_ROLE_UNSPECIFIED,
                       0,
                       int32_t(action.microbatch()),
                       step_,
                       0,
                       0};
    event.action = action.kind();
    event.peer = action.peer();
    record(event, start, end, int32_t(action.chunk()));
  }
  void stepDone(ProfileClock::time_point start, ProfileClock::time_point end) {
    record({ProfileEvent::Kind::Step, program::FUNCTION_ROLE_UNSPECIFIED, 0, -1,
            step_, 0, 0},
           start, end);
  }

  /// Events in the order they ended.
  const std::vector<ProfileEvent> &events() const { return events_; }
  const std::vector<ProfiledKernel> &kernels() const { return kernels_; }

  /// The kernels and events as bytes, to gather a stage's profile into
  /// another process of the same build (pp-run --transport=mpi), and back:
  /// `deserialize` adds what `bytes` holds to this profiler.
  std::string serialize() const;
  Status deserialize(const std::string &bytes);

  /// Adds an event as it is (tests build timelines with it).
  void addEvent(const ProfileEvent &event) { events_.push_back(event); }
  uint32_t addKernel(ProfiledKernel kernel) {
    kernels_.push_back(std::move(kernel));
    return uint32_t(kernels_.size() - 1);
  }

private:
  void record(ProfileEvent event, ProfileClock::time_point start,
              ProfileClock::time_point end) {
    record(event, start, end, chunk_);
  }
  void record(ProfileEvent event, ProfileClock::time_point start,
              ProfileClock::time_point end, int32_t chunk) {
    event.chunk = chunk;
    event.startNs = sinceOrigin(start);
    event.endNs = sinceOrigin(end);
    events_.push_back(event);
  }
  int64_t sinceOrigin(ProfileClock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - origin_)
        .count();
  }

  ProfileClock::time_point origin_;
  int64_t step_ = 0;
  int32_t microbatch_ = -1;
  int32_t chunk_ = 0;
  std::vector<ProfiledKernel> kernels_;
  std::vector<ProfileEvent> events_;
};

} // namespace pp::rt

#endif // PP_RUNTIME_PROFILER_H
