//===- Trainer.cpp - One training step: F, B, W, optimizer ----------------===//
//
// With a profiler attached to the step runner, a step also records its own
// span and the optimizer's.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Trainer.h"

#include <cmath>

using namespace pp::rt;

Status Trainer::create(StepRunner &runner, const KernelRegistry &registry,
                       const OptimizerOptions &options,
                       std::unique_ptr<Trainer> &out) {
  std::vector<OptimizedParameter> parameters;
  for (size_t index : runner.trainableParameters())
    parameters.push_back({runner.program().parameters(int(index)).name(),
                          runner.parameters()[index]});
  std::unique_ptr<Trainer> trainer(new Trainer(runner));
  if (Status s =
          Optimizer::create(options, std::move(parameters), registry,
                            runner.context().backend(), trainer->optimizer_))
    return s;
  out = std::move(trainer);
  return Status::ok();
}

Status Trainer::step(const Batch &batch, double &loss) {
  ++steps_;
  std::string where = "step " + std::to_string(steps_) + ": ";
  Profiler *profiler = runner_.profiler();
  ProfileClock::time_point start;
  // The step is part of the random key of every kernel of the step.
  runner_.setStep(steps_);
  if (profiler) {
    profiler->setStep(steps_);
    start = ProfileClock::now();
  }
  if (Status s = runner_.forwardBackward(batch, loss, gradients_))
    return Status::error(where + s.message());
  if (!std::isfinite(loss)) {
    const char *value = std::isnan(loss) ? "nan" : loss > 0 ? "inf" : "-inf";
    return Status::error(where + "loss is " + value);
  }
  if (!profiler) {
    if (Status s = optimizer_->step(runner_.context(), gradients_.parameters))
      return Status::error(where + s.message());
    return Status::ok();
  }
  ProfileClock::time_point optimizerStart = ProfileClock::now();
  if (Status s = optimizer_->step(runner_.context(), gradients_.parameters))
    return Status::error(where + s.message());
  ProfileClock::time_point end = ProfileClock::now();
  profiler->optimizerDone(optimizerStart, end);
  profiler->stepDone(start, end);
  profiler->setStep(0);
  return Status::ok();
}
