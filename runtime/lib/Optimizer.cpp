//===- Optimizer.cpp - SGD and AdamW as torch.optim computes them ---------===//
//
// Scalars (bias corrections, step sizes) are computed in double as Python
// computes them for torch.optim, then rounded to the parameter's element
// type, as PyTorch does when it multiplies a tensor by a Python float.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Optimizer.h"

#include <cmath>
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

namespace {

/// The step both algorithms share: count it, make the state on the first
/// step (`Derived::makeState`), then update every parameter in place with
/// `Derived::update<T>`, T its element type (f32 or f64, as create checks),
/// so that each update is one typed loop.
template <typename Derived> class ElementwiseOptimizer : public Optimizer {
public:
  using Optimizer::Optimizer;

  void step(const std::vector<Tensor> &grads) final {
    ++steps_;
    Derived &self = static_cast<Derived &>(*this);
    if (steps_ == 1)
      self.makeState();
    for (size_t i = 0; i < parameters_.size(); ++i) {
      Tensor &p = parameters_[i].value;
      if (p.dtype() == DType::F32)
        self.template update<float>(p, grads[i], i);
      else
        self.template update<double>(p, grads[i], i);
    }
  }

protected:
  /// One zero tensor of each parameter's type: per-parameter state.
  std::vector<Tensor> zerosLikeParameters() const {
    std::vector<Tensor> out;
    for (const OptimizedParameter &p : parameters_)
      out.push_back(Tensor::zeros(p.value.type()));
    return out;
  }
};

/// torch.optim.SGD with dampening 0 and no Nesterov momentum.
class SGD final : public ElementwiseOptimizer<SGD> {
public:
  using ElementwiseOptimizer::ElementwiseOptimizer;

  void makeState() {
    if (options_.momentum != 0)
      momentumBuffers_ = zerosLikeParameters();
  }

  template <typename T>
  void update(Tensor &param, const Tensor &grad, size_t index) {
    T *p = param.data<T>();
    const T *g = grad.data<T>();
    T *buf =
        momentumBuffers_.empty() ? nullptr : momentumBuffers_[index].data<T>();
    T lr = T(options_.lr), wd = T(options_.weightDecay);
    T momentum = T(options_.momentum);
    bool first = steps_ == 1;
    // Plain multiply-adds, not std::fma: without FMA instructions in the
    // build, std::fma is a libm call per element that blocks vectorisation
    // (a tenth of a GPT step). The rounding differs from PyTorch's fused
    // `add(alpha=)` by at most an ulp of the update.
    // One branch-free loop per case, so that each vectorises.
    int64_t n = param.numel();
    if (!buf) {
      for (int64_t k = 0; k < n; ++k)
        p[k] = p[k] - lr * (g[k] + wd * p[k]);
    } else if (first) {
      for (int64_t k = 0; k < n; ++k) {
        buf[k] = g[k] + wd * p[k];
        p[k] = p[k] - lr * buf[k];
      }
    } else {
      for (int64_t k = 0; k < n; ++k) {
        buf[k] = buf[k] * momentum + (g[k] + wd * p[k]);
        p[k] = p[k] - lr * buf[k];
      }
    }
  }

private:
  std::vector<Tensor> momentumBuffers_;
};

/// torch.optim.AdamW (no amsgrad, not maximising).
class AdamW final : public ElementwiseOptimizer<AdamW> {
public:
  using ElementwiseOptimizer::ElementwiseOptimizer;

  void makeState() {
    expAvg_ = zerosLikeParameters();
    expAvgSq_ = zerosLikeParameters();
  }

  template <typename T>
  void update(Tensor &param, const Tensor &grad, size_t index) {
    const OptimizerOptions &o = options_;
    double t = double(steps_);
    double biasCorrection1 = 1 - std::pow(o.beta1, t);
    double biasCorrection2 = 1 - std::pow(o.beta2, t);
    T stepSize = T(o.lr / biasCorrection1);
    T biasCorrection2Sqrt = T(std::sqrt(biasCorrection2));
    T decay = T(1 - o.lr * o.weightDecay);
    T beta1 = T(o.beta1), oneMinusBeta1 = T(1 - o.beta1);
    T beta2 = T(o.beta2), oneMinusBeta2 = T(1 - o.beta2);
    T eps = T(o.eps);

    T *p = param.data<T>();
    const T *g = grad.data<T>();
    T *m = expAvg_[index].data<T>();
    T *v = expAvgSq_[index].data<T>();
    for (int64_t k = 0, n = param.numel(); k < n; ++k) {
      p[k] = p[k] * decay;
      m[k] = m[k] * beta1 + oneMinusBeta1 * g[k];
      v[k] = v[k] * beta2 + oneMinusBeta2 * (g[k] * g[k]);
      T denom = std::sqrt(v[k]) / biasCorrection2Sqrt + eps;
      p[k] = p[k] + -stepSize * m[k] / denom;
    }
  }

private:
  std::vector<Tensor> expAvg_, expAvgSq_;
};

} // namespace

/// "NAME must be CONDITION, got VALUE".
static Status badHyperparameter(const char *name, const char *condition,
                                double value) {
  std::ostringstream os;
  os << "optimizer: " << name << " must be " << condition << ", got " << value;
  return Status::error(os.str());
}

Status Optimizer::create(const OptimizerOptions &options,
                         std::vector<OptimizedParameter> parameters,
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
  if (options.kind == OptimizerKind::SGD)
    out.reset(new SGD(options, std::move(parameters)));
  else
    out.reset(new AdamW(options, std::move(parameters)));
  return Status::ok();
}
