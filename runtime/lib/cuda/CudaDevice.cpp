//===- CudaDevice.cpp - Device memory, streams and copies on CUDA ---------===//
//
// Each stage gets a stream of its own (created non-blocking, so that no
// stage waits on another's work through the legacy default stream) and a
// cuBLAS handle bound to it. Buffers come from cudaMalloc through the stage's
// BufferPool, whose cache makes a steady-state step allocation-free; a buffer
// is only reused by kernels of the stream that released it, so its frees are
// ordered by the stream.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/CudaBackend.h"
#include "pp/Runtime/ProfileReport.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

using namespace pp::rt;

namespace {

Status cudaFailure(const std::string &what, cudaError_t err) {
  return Status::error(what + ": " + cudaGetErrorName(err) + " (" +
                       cudaGetErrorString(err) + ")");
}

class CudaDevice final : public Device {
public:
  CudaDevice(int ordinal, std::string description)
      : ordinal_(ordinal), description_(std::move(description)) {}

  MemorySpace space() const override { return MemorySpace::Device; }
  std::string describe() const override { return description_; }

  void *allocate(size_t bytes) override {
    select();
    void *data = nullptr;
    if (cudaMalloc(&data, bytes ? bytes : 1) != cudaSuccess) {
      (void)cudaGetLastError(); // out of memory: the pool retries or throws
      return nullptr;
    }
    return data;
  }

  void deallocate(void *data) override {
    select();
    cudaFree(data);
  }

  Status createQueue(KernelContext &ctx) override {
    select();
    cudaStream_t stream;
    if (cudaError_t err =
            cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking))
      return cudaFailure("cudaStreamCreate", err);
    cublasHandle_t handle;
    if (cublasStatus_t status = cublasCreate(&handle)) {
      cudaStreamDestroy(stream);
      return Status::error(std::string("cublasCreate: ") +
                           cublasGetStatusString(status));
    }
    cublasSetStream(handle, stream);
    ctx.stream = stream;
    ctx.blasHandle = handle;
    return Status::ok();
  }

  void releaseQueue(KernelContext &ctx) override {
    select();
    if (ctx.blasHandle)
      cublasDestroy(static_cast<cublasHandle_t>(ctx.blasHandle));
    if (ctx.stream) {
      cudaStreamSynchronize(static_cast<cudaStream_t>(ctx.stream));
      cudaStreamDestroy(static_cast<cudaStream_t>(ctx.stream));
    }
    ctx.blasHandle = nullptr;
    ctx.stream = nullptr;
  }

  Status copy(void *dst, MemorySpace dstSpace, const void *src,
              MemorySpace srcSpace, size_t bytes, void *queue) override {
    if (!bytes)
      return Status::ok();
    select();
    cudaMemcpyKind kind =
        srcSpace == MemorySpace::Host
            ? (dstSpace == MemorySpace::Host ? cudaMemcpyHostToHost
                                             : cudaMemcpyHostToDevice)
            : (dstSpace == MemorySpace::Host ? cudaMemcpyDeviceToHost
                                             : cudaMemcpyDeviceToDevice);
    auto stream = static_cast<cudaStream_t>(queue);
    if (cudaError_t err = cudaMemcpyAsync(dst, src, bytes, kind, stream))
      return cudaFailure("cudaMemcpyAsync", err);
    // A copy from or to pageable host memory must be complete when the
    // call returns (the caller may free or read the host side), and so must
    // one on the default queue, which no stage queue is ordered after.
    if (kind != cudaMemcpyDeviceToDevice || !queue)
      if (cudaError_t err = cudaStreamSynchronize(stream))
        return cudaFailure("cudaStreamSynchronize after a copy", err);
    return Status::ok();
  }

  Status fill(void *dst, uint8_t byte, size_t bytes, void *queue) override {
    if (!bytes)
      return Status::ok();
    select();
    if (cudaError_t err =
            cudaMemsetAsync(dst, byte, bytes, static_cast<cudaStream_t>(queue)))
      return cudaFailure("cudaMemsetAsync", err);
    if (!queue) // as copy: done on return
      if (cudaError_t err = cudaStreamSynchronize(nullptr))
        return cudaFailure("cudaStreamSynchronize after a fill", err);
    return Status::ok();
  }

  bool memoryInfo(size_t &freeBytes, size_t &totalBytes) const override {
    select();
    if (cudaMemGetInfo(&freeBytes, &totalBytes) != cudaSuccess) {
      (void)cudaGetLastError();
      return false;
    }
    return true;
  }

  Status synchronize(void *queue) override {
    select();
    if (cudaError_t err =
            cudaStreamSynchronize(static_cast<cudaStream_t>(queue)))
      return cudaFailure("a kernel of the stage failed", err);
    return Status::ok();
  }

  Status record(void *queue, void *&marker) override {
    select();
    cudaEvent_t event;
    if (cudaError_t err =
            cudaEventCreateWithFlags(&event, cudaEventDisableTiming))
      return cudaFailure("cudaEventCreate", err);
    if (cudaError_t err =
            cudaEventRecord(event, static_cast<cudaStream_t>(queue))) {
      cudaEventDestroy(event);
      return cudaFailure("cudaEventRecord", err);
    }
    marker = event;
    return Status::ok();
  }

  Status wait(void *queue, void *marker) override {
    if (!marker)
      return Status::ok();
    select();
    if (cudaError_t err =
            cudaStreamWaitEvent(static_cast<cudaStream_t>(queue),
                                static_cast<cudaEvent_t>(marker), 0))
      return cudaFailure("cudaStreamWaitEvent", err);
    return Status::ok();
  }

  Status waitHost(void *marker) override {
    if (!marker)
      return Status::ok();
    select();
    if (cudaError_t err =
            cudaEventSynchronize(static_cast<cudaEvent_t>(marker)))
      return cudaFailure("cudaEventSynchronize", err);
    return Status::ok();
  }

  void releaseMarker(void *marker) override {
    if (marker)
      cudaEventDestroy(static_cast<cudaEvent_t>(marker));
  }

private:
  /// CUDA's current device is per host thread; every stage thread selects
  /// this one before its calls.
  void select() const { cudaSetDevice(ordinal_); }

  int ordinal_;
  std::string description_;
};

} // namespace

bool pp::rt::cudaBackendBuilt() { return true; }

Status pp::rt::countCudaDevices(int &count) {
  count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    count = 0;
    std::string why = err == cudaErrorInsufficientDriver
                          ? "no NVIDIA driver is loaded, or it is older than "
                            "the CUDA 13 runtime needs"
                      : err == cudaErrorNoDevice
                          ? "the driver sees no CUDA device"
                          : "the driver cannot be used";
    return Status::error("no CUDA GPU found: " + why +
                         " (cudaGetDeviceCount: " + cudaGetErrorString(err) +
                         ")");
  }
  if (count == 0)
    return Status::error("no CUDA GPU found (the driver reports 0 devices)");
  return Status::ok();
}

Status pp::rt::openCudaDevice(int ordinal, std::unique_ptr<Device> &out) {
  int count = 0;
  if (Status s = countCudaDevices(count))
    return s;
  if (ordinal < 0 || ordinal >= count)
    return Status::error("CUDA device " + std::to_string(ordinal) +
                         " does not exist (" + std::to_string(count) +
                         (count == 1 ? " device" : " devices") + ")");
  cudaDeviceProp prop;
  if (cudaError_t err = cudaGetDeviceProperties(&prop, ordinal))
    return cudaFailure("CUDA device " + std::to_string(ordinal), err);
  if (prop.major < 8)
    return Status::error("CUDA device " + std::to_string(ordinal) + " (" +
                         prop.name + ") is sm_" + std::to_string(prop.major) +
                         std::to_string(prop.minor) +
                         "; pp's kernels are built for sm_80 and sm_90");
  if (cudaError_t err = cudaSetDevice(ordinal))
    return cudaFailure("cudaSetDevice(" + std::to_string(ordinal) + ")", err);
  std::string description =
      std::string(prop.name) + " (device " + std::to_string(ordinal) + ", sm_" +
      std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
      formatBytes(int64_t(prop.totalGlobalMem)) + ")";
  out = std::make_unique<CudaDevice>(ordinal, std::move(description));
  setDeviceMemory(out.get());
  return Status::ok();
}

namespace pp::rt::cuda {
void registerKernels(KernelRegistry &registry);
} // namespace pp::rt::cuda

void pp::rt::registerCudaKernels(KernelRegistry &registry) {
  cuda::registerKernels(registry);
}
