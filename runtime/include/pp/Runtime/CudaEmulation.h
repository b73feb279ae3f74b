//===- CudaEmulation.h - The CUDA backend's kernels on the host -*- C++ -*-===//
//
// The device emulation: the CUDA backend's kernel sources built by the host
// compiler (DeviceLaunch.h), over a Device whose memory is host memory
// labelled as device memory. Tests run the CUDA kernels and the runtime's
// device paths with it on machines without a GPU. Not a user backend: it is
// as slow as one lane per row makes it.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDAEMULATION_H
#define PP_RUNTIME_CUDAEMULATION_H

#include "pp/Runtime/Device.h"
#include "pp/Runtime/Kernel.h"

namespace pp::rt {

/// The emulated device, made the process's device memory on first use.
Device &emulatedDevice();

/// Registers the emulated CUDA kernels under Backend::CUDA.
void registerEmulatedCudaKernels(KernelRegistry &registry);

} // namespace pp::rt

#endif // PP_RUNTIME_CUDAEMULATION_H
