//===- LossKernels.cu - Loss kernels of the CUDA backend ---------------===//

#include "DeviceKernels.h"
#include "DeviceLaunch.h"

namespace pp::rt::PP_DEVICE_NS {

void registerLossKernels(KernelRegistry &registry) { (void)registry; }

} // namespace pp::rt::PP_DEVICE_NS
