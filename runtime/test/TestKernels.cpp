//===- TestKernels.cpp - Small kernels for executor tests -----------------===//

#include "TestKernels.h"

#include <memory>

using namespace pp::rt;

namespace {

/// Picks the f32 or f64 closure by the type of input 0.
Status pickFloat(const KernelSpec &spec, KernelFn &out, KernelFn f32,
                 KernelFn f64) {
  if (spec.inputs.empty())
    return spec.error("needs an input");
  if (spec.inputs[0].dtype == DType::F32)
    out = std::move(f32);
  else if (spec.inputs[0].dtype == DType::F64)
    out = std::move(f64);
  else
    return spec.error("expected f32 or f64");
  return Status::ok();
}

template <typename T> KernelFn mulFn() {
  return [](const Tensor *const *in, Tensor *const *res) {
    for (int64_t i = 0; i < res[0]->numel(); ++i)
      res[0]->data<T>()[i] = in[0]->data<T>()[i] * in[1]->data<T>()[i];
  };
}

template <typename T> KernelFn scaleFn(double factor) {
  return [factor](const Tensor *const *in, Tensor *const *res) {
    for (int64_t i = 0; i < res[0]->numel(); ++i)
      res[0]->data<T>()[i] = T(factor) * in[0]->data<T>()[i];
  };
}

template <typename T> KernelFn meanFn() {
  return [](const Tensor *const *in, Tensor *const *res) {
    T sum = 0;
    for (int64_t i = 0; i < in[0]->numel(); ++i)
      sum += in[0]->data<T>()[i];
    *res[0]->data<T>() = sum / T(in[0]->numel());
  };
}

template <typename T> KernelFn meanGradFn() {
  return [](const Tensor *const *in, Tensor *const *res) {
    T g = *in[0]->data<T>() / T(res[0]->numel());
    for (int64_t i = 0; i < res[0]->numel(); ++i)
      res[0]->data<T>()[i] = g;
  };
}

template <typename T> KernelFn bumpFn() {
  return [](const Tensor *const *in, Tensor *const *res) {
    for (int64_t i = 0; i < res[0]->numel(); ++i) {
      res[0]->data<T>()[i] = in[0]->data<T>()[i];
      in[0]->data<T>()[i] += 1;
    }
  };
}

Status mul(const KernelSpec &spec, KernelFn &out) {
  return pickFloat(spec, out, mulFn<float>(), mulFn<double>());
}

Status scale(const KernelSpec &spec, KernelFn &out) {
  double factor = 0;
  if (Status s = spec.attrs.getFloat("factor", factor))
    return s;
  return pickFloat(spec, out, scaleFn<float>(factor), scaleFn<double>(factor));
}

Status mean(const KernelSpec &spec, KernelFn &out) {
  return pickFloat(spec, out, meanFn<float>(), meanFn<double>());
}

Status meanGrad(const KernelSpec &spec, KernelFn &out) {
  return pickFloat(spec, out, meanGradFn<float>(), meanGradFn<double>());
}

Status bump(const KernelSpec &spec, KernelFn &out) {
  return pickFloat(spec, out, bumpFn<float>(), bumpFn<double>());
}

Status address(const KernelSpec &spec, KernelFn &out) {
  out = [](const Tensor *const *in, Tensor *const *res) {
    *res[0]->data<int64_t>() =
        int64_t(reinterpret_cast<intptr_t>(in[0]->raw()));
  };
  return Status::ok();
}

Status seed(const KernelSpec &spec, KernelFn &out) {
  uint64_t value = spec.seed;
  out = [value](const Tensor *const *, Tensor *const *res) {
    *res[0]->data<int64_t>() = int64_t(value);
  };
  return Status::ok();
}

Status count(const KernelSpec &spec, KernelFn &out) {
  auto calls = std::make_shared<int64_t>(0);
  out = [calls](const Tensor *const *, Tensor *const *res) {
    *res[0]->data<int64_t>() = ++*calls;
  };
  return Status::ok();
}

} // namespace

void pp::rt::test::registerTestKernels(KernelRegistry &registry) {
  registry.add("test.mul", mul);
  registry.add("test.scale", scale);
  registry.add("test.mean", mean);
  registry.add("test.mean_grad", meanGrad);
  registry.add("test.bump", bump);
  registry.add("test.address", address);
  registry.add("test.seed", seed);
  registry.add("test.count", count);
}
