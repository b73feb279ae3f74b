//===- DeviceKernelHarness.h - CUDA kernels against the CPU's ---*- C++ -*-===//
//
// Every CUDA kernel is tested against the CPU backend, the numerical
// reference: the same op, attributes and random inputs run on both, the
// device outputs poisoned first (0xFF bytes: NaN for floats), so a kernel
// that skips an element fails. The tests are built twice:
//  - against the device emulation (DeviceKernelTestsEmulated, always run):
//    the kernels' indexing and arithmetic, on the host;
//  - against a real GPU (DeviceKernelTestsCuda, label `gpu`), which exits
//    with ctest's skip code and says why when no GPU is present.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TEST_CUDA_DEVICEKERNELHARNESS_H
#define PP_RUNTIME_TEST_CUDA_DEVICEKERNELHARNESS_H

#include "KernelHarness.h"
#include "pp/Runtime/Device.h"
#include "pp/Runtime/Kernel.h"

#include <string>
#include <vector>

namespace pp::rt::devicetest {

using cputest::attrs;
using cputest::randomTensor;
using cputest::tensorOf;
using cputest::Values;
using cputest::valuesOf;

/// The backend under test, set by the binary's main.
struct Target {
  const KernelRegistry *registry = nullptr;
  Device *device = nullptr;
  std::string name; // "emulated", "CUDA"
};
Target &target();

/// A context on the target device (its own pool and queue), shared by the
/// tests of the binary.
KernelContext &deviceContext();

/// A device copy of a host tensor, and a host copy of a device tensor.
Tensor toDevice(const Tensor &host);
Tensor fromDevice(const Tensor &device);

/// Prepares and runs `op` on the CPU and on the target with the same
/// `inputs` (host tensors) and expects every output close: floats within
/// |d - c| <= atol + rtol * |c|, everything else equal.
void expectMatchesCpu(const std::string &op, const Attributes &attributes,
                      const std::vector<Tensor> &inputs,
                      const std::vector<TensorType> &outputs,
                      double rtol = 1e-5, double atol = 1e-6,
                      uint64_t randomId = 0);

/// The same for in-place kernels (pp.accumulate, the optimizer updates):
/// `state` holds the initial value of each output, which both backends
/// update from their own copy.
void expectInPlaceMatchesCpu(const std::string &op,
                             const Attributes &attributes,
                             const std::vector<Tensor> &inputs,
                             const std::vector<Tensor> &state,
                             double rtol = 1e-5, double atol = 1e-6);

/// The message of preparing `op` on the target (empty on success).
std::string devicePrepareError(const std::string &op,
                               const Attributes &attributes,
                               const std::vector<TensorType> &inputs,
                               const std::vector<TensorType> &outputs);

} // namespace pp::rt::devicetest

#endif // PP_RUNTIME_TEST_CUDA_DEVICEKERNELHARNESS_H
