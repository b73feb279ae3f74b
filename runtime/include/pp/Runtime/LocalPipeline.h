//===- LocalPipeline.h - Every stage as a thread of a process ---*- C++ -*-===//
//
// pp-run's default: the p stages of an export run as p threads of one
// process (the calling thread runs stage 0), exchanging tensors through a
// ThreadTransport. A stage that fails aborts the transport, which stops
// every other stage at its next (or current) send or receive: the step
// returns the first failure's error, naming its stage, action and
// microbatch, and notes() says where each other stage stopped.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_LOCALPIPELINE_H
#define PP_RUNTIME_LOCALPIPELINE_H

#include "pp/Runtime/PipelineStage.h"

#include <functional>
#include <memory>
#include <vector>

namespace pp::rt {

class LocalPipeline {
public:
  /// Prepares every stage of `dir` with `options`.
  static Status create(const ProgramDirectory &dir,
                       const KernelRegistry &registry,
                       const StageOptions &options,
                       std::unique_ptr<LocalPipeline> &out);

  /// One training step of every stage: `loss` is the mean over the
  /// microbatches of the loss the last virtual stage computes.
  Status trainStep(int64_t step, const Batch &batch, double &loss);

  /// The forward pass of every stage: each model output, whole-batch, from
  /// the stage that returns it.
  Status infer(const Batch &batch, std::map<std::string, Tensor> &outputs);

  const std::vector<std::unique_ptr<PipelineStage>> &stages() const {
    return stages_;
  }
  /// After a failed step: where each other stage stopped.
  const std::vector<std::string> &notes() const { return notes_; }

private:
  LocalPipeline() = default;
  /// Runs `body` for every stage on its own thread, over a new transport.
  Status
  runStages(const std::function<Status(PipelineStage &, Transport &)> &body);

  std::vector<std::unique_ptr<PipelineStage>> stages_;
  std::vector<std::string> notes_;
  uint32_t microbatches_ = 1;
};

} // namespace pp::rt

#endif // PP_RUNTIME_LOCALPIPELINE_H
