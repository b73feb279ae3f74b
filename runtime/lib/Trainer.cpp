//===- Trainer.cpp - One training step: F, B, W, optimizer ----------------===//

#include "pp/Runtime/Trainer.h"

#include <cmath>

using namespace pp::rt;

Status Trainer::create(StepRunner &runner, const OptimizerOptions &options,
                       std::unique_ptr<Trainer> &out) {
  std::vector<OptimizedParameter> parameters;
  for (size_t index : runner.trainableParameters())
    parameters.push_back({runner.program().parameters(int(index)).name(),
                          runner.parameters()[index]});
  std::unique_ptr<Trainer> trainer(new Trainer(runner));
  if (Status s = Optimizer::create(options, std::move(parameters),
                                   trainer->optimizer_))
    return s;
  out = std::move(trainer);
  return Status::ok();
}

Status Trainer::step(const Batch &batch, double &loss) {
  ++steps_;
  std::string where = "step " + std::to_string(steps_) + ": ";
  if (Status s = runner_.forwardBackward(batch, loss, gradients_))
    return Status::error(where + s.message());
  if (!std::isfinite(loss)) {
    const char *value = std::isnan(loss) ? "nan" : loss > 0 ? "inf" : "-inf";
    return Status::error(where + "loss is " + value);
  }
  optimizer_->step(gradients_.parameters);
  return Status::ok();
}
