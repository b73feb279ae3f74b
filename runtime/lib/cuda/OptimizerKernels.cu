//===- OptimizerKernels.cu - Optimizer kernels of the CUDA backend ---------------===//

#include "DeviceKernels.h"
#include "DeviceLaunch.h"

namespace pp::rt::PP_DEVICE_NS {

void registerOptimizerKernels(KernelRegistry &registry) { (void)registry; }

} // namespace pp::rt::PP_DEVICE_NS
