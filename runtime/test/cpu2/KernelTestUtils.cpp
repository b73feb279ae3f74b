//===- KernelTestUtils.cpp - Helpers of the CPU kernel tests --------------===//

#include "KernelTestUtils.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pp::rt::test {

static const KernelRegistry &registry() {
  static const KernelRegistry r = [] {
    KernelRegistry reg;
    registerCpuKernels(reg);
    return reg;
  }();
  return r;
}

Attributes
attrs(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  Attributes a;
  for (const auto &[name, value] : list)
    a.set(name, value);
  return a;
}

Status prepare(const std::string &op, const Attributes &attributes,
               const std::vector<TensorType> &inputs,
               const std::vector<TensorType> &outputs, KernelFn &fn) {
  KernelFactory factory = registry().lookup(op);
  if (!factory)
    return Status::error("no CPU kernel for " + op);
  KernelSpec spec;
  spec.op = op;
  spec.location = "test";
  spec.attrs = attributes;
  spec.attrs.setContext(op + " at test");
  spec.inputs = inputs;
  spec.outputs = outputs;
  return factory(spec, fn);
}

std::vector<Tensor> runOp(const std::string &op, const Attributes &attributes,
                          const std::vector<Tensor> &inputs,
                          const std::vector<TensorType> &outputs) {
  std::vector<TensorType> types;
  for (const Tensor &t : inputs)
    types.push_back(t.type());
  KernelFn fn;
  Status s = prepare(op, attributes, types, outputs, fn);
  if (s) {
    ADD_FAILURE() << s.message();
    return {};
  }
  std::vector<Tensor> results;
  for (const TensorType &t : outputs) {
    // NaN in the fresh outputs: kernels must write every element.
    Values nan(size_t(t.numel()), std::nan(""));
    results.push_back(tensorOf(t, nan));
  }
  std::vector<const Tensor *> in;
  std::vector<Tensor *> out;
  for (const Tensor &t : inputs)
    in.push_back(&t);
  for (Tensor &t : results)
    out.push_back(&t);
  fn(in.data(), out.data());
  return results;
}

Tensor randomTensor(const TensorType &type, std::mt19937 &rng, double lo,
                    double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  Values v(size_t(type.numel()));
  for (double &x : v)
    x = dist(rng);
  return tensorOf(type, v);
}

Values values(const Tensor &t) {
  Values v(size_t(t.numel()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = t.dtype() == DType::F32 ? double(t.data<float>()[i])
                                   : t.data<double>()[i];
  return v;
}

Tensor tensorOf(const TensorType &type, const Values &v) {
  Tensor t = Tensor::empty(type);
  for (size_t i = 0; i < v.size(); ++i) {
    if (type.dtype == DType::F32)
      t.data<float>()[i] = float(v[i]);
    else
      t.data<double>()[i] = v[i];
  }
  return t;
}

void expectClose(const Values &actual, const Values &expected, double rtol,
                 double atol, const std::string &what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double tol = atol + rtol * std::fabs(expected[i]);
    bool close = std::fabs(actual[i] - expected[i]) <= tol;
    if (!close && reported++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << actual[i]
                    << ", expected " << expected[i] << " (tolerance " << tol
                    << ")";
  }
}

void expectClose(const Tensor &actual, const Values &expected, double rtol,
                 double atol, const std::string &what) {
  expectClose(values(actual), expected, rtol, atol, what);
}

void forEachIndex(const Shape &shape,
                  const std::function<void(const std::vector<int64_t> &)> &fn) {
  if (numElements(shape) == 0)
    return;
  std::vector<int64_t> index(shape.size(), 0);
  while (true) {
    fn(index);
    size_t d = shape.size();
    while (d > 0) {
      --d;
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
      if (d == 0)
        return;
    }
    if (shape.empty())
      return;
  }
}

int64_t flatIndex(const Shape &shape, const std::vector<int64_t> &index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + index[d];
  return flat;
}

Values numericGradient(const std::function<Values(const Tensor &)> &f,
                       const Tensor &x, const Values &weights, double h) {
  Values base = values(x), grad(base.size());
  auto loss = [&](const Values &point) {
    Values y = f(tensorOf(x.type(), point));
    double sum = 0;
    for (size_t i = 0; i < y.size(); ++i)
      sum += y[i] * weights[i];
    return sum;
  };
  for (size_t i = 0; i < base.size(); ++i) {
    Values plus = base, minus = base;
    plus[i] += h;
    minus[i] -= h;
    grad[i] = (loss(plus) - loss(minus)) / (2 * h);
  }
  return grad;
}

} // namespace pp::rt::test
