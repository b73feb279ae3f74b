//===- DeviceKernelHarness.cpp - CUDA kernels against the CPU's -----------===//

#include "DeviceKernelHarness.h"

#include "pp/Runtime/BufferPool.h"

#include <gtest/gtest.h>

namespace pp::rt::devicetest {

Target &target() {
  static Target t;
  return t;
}

namespace {

struct DeviceState {
  BufferPool pool;
  KernelContext ctx;
  explicit DeviceState(Device &device)
      : pool(device), ctx(pool, Backend::CUDA) {
    if (Status s = device.createQueue(ctx))
      ADD_FAILURE() << s.message();
  }
};

DeviceState &state() {
  static DeviceState *s = new DeviceState(*target().device);
  return *s;
}

void check(const Status &status) {
  if (status)
    ADD_FAILURE() << status.message();
}

/// Runs a prepared device kernel, then waits for it.
void runOnDevice(const KernelFn &fn, const std::vector<Tensor> &inputs,
                 std::vector<Tensor> &outputs) {
  KernelContext &ctx = deviceContext();
  std::vector<const Tensor *> in;
  for (const Tensor &t : inputs)
    in.push_back(&t);
  std::vector<Tensor *> out;
  for (Tensor &t : outputs)
    out.push_back(&t);
  fn(ctx, in.data(), out.data());
  if (ctx.failed())
    ADD_FAILURE() << ctx.takeFailure();
  check(target().device->synchronize(ctx.stream));
}

void compare(const Tensor &device, const Tensor &cpu, double rtol, double atol,
             const std::string &what) {
  ASSERT_EQ(device.type(), cpu.type()) << what;
  bool exact = !isFloat(cpu.dtype());
  cputest::expectClose(valuesOf(fromDevice(device)), valuesOf(cpu),
                       exact ? 0 : rtol, exact ? 0 : atol, what);
}

} // namespace

KernelContext &deviceContext() { return state().ctx; }

Tensor toDevice(const Tensor &host) {
  Tensor t = Tensor::empty(host.type(), state().pool);
  check(copyTensor(host, t, deviceContext().stream));
  return t;
}

Tensor fromDevice(const Tensor &device) {
  Tensor host = Tensor::empty(device.type());
  check(copyTensor(device, host, deviceContext().stream));
  return host;
}

std::string devicePrepareError(const std::string &op,
                               const Attributes &attributes,
                               const std::vector<TensorType> &inputs,
                               const std::vector<TensorType> &outputs) {
  KernelFactory factory = target().registry->lookup(op, Backend::CUDA);
  if (!factory)
    return "no CUDA kernel for " + op;
  KernelSpec spec;
  spec.op = op;
  spec.attrs = attributes;
  spec.inputs = inputs;
  spec.outputs = outputs;
  KernelFn fn;
  Status s = factory(spec, fn);
  return s ? s.message() : std::string();
}

void expectMatchesCpu(const std::string &op, const Attributes &attributes,
                      const std::vector<Tensor> &inputs,
                      const std::vector<TensorType> &outputs, double rtol,
                      double atol, uint64_t randomId) {
  std::vector<TensorType> inputTypes;
  for (const Tensor &t : inputs)
    inputTypes.push_back(t.type());
  KernelFn cpuFn;
  Status s =
      cputest::prepare(op, attributes, inputTypes, outputs, cpuFn, randomId);
  ASSERT_FALSE(s) << "CPU: " << s.message();
  std::vector<Tensor> expected = cputest::call(cpuFn, inputs, outputs);

  KernelFactory factory = target().registry->lookup(op, Backend::CUDA);
  ASSERT_NE(factory, nullptr) << "no CUDA kernel for " << op;
  KernelSpec spec;
  spec.op = op;
  spec.location = "test";
  spec.attrs = attributes;
  spec.inputs = inputTypes;
  spec.outputs = outputs;
  spec.randomId = randomId;
  KernelFn fn;
  s = factory(spec, fn);
  ASSERT_FALSE(s) << target().name << ": " << s.message();

  std::vector<Tensor> deviceInputs;
  for (const Tensor &t : inputs)
    deviceInputs.push_back(toDevice(t));
  std::vector<Tensor> deviceOutputs;
  for (const TensorType &type : outputs) {
    Tensor t = Tensor::empty(type, state().pool);
    check(target().device->fill(t.raw(), 0xFF, t.bytes(),
                                deviceContext().stream));
    deviceOutputs.push_back(t);
  }
  runOnDevice(fn, deviceInputs, deviceOutputs);
  for (size_t i = 0; i < outputs.size(); ++i)
    compare(deviceOutputs[i], expected[i], rtol, atol,
            op + " output #" + std::to_string(i) + " (" + target().name + ")");
}

void expectInPlaceMatchesCpu(const std::string &op,
                             const Attributes &attributes,
                             const std::vector<Tensor> &inputs,
                             const std::vector<Tensor> &initial, double rtol,
                             double atol) {
  std::vector<TensorType> inputTypes, outputTypes;
  for (const Tensor &t : inputs)
    inputTypes.push_back(t.type());
  for (const Tensor &t : initial)
    outputTypes.push_back(t.type());

  KernelFn cpuFn;
  Status s = cputest::prepare(op, attributes, inputTypes, outputTypes, cpuFn);
  ASSERT_FALSE(s) << "CPU: " << s.message();
  std::vector<Tensor> expected;
  for (const Tensor &t : initial)
    expected.push_back(t.clone());
  {
    std::vector<const Tensor *> in;
    for (const Tensor &t : inputs)
      in.push_back(&t);
    std::vector<Tensor *> out;
    for (Tensor &t : expected)
      out.push_back(&t);
    cpuFn(cputest::harnessContext(), in.data(), out.data());
  }

  KernelFactory factory = target().registry->lookup(op, Backend::CUDA);
  ASSERT_NE(factory, nullptr) << "no CUDA kernel for " << op;
  KernelSpec spec;
  spec.op = op;
  spec.location = "test";
  spec.attrs = attributes;
  spec.inputs = inputTypes;
  spec.outputs = outputTypes;
  KernelFn fn;
  s = factory(spec, fn);
  ASSERT_FALSE(s) << target().name << ": " << s.message();
  std::vector<Tensor> deviceInputs, deviceState;
  for (const Tensor &t : inputs)
    deviceInputs.push_back(toDevice(t));
  for (const Tensor &t : initial)
    deviceState.push_back(toDevice(t));
  runOnDevice(fn, deviceInputs, deviceState);
  for (size_t i = 0; i < initial.size(); ++i)
    compare(deviceState[i], expected[i], rtol, atol,
            op + " state #" + std::to_string(i) + " (" + target().name + ")");
}

} // namespace pp::rt::devicetest
