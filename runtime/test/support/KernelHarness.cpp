//===- KernelHarness.cpp - Running CPU kernels in tests -------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace pp::rt::cputest {

const KernelRegistry &cpuRegistry() {
  static const KernelRegistry r = [] {
    KernelRegistry reg;
    registerCpuKernels(reg);
    return reg;
  }();
  return r;
}

KernelContext &harnessContext() {
  static KernelContext *ctx = new KernelContext(defaultBufferPool());
  return *ctx;
}

Attributes
attrs(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  Attributes a;
  for (const auto &[name, value] : list)
    a.set(name, value);
  return a;
}

Tensor tensorOf(const TensorType &type, const Values &values) {
  EXPECT_EQ(size_t(type.numel()), values.size()) << type.str();
  Tensor t = Tensor::empty(type);
  for (size_t i = 0; i < values.size() && i < size_t(type.numel()); ++i) {
    double v = values[i];
    switch (type.dtype) {
    case DType::F32:
      t.data<float>()[i] = float(v);
      break;
    case DType::F64:
      t.data<double>()[i] = v;
      break;
    case DType::I64:
      t.data<int64_t>()[i] = int64_t(v);
      break;
    case DType::I32:
      t.data<int32_t>()[i] = int32_t(v);
      break;
    case DType::Bool:
      t.data<bool>()[i] = v != 0;
      break;
    case DType::I8:
      t.data<int8_t>()[i] = int8_t(v);
      break;
    case DType::U8:
      t.data<uint8_t>()[i] = uint8_t(v);
      break;
    // Unsigned types through int64_t: a negative value wraps around.
    case DType::U16:
      t.data<uint16_t>()[i] = uint16_t(int64_t(v));
      break;
    case DType::U32:
      t.data<uint32_t>()[i] = uint32_t(int64_t(v));
      break;
    case DType::U64:
      t.data<uint64_t>()[i] = uint64_t(int64_t(v));
      break;
    case DType::I16:
      t.data<int16_t>()[i] = int16_t(v);
      break;
    case DType::F16:
      t.data<uint16_t>()[i] = float16Bits(v);
      break;
    case DType::BF16:
      t.data<uint16_t>()[i] = bfloat16Bits(v);
      break;
    default:
      ADD_FAILURE() << "tensorOf: unsupported dtype " << dtypeName(type.dtype);
      return t;
    }
  }
  return t;
}

uint16_t float16Bits(double v) {
  _Float16 h = _Float16(v); // the compiler's own rounding, to nearest even
  uint16_t bits;
  std::memcpy(&bits, &h, sizeof bits);
  return bits;
}

double float16Value(uint16_t bits) {
  _Float16 h;
  std::memcpy(&h, &bits, sizeof h);
  return double(h);
}

uint16_t bfloat16Bits(double v) {
  float f = float(v);
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if (std::isnan(f))
    return uint16_t((u >> 16) | 0x40u);
  return uint16_t((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

double bfloat16Value(uint16_t bits) {
  uint32_t u = uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

Values valuesOf(const Tensor &t) {
  Values v(size_t(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) {
    switch (t.dtype()) {
    case DType::F32:
      v[i] = t.data<float>()[i];
      break;
    case DType::F64:
      v[i] = t.data<double>()[i];
      break;
    case DType::I64:
      v[i] = double(t.data<int64_t>()[i]);
      break;
    case DType::I32:
      v[i] = t.data<int32_t>()[i];
      break;
    case DType::Bool: {
      uint8_t byte; // read the byte: a poisoned bool is not 0 or 1
      std::memcpy(&byte, t.data<bool>() + i, 1);
      v[i] = byte;
      break;
    }
    case DType::I8:
      v[i] = t.data<int8_t>()[i];
      break;
    case DType::U8:
      v[i] = t.data<uint8_t>()[i];
      break;
    case DType::U16:
      v[i] = t.data<uint16_t>()[i];
      break;
    case DType::U32:
      v[i] = t.data<uint32_t>()[i];
      break;
    case DType::U64:
      v[i] = double(t.data<uint64_t>()[i]);
      break;
    case DType::I16:
      v[i] = t.data<int16_t>()[i];
      break;
    case DType::F16:
      v[i] = float16Value(t.data<uint16_t>()[i]);
      break;
    case DType::BF16:
      v[i] = bfloat16Value(t.data<uint16_t>()[i]);
      break;
    default:
      ADD_FAILURE() << "valuesOf: unsupported dtype " << dtypeName(t.dtype());
      return v;
    }
  }
  return v;
}

Tensor randomTensor(const TensorType &type, std::mt19937 &rng, double lo,
                    double hi) {
  Values v(size_t(type.numel()));
  if (isFloat(type.dtype)) {
    std::uniform_real_distribution<double> dist(lo, hi);
    for (double &x : v)
      x = dist(rng);
  } else {
    std::uniform_int_distribution<int64_t> dist{int64_t(lo), int64_t(hi)};
    for (double &x : v)
      x = double(dist(rng));
  }
  return tensorOf(type, v);
}

Status prepare(const std::string &op, const Attributes &attributes,
               const std::vector<TensorType> &inputs,
               const std::vector<TensorType> &outputs, KernelFn &fn,
               uint64_t randomId) {
  KernelFactory factory = cpuRegistry().lookup(op, Backend::CPU);
  if (!factory)
    return Status::error("no CPU kernel for " + op);
  KernelSpec spec;
  spec.op = op;
  spec.location = "test.onnx:node";
  spec.attrs = attributes;
  spec.attrs.setContext(op + " at " + spec.location);
  spec.inputs = inputs;
  spec.outputs = outputs;
  spec.randomId = randomId;
  return factory(spec, fn);
}

std::vector<Tensor> call(const KernelFn &fn, const std::vector<Tensor> &inputs,
                         const std::vector<TensorType> &outputs) {
  return call(harnessContext(), fn, inputs, outputs);
}

std::vector<Tensor> call(KernelContext &ctx, const KernelFn &fn,
                         const std::vector<Tensor> &inputs,
                         const std::vector<TensorType> &outputs) {
  std::vector<Tensor> results;
  for (const TensorType &type : outputs) {
    Tensor t = Tensor::empty(type);
    if (type.dtype == DType::F32)
      std::fill(t.data<float>(), t.data<float>() + t.numel(), std::nanf(""));
    else if (type.dtype == DType::F64)
      std::fill(t.data<double>(), t.data<double>() + t.numel(), std::nan(""));
    else if (t.bytes() != 0)
      std::memset(t.raw(), 0x5A, t.bytes());
    results.push_back(t);
  }
  std::vector<const Tensor *> in;
  std::vector<Tensor *> out;
  for (const Tensor &t : inputs)
    in.push_back(&t);
  for (Tensor &t : results)
    out.push_back(&t);
  fn(ctx, in.data(), out.data());
  return results;
}

std::vector<Tensor> run(const std::string &op, const Attributes &attributes,
                        const std::vector<Tensor> &inputs,
                        const std::vector<TensorType> &outputs) {
  std::vector<TensorType> types;
  for (const Tensor &t : inputs)
    types.push_back(t.type());
  KernelFn fn;
  if (Status s = prepare(op, attributes, types, outputs, fn)) {
    ADD_FAILURE() << s.message();
    return {};
  }
  return call(fn, inputs, outputs);
}

Tensor run1(const std::string &op, const Attributes &attributes,
            const std::vector<Tensor> &inputs, const TensorType &output) {
  std::vector<Tensor> results = run(op, attributes, inputs, {output});
  return results.empty() ? Tensor() : results[0];
}

std::string prepareError(const std::string &op, const Attributes &attributes,
                         const std::vector<TensorType> &inputs,
                         const std::vector<TensorType> &outputs) {
  KernelFn fn;
  Status s = prepare(op, attributes, inputs, outputs, fn);
  return s ? s.message() : std::string();
}

void expectClose(const Values &actual, const Values &expected, double rtol,
                 double atol, const std::string &what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected[i];
    double tolerance = atol + rtol * std::fabs(e);
    bool close = std::isnan(e)   ? std::isnan(a)
                 : std::isinf(e) ? a == e
                                 : std::fabs(a - e) <= tolerance;
    if (!close && reported++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << a << ", expected "
                    << e << " (tolerance " << tolerance << ")";
  }
}

void expectClose(const Tensor &actual, const Values &expected, double rtol,
                 double atol, const std::string &what) {
  ASSERT_TRUE(actual.valid()) << what;
  expectClose(valuesOf(actual), expected, rtol, atol, what);
}

void forEachIndex(const Shape &shape,
                  const std::function<void(const std::vector<int64_t> &)> &fn) {
  if (numElements(shape) == 0)
    return;
  std::vector<int64_t> index(shape.size(), 0);
  while (true) {
    fn(index);
    size_t d = shape.size();
    while (true) {
      if (d == 0)
        return;
      --d;
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

int64_t broadcastOffset(const Shape &from, const std::vector<int64_t> &index) {
  size_t skip = index.size() - from.size();
  int64_t offset = 0;
  for (size_t d = 0; d < from.size(); ++d)
    offset = offset * from[d] + (from[d] == 1 ? 0 : index[skip + d]);
  return offset;
}

Values numericGradient(const std::function<Values(const Values &)> &f,
                       const Values &x, const Values &weights, double h) {
  Values grad(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    Values plus = x, minus = x;
    plus[i] += h;
    minus[i] -= h;
    grad[i] = (dot(f(plus), weights) - dot(f(minus), weights)) / (2 * h);
  }
  return grad;
}

Values numericGradient(const std::function<Values(const Tensor &)> &f,
                       const Tensor &x, const Values &weights, double h) {
  return numericGradient(
      [&](const Values &at) { return f(tensorOf(x.type(), at)); }, valuesOf(x),
      weights, h);
}

double dot(const Values &a, const Values &b) {
  EXPECT_EQ(a.size(), b.size());
  double s = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    s += a[i] * b[i];
  return s;
}

} // namespace pp::rt::cputest
