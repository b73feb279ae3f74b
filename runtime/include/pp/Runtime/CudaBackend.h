//===- CudaBackend.h - Opening the CUDA backend -----------------*- C++ -*-===//
//
// The CUDA backend (runtime/lib/cuda, docs/CUDA.md): kernels registered
// under Backend::CUDA, and the Device that gives each stage a stream and a
// cuBLAS handle. Built when CMake finds the CUDA toolkit (PP_ENABLE_CUDA);
// in a build without it every call says so.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDABACKEND_H
#define PP_RUNTIME_CUDABACKEND_H

#include "pp/Runtime/Device.h"
#include "pp/Runtime/Kernel.h"
#include "pp/Runtime/Status.h"

#include <memory>

namespace pp::rt {

/// Whether this build has the CUDA backend.
bool cudaBackendBuilt();

/// The number of CUDA devices; an error that says why there are none
/// ("no CUDA GPU found: ..."), or that the backend is not built.
Status countCudaDevices(int &count);

/// Opens CUDA device `ordinal` and makes it the process's device memory
/// (setDeviceMemory). An error names the device and why it cannot be used.
Status openCudaDevice(int ordinal, std::unique_ptr<Device> &out);

/// Registers every CUDA kernel under Backend::CUDA (nothing without the
/// backend).
void registerCudaKernels(KernelRegistry &registry);

} // namespace pp::rt

#endif // PP_RUNTIME_CUDABACKEND_H
