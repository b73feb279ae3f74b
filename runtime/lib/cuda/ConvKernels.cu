//===- ConvKernels.cu - Conv kernels of the CUDA backend ---------------===//

#include "DeviceKernels.h"
#include "DeviceLaunch.h"

namespace pp::rt::PP_DEVICE_NS {

void registerConvKernels(KernelRegistry &registry) { (void)registry; }

} // namespace pp::rt::PP_DEVICE_NS
