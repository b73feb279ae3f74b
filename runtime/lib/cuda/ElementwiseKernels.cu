//===- ElementwiseKernels.cu - Elementwise kernels of the CUDA backend ---------------===//

#include "DeviceKernels.h"
#include "DeviceLaunch.h"

namespace pp::rt::PP_DEVICE_NS {

void registerElementwiseKernels(KernelRegistry &registry) { (void)registry; }

} // namespace pp::rt::PP_DEVICE_NS
