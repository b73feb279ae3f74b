//===- NoCudaBackend.cpp - CudaBackend.h in a build without CUDA ----------===//
//
// Built instead of the CUDA backend when CMake found no CUDA toolkit (or
// PP_ENABLE_CUDA=OFF): every entry point says how to get the backend.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/CudaBackend.h"

using namespace pp::rt;

static Status notBuilt() {
  return Status::error(
      "this pp was built without the CUDA backend (no CUDA toolkit was "
      "found; install it under /usr/local/cuda and configure with "
      "-DPP_ENABLE_CUDA=ON)");
}

bool pp::rt::cudaBackendBuilt() { return false; }

Status pp::rt::countCudaDevices(int &count) {
  count = 0;
  return notBuilt();
}

Status pp::rt::openCudaDevice(int, std::unique_ptr<Device> &) {
  return notBuilt();
}

void pp::rt::registerCudaKernels(KernelRegistry &) {}
