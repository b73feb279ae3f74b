//===- GradCheck.cpp - Gradients against finite differences ---------------===//
//
// Random inputs and parameters for a check without data, and the central
// difference check itself (see GradCheck.h for the error measure).
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/GradCheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace pp::rt;

namespace {

/// A uniform double in [lo, hi) from 53 random bits (the same sequence on
/// every platform, unlike std::uniform_real_distribution).
double uniform(std::mt19937_64 &rng, double lo, double hi) {
  double unit = double(rng() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

/// Fills an f32 or f64 tensor with values uniform in [-1, 1).
void fillUniform(Tensor &t, std::mt19937_64 &rng) {
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = uniform(rng, -1, 1);
    if (t.dtype() == DType::F64)
      t.data<double>()[i] = v;
    else
      t.data<float>()[i] = float(v);
  }
}

/// Fills an integer tensor of element type T with values uniform in
/// [0, bound), or zeros when bound is 0; values above T's maximum become it.
template <typename T>
void fillBelow(Tensor &t, int64_t bound, std::mt19937_64 &rng) {
  const uint64_t max = uint64_t(std::numeric_limits<T>::max());
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint64_t v = bound > 0 ? rng() % uint64_t(bound) : 0;
    t.data<T>()[i] = T(std::min(v, max));
  }
}

/// The smallest bound a forward kernel puts on the integer input `key`
/// (see makeRandomBatch); 0 when none does.
int64_t integerBound(const program::Program &prog, const std::string &key) {
  const program::Function *fn = findFunction(prog, program::FORWARD);
  uint32_t id = 0;
  bool found = false;
  for (const program::Port &p : fn->arguments())
    if (p.role() == program::INPUT && p.key() == key) {
      id = p.value();
      found = true;
    }
  if (!found)
    return 0;
  auto shapeOf = [&](uint32_t value) {
    for (const program::Value &v : fn->values())
      if (v.id() == value)
        return std::vector<int64_t>(v.type().shape().begin(),
                                    v.type().shape().end());
    return std::vector<int64_t>();
  };
  int64_t bound = 0;
  auto tighten = [&](int64_t n) {
    if (n > 0 && (bound == 0 || n < bound))
      bound = n;
  };
  for (const program::Kernel &k : fn->kernels()) {
    if (k.inputs_size() < 2 || k.inputs(1) != id)
      continue;
    std::vector<int64_t> first = shapeOf(k.inputs(0));
    if (k.op() == "nn.softmax_cross_entropy" && !first.empty()) {
      tighten(first.back());
    } else if (k.op() == "nn.gather") {
      int64_t axis = 0;
      for (const program::Attribute &a : k.attributes())
        if (a.name() == "axis")
          axis = a.i();
      if (axis < 0)
        axis += int64_t(first.size());
      if (axis >= 0 && axis < int64_t(first.size()))
        tighten(first[size_t(axis)]);
    }
  }
  return bound;
}

/// Element `i` of an f32 or f64 tensor.
double get(const Tensor &t, int64_t i) {
  return t.dtype() == DType::F64 ? t.data<double>()[i]
                                 : double(t.data<float>()[i]);
}

/// Stores `v` (rounded to the element type) and returns what was stored.
double set(const Tensor &t, int64_t i, double v) {
  if (t.dtype() == DType::F64)
    return t.data<double>()[i] = v;
  return t.data<float>()[i] = float(v);
}

/// One tensor to check: its values (perturbed in place) and its gradient.
struct Target {
  TensorGradCheck result;
  Tensor value, gradient;
};

/// The loss at the current point. Random kernels draw the same numbers in
/// every evaluation: the runner's step does not change, and each
/// microbatch's key is the one its F had in the gradients' evaluation.
Status evaluate(StepRunner &runner, const Batch &batch, double &loss) {
  return runner.forwardLoss(batch, loss);
}

Status checkTarget(StepRunner &runner, const Batch &batch, Target &target) {
  TensorGradCheck &r = target.result;
  double epsilon = target.value.dtype() == DType::F64
                       ? std::numeric_limits<double>::epsilon()
                       : double(std::numeric_limits<float>::epsilon());
  double scale = std::cbrt(epsilon);
  for (int64_t i = 0; i < target.value.numel(); ++i) {
    double x = get(target.value, i);
    double h = scale * std::max(1.0, std::fabs(x));
    double up = set(target.value, i, x + h), lossUp = 0;
    Status s = evaluate(runner, batch, lossUp);
    double down = set(target.value, i, x - h), lossDown = 0;
    if (!s)
      s = evaluate(runner, batch, lossDown);
    set(target.value, i, x);
    if (s)
      return s;
    double numeric = (lossUp - lossDown) / (up - down);
    double analytic = get(target.gradient, i);
    double error = std::fabs(analytic - numeric) /
                   std::max({std::fabs(analytic), std::fabs(numeric), 1e-3});
    // A NaN error ranks above every number.
    auto rank = [](double e) {
      return std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
    };
    if (r.worstIndex < 0 || rank(error) > rank(r.worstError)) {
      r.worstError = error;
      r.worstIndex = i;
      r.analytic = analytic;
      r.numeric = numeric;
    }
  }
  return Status::ok();
}

} // namespace

Status pp::rt::makeRandomBatch(const program::Manifest &manifest,
                               const program::Program &program, uint64_t seed,
                               Batch &out) {
  std::mt19937_64 rng(seed);
  out.clear();
  for (const program::ManifestTensor &input : manifest.inputs()) {
    TensorType type;
    if (Status s = convertType(input.type(), type, input.name()))
      return s;
    Tensor t = Tensor::zeros(type);
    switch (type.dtype) {
    case DType::F32:
    case DType::F64:
      fillUniform(t, rng);
      break;
    case DType::Bool:
      for (int64_t i = 0; i < t.numel(); ++i)
        t.data<uint8_t>()[i] = uint8_t(rng() & 1);
      break;
    case DType::I64:
      fillBelow<int64_t>(t, integerBound(program, input.name()), rng);
      break;
    case DType::I32:
      fillBelow<int32_t>(t, integerBound(program, input.name()), rng);
      break;
    case DType::I16:
      fillBelow<int16_t>(t, integerBound(program, input.name()), rng);
      break;
    case DType::I8:
      fillBelow<int8_t>(t, integerBound(program, input.name()), rng);
      break;
    case DType::U64:
      fillBelow<uint64_t>(t, integerBound(program, input.name()), rng);
      break;
    case DType::U32:
      fillBelow<uint32_t>(t, integerBound(program, input.name()), rng);
      break;
    case DType::U16:
      fillBelow<uint16_t>(t, integerBound(program, input.name()), rng);
      break;
    case DType::U8:
      fillBelow<uint8_t>(t, integerBound(program, input.name()), rng);
      break;
    default:
      return Status::error("input '" + input.name() + "' is " + type.str() +
                           "; random data can only be made for f32, f64, "
                           "integer and bool inputs");
    }
    out[input.name()] = t;
  }
  return Status::ok();
}

void pp::rt::randomizeParameters(StepRunner &runner, uint64_t seed) {
  // Another stream than makeRandomBatch's for the same seed.
  std::mt19937_64 rng(seed ^ 0x5bd1e9955bd1e995ULL);
  for (size_t index : runner.trainableParameters()) {
    Tensor t = runner.parameters()[index];
    fillUniform(t, rng);
  }
}

Status pp::rt::gradCheck(StepRunner &runner, Batch &batch,
                         std::vector<TensorGradCheck> &out) {
  out.clear();
  double loss = 0;
  Gradients grads;
  if (Status s = runner.forwardBackward(batch, loss, grads,
                                        /*inputGradients=*/true))
    return s;
  if (!std::isfinite(loss))
    return Status::error("the loss at the checked point is not finite");

  std::vector<Target> targets;
  for (const program::ManifestTensor &input : runner.manifest().inputs()) {
    auto grad = grads.inputs.find(input.name());
    const Tensor &value = batch.at(input.name());
    if (grad == grads.inputs.end() ||
        (value.dtype() != DType::F32 && value.dtype() != DType::F64))
      continue;
    targets.push_back(
        {{input.name(), true, value.type()}, value, grad->second});
  }
  const auto &trainable = runner.trainableParameters();
  for (size_t k = 0; k < trainable.size(); ++k) {
    const program::Parameter &p =
        runner.program().parameters(int(trainable[k]));
    std::string name = p.source_name().empty() ? p.name() : p.source_name();
    const Tensor &value = runner.parameters()[trainable[k]];
    targets.push_back(
        {{name, false, value.type()}, value, grads.parameters[k]});
  }
  for (Target &target : targets) {
    if (Status s = checkTarget(runner, batch, target))
      return s;
    out.push_back(target.result);
  }
  return Status::ok();
}
