//===- DeviceKernels.cu - Registers every kernel of the CUDA backend ------===//

#include "DeviceKernels.h"
#include "DeviceLaunch.h"

#include <cstring>

namespace pp::rt::PP_DEVICE_NS {

void registerKernels(KernelRegistry &registry) {
  registerElementwiseKernels(registry);
  registerActivationGradKernels(registry);
  registerSoftmaxKernels(registry);
  registerLossKernels(registry);
  registerReduceKernels(registry);
  registerMovementKernels(registry);
  registerMatMulKernels(registry);
  registerConvKernels(registry);
  registerPoolKernels(registry);
  registerNormKernels(registry);
  registerOptimizerKernels(registry);
  registerFusedElementwiseKernels(registry);
}

void zeroBytes(KernelContext &ctx, void *data, size_t bytes) {
  if (!bytes)
    return;
#if defined(__CUDACC__)
  if (cudaError_t err = cudaMemsetAsync(data, 0, bytes,
                                        static_cast<cudaStream_t>(ctx.stream)))
    ctx.fail(std::string("cudaMemsetAsync: ") + cudaGetErrorString(err));
#else
  (void)ctx;
  std::memset(data, 0, bytes);
#endif
}

void copyBytes(KernelContext &ctx, void *dst, const void *src, size_t bytes) {
  if (!bytes || dst == src)
    return;
#if defined(__CUDACC__)
  if (cudaError_t err =
          cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice,
                          static_cast<cudaStream_t>(ctx.stream)))
    ctx.fail(std::string("cudaMemcpyAsync: ") + cudaGetErrorString(err));
#else
  (void)ctx;
  std::memmove(dst, src, bytes);
#endif
}

} // namespace pp::rt::PP_DEVICE_NS
