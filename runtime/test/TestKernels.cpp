//===- TestKernels.cpp - Small kernels for executor tests -----------------===//

#include "TestKernels.h"

#include "CpuKernels.h" // the CPU backend's registerOptimizerKernels

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
  return [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    for (int64_t i = 0; i < res[0]->numel(); ++i)
      res[0]->data<T>()[i] = in[0]->data<T>()[i] * in[1]->data<T>()[i];
  };
}

template <typename T> KernelFn scaleFn(double factor) {
  return
      [factor](KernelContext &, const Tensor *const *in, Tensor *const *res) {
        for (int64_t i = 0; i < res[0]->numel(); ++i)
          res[0]->data<T>()[i] = T(factor) * in[0]->data<T>()[i];
      };
}

template <typename T> KernelFn meanFn() {
  return [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    T sum = 0;
    for (int64_t i = 0; i < in[0]->numel(); ++i)
      sum += in[0]->data<T>()[i];
    *res[0]->data<T>() = sum / T(in[0]->numel());
  };
}

template <typename T> KernelFn meanGradFn() {
  return [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    T g = *in[0]->data<T>() / T(res[0]->numel());
    for (int64_t i = 0; i < res[0]->numel(); ++i)
      res[0]->data<T>()[i] = g;
  };
}

template <typename T> KernelFn bumpFn() {
  return [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
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
  out = [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    *res[0]->data<int64_t>() =
        int64_t(reinterpret_cast<intptr_t>(in[0]->raw()));
  };
  return Status::ok();
}

Status key(const KernelSpec &spec, KernelFn &out) {
  if (spec.outputs.size() != 1 ||
      spec.outputs[0] != TensorType{DType::I64, {4}})
    return spec.error("expected one 4xi64 result");
  uint64_t stream = spec.randomId;
  out = [stream](KernelContext &ctx, const Tensor *const *,
                 Tensor *const *res) {
    RandomKey k = ctx.randomKey(stream);
    int64_t *r = res[0]->data<int64_t>();
    r[0] = int64_t(k.seed);
    r[1] = k.step;
    r[2] = k.microbatch;
    r[3] = int64_t(k.stream);
  };
  return Status::ok();
}

} // namespace

void pp::rt::test::registerTestKernels(KernelRegistry &registry) {
  registry.add("test.mul", Backend::CPU, mul);
  registry.add("test.scale", Backend::CPU, scale);
  registry.add("test.mean", Backend::CPU, mean);
  registry.add("test.mean_grad", Backend::CPU, meanGrad);
  registry.add("test.bump", Backend::CPU, bump);
  registry.add("test.address", Backend::CPU, address);
  registry.add("test.key", Backend::CPU, key);
  // The runtime's own kernels (gradient accumulation, optimizer updates)
  // from the CPU backend; its nn.* kernels (and BLAS) stay out.
  cpu::registerOptimizerKernels(registry);
}
