//===- Profiler.cpp - Measured timing of kernels, functions, steps --------===//
//
// Kernel descriptions and the operation counts of products and
// convolutions, computed from a kernel's static types (and, for nn.gemm,
// its transposition attribute).
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Profiler.h"

#include <cstring>

using namespace pp::rt;

/// The product of `shape[from:]`.
static double elementsFrom(const Shape &shape, size_t from) {
  double n = 1;
  for (size_t i = from; i < shape.size(); ++i)
    n *= double(shape[i]);
  return n;
}

double pp::rt::productFlops(const KernelSpec &spec) {
  if (spec.inputs.size() < 2 || spec.outputs.empty())
    return 0;
  const Shape &a = spec.inputs[0].shape, &b = spec.inputs[1].shape;
  double outputs = double(spec.outputs[0].numel());
  if (spec.op == "nn.matmul") {
    // Every output element (batch x M x N, or fewer for 1-d operands) is a
    // dot product over A's last axis.
    if (a.empty())
      return 0;
    return 2 * outputs * double(a.back());
  }
  if (spec.op == "nn.gemm") {
    int64_t transA = 0;
    if (a.size() != 2 || spec.attrs.getInt("transA", transA, 0))
      return 0;
    return 2 * outputs * double(transA ? a[0] : a[1]);
  }
  // A convolution's multiply-adds are those of the forward convolution:
  // its output size times C_in/group times the kernel size, which is the
  // weight's size without its first (output channel) axis.
  if (spec.op == "nn.conv" || spec.op == "nn.conv_grad_input") {
    // nn.conv(x, weight) -> y; nn.conv_grad_input(dy, weight) -> dx.
    double perOutput = elementsFrom(b, 1);
    double forwardOutputs =
        spec.op == "nn.conv" ? outputs : double(spec.inputs[0].numel());
    return 2 * forwardOutputs * perOutput;
  }
  if (spec.op == "nn.conv_grad_weight") // (dy, x) -> dweight
    return 2 * double(spec.inputs[0].numel()) *
           elementsFrom(spec.outputs[0].shape, 1);
  return 0;
}

uint32_t Profiler::addKernel(const KernelSpec &spec) {
  double bytes = 0;
  for (const TensorType &t : spec.inputs)
    bytes += double(t.bytes());
  for (const TensorType &t : spec.outputs)
    bytes += double(t.bytes());
  return addKernel(
      ProfiledKernel{spec.op, spec.location, productFlops(spec), bytes});
}

namespace {

template <typename T> void put(std::string &out, const T &value) {
  out.append(reinterpret_cast<const char *>(&value), sizeof(T));
}
void putString(std::string &out, const std::string &text) {
  put(out, uint64_t(text.size()));
  out += text;
}

/// Reads values back from serialize()'s bytes, failing past the end.
class Reader {
public:
  explicit Reader(const std::string &bytes) : bytes_(bytes) {}
  template <typename T> bool get(T &value) {
    if (bytes_.size() - at_ < sizeof(T))
      return false;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  bool getString(std::string &text) {
    uint64_t size = 0;
    if (!get(size) || bytes_.size() - at_ < size)
      return false;
    text.assign(bytes_, at_, size);
    at_ += size;
    return true;
  }
  bool done() const { return at_ == bytes_.size(); }

private:
  const std::string &bytes_;
  size_t at_ = 0;
};

} // namespace

std::string Profiler::serialize() const {
  std::string out;
  put(out, uint64_t(kernels_.size()));
  for (const ProfiledKernel &k : kernels_) {
    putString(out, k.op);
    putString(out, k.location);
    put(out, k.flops);
    put(out, k.bytes);
  }
  put(out, uint64_t(events_.size()));
  for (const ProfileEvent &e : events_)
    put(out, e);
  return out;
}

Status Profiler::deserialize(const std::string &bytes) {
  Reader in(bytes);
  uint64_t count = 0;
  auto corrupt = [] {
    return Status::error("a gathered profile is truncated or corrupt");
  };
  if (!in.get(count))
    return corrupt();
  uint32_t base = uint32_t(kernels_.size());
  for (uint64_t i = 0; i < count; ++i) {
    ProfiledKernel k;
    if (!in.getString(k.op) || !in.getString(k.location) || !in.get(k.flops) ||
        !in.get(k.bytes))
      return corrupt();
    kernels_.push_back(std::move(k));
  }
  if (!in.get(count))
    return corrupt();
  for (uint64_t i = 0; i < count; ++i) {
    ProfileEvent e{ProfileEvent::Kind::Step};
    if (!in.get(e))
      return corrupt();
    if (e.kind == ProfileEvent::Kind::Kernel)
      e.kernel += base;
    events_.push_back(e);
  }
  return in.done() ? Status::ok() : corrupt();
}
