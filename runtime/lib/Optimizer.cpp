//===- Optimizer.cpp - SGD and AdamW as torch.optim computes them ---------===//
//
// The checks of the hyperparameters, and the preparation and running of the
// per-parameter update kernels; the arithmetic is the kernels'
// (runtime/lib/cpu/OptimizerKernels.cpp for the CPU).
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Optimizer.h"
#include "pp/Runtime/Device.h"

#include <exception>
#include <sstream>

using namespace pp::rt;

Status pp::rt::parseOptimizerKind(const std::string &text, OptimizerKind &out) {
  if (text == "sgd")
    out = OptimizerKind::SGD;
  else if (text == "adamw")
    out = OptimizerKind::AdamW;
  else
    return Status::error("unknown optimizer '" + text +
                         "' (expected sgd or adamw)");
  return Status::ok();
}

/// "NAME must be CONDITION, got VALUE".
static Status badHyperparameter(const char *name, const char *condition,
                                double value) {
  std::ostringstream os;
  os << "optimizer: " << name << " must be " << condition << ", got " << value;
  return Status::error(os.str());
}

Status Optimizer::create(const OptimizerOptions &options,
                         std::vector<OptimizedParameter> parameters,
                         const KernelRegistry &registry, Backend backend,
                         std::unique_ptr<Optimizer> &out) {
  if (!(options.lr >= 0))
    return badHyperparameter("the learning rate", ">= 0", options.lr);
  if (!(options.weightDecay >= 0))
    return badHyperparameter("the weight decay", ">= 0", options.weightDecay);
  if (!(options.momentum >= 0))
    return badHyperparameter("the momentum", ">= 0", options.momentum);
  if (!(options.beta1 >= 0 && options.beta1 < 1))
    return badHyperparameter("beta1", "in [0, 1)", options.beta1);
  if (!(options.beta2 >= 0 && options.beta2 < 1))
    return badHyperparameter("beta2", "in [0, 1)", options.beta2);
  if (!(options.eps >= 0))
    return badHyperparameter("eps", ">= 0", options.eps);
  for (const OptimizedParameter &p : parameters)
    if (p.value.dtype() != DType::F32 && p.value.dtype() != DType::F64)
      return Status::error("optimizer: parameter '" + p.name + "' is " +
                           dtypeName(p.value.dtype()) +
                           "; only f32 and f64 parameters can be trained");
  std::unique_ptr<Optimizer> opt(new Optimizer(options, std::move(parameters)));
  const bool sgd = options.kind == OptimizerKind::SGD;
  const std::string op = sgd ? "pp.sgd_update" : "pp.adamw_update";
  KernelFactory factory = registry.lookup(op, backend);
  if (!factory)
    return Status::error(std::string("optimizer: no ") + backendName(backend) +
                         " kernel for " + op);
  // One kernel per element type, over its parameters in order.
  for (DType dtype : {DType::F32, DType::F64}) {
    Update update;
    KernelSpec spec;
    spec.op = op;
    std::string names;
    for (size_t i = 0; i < opt->parameters_.size(); ++i) {
      const OptimizedParameter &p = opt->parameters_[i];
      if (p.value.dtype() != dtype)
        continue;
      update.members.push_back(i);
      names += (names.empty() ? "'" : ", '") + p.name + "'";
      spec.inputs.push_back(p.value.type());
    }
    if (update.members.empty())
      continue;
    spec.location = update.members.size() == 1 ? "parameter " + names
                                               : "parameters " + names;
    spec.attrs.setContext(op + " at " + spec.location);
    spec.attrs.set("lr", options.lr);
    spec.attrs.set("weight_decay", options.weightDecay);
    if (sgd) {
      spec.attrs.set("momentum", options.momentum);
    } else {
      spec.attrs.set("beta1", options.beta1);
      spec.attrs.set("beta2", options.beta2);
      spec.attrs.set("eps", options.eps);
    }
    for (size_t i : update.members)
      spec.outputs.insert(spec.outputs.end(), 1 + opt->stateCount(),
                          opt->parameters_[i].value.type());
    try {
      if (Status s = factory(spec, update.fn))
        return Status::error("optimizer: " + s.message());
    } catch (const std::exception &e) {
      return Status::error("optimizer: " + spec.error(e.what()).message());
    }
    opt->updates_.push_back(std::move(update));
  }
  out = std::move(opt);
  return Status::ok();
}

size_t Optimizer::stateCount() const {
  if (options_.kind == OptimizerKind::AdamW)
    return 2;                            // exp_avg, exp_avg_sq
  return options_.momentum != 0 ? 1 : 0; // the momentum buffer
}

Status Optimizer::step(KernelContext &ctx, const std::vector<Tensor> &grads) {
  ++steps_;
  if (steps_ == 1)
    for (Update &update : updates_) {
      // Per member the parameter, then its state, zero, from the stage's
      // pool (ordered on its queue).
      for (size_t i : update.members) {
        update.outputs.push_back(parameters_[i].value);
        for (size_t k = 0; k < stateCount(); ++k) {
          Tensor state = Tensor::empty(parameters_[i].value.type(), ctx.pool());
          if (Status s = ctx.pool().device().fill(state.raw(), 0, state.bytes(),
                                                  ctx.stream))
            return s;
          state.setMemoryKind(MemoryKind::OptimizerState);
          update.outputs.push_back(state);
        }
      }
      for (Tensor &t : update.outputs)
        update.outputPtrs.push_back(&t);
    }
  const int64_t runStep = ctx.step;
  ctx.step = steps_;
  Status status;
  for (Update &update : updates_) {
    update.inputPtrs.clear();
    for (size_t i : update.members)
      update.inputPtrs.push_back(&grads[i]);
    try {
      update.fn(ctx, update.inputPtrs.data(), update.outputPtrs.data());
    } catch (const std::exception &e) {
      status = Status::error("optimizer: updating the parameters failed: " +
                             std::string(e.what()));
      break;
    }
    if (ctx.failed()) {
      status = Status::error("optimizer: updating the parameters failed: " +
                             ctx.takeFailure());
      break;
    }
  }
  ctx.step = runStep;
  return status;
}
