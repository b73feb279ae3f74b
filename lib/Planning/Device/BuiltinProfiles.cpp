//===- BuiltinProfiles.cpp - Data-sheet device profiles -------------------===//
//
// Peaks are dense (no sparsity) data-sheet figures; the efficiencies are 1:
// the roofline is a lower bound until `pp-run --profile` measures the
// device. f32 uses the non-tensor-core FP32 peak (PyTorch's default for f32
// matmuls); f16 and bf16 the tensor-core peak.
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Device/DeviceProfile.h"

#include "llvm/ADT/StringExtras.h"

using namespace pp::device;

static constexpr double kGiB = 1024.0 * 1024 * 1024;

/// NVIDIA H100 SXM5 80GB: FP32 67 TFLOP/s, FP64 tensor 67, BF16/FP16 tensor
/// 989.4; HBM3 3.35 TB/s; NVLink 4 900 GB/s both directions together.
static DeviceProfile h100() {
  DeviceProfile p;
  p.name = "h100";
  p.description = "NVIDIA H100 SXM5 80GB (data sheet), NVLink 4 between stages";
  p.peakFlops = {{"f64", 67e12},
                 {"f32", 67e12},
                 {"bf16", 989.4e12},
                 {"f16", 989.4e12},
                 {"default", 67e12}};
  p.memoryBandwidth = 3.35e12;
  p.launchOverhead = 4e-6;
  p.memoryCapacity = 80 * kGiB;
  p.link = {450e9, 10e-6};
  return p;
}

/// NVIDIA A100 SXM4 80GB: FP32 19.5 TFLOP/s, FP64 tensor 19.5, BF16/FP16
/// tensor 312; HBM2e 2.039 TB/s; NVLink 3 600 GB/s both directions together.
static DeviceProfile a100() {
  DeviceProfile p;
  p.name = "a100";
  p.description = "NVIDIA A100 SXM4 80GB (data sheet), NVLink 3 between stages";
  p.peakFlops = {{"f64", 19.5e12},
                 {"f32", 19.5e12},
                 {"bf16", 312e12},
                 {"f16", 312e12},
                 {"default", 19.5e12}};
  p.memoryBandwidth = 2.039e12;
  p.launchOverhead = 4e-6;
  p.memoryCapacity = 80 * kGiB;
  p.link = {300e9, 10e-6};
  return p;
}

/// A 16-core AVX2 server socket running pp-run's CPU backend: 16 cores x
/// 2.5 GHz x 2 FMA units x 8 f32 lanes x 2 FLOPs = 1.28 TFLOP/s (f64 half);
/// 8 channels of DDR4-3200 (204.8 GB/s peak); stages are threads of one
/// process, so a transfer is a memory copy (read + write: half the
/// bandwidth) plus a thread hand-off.
static DeviceProfile cpu() {
  DeviceProfile p;
  p.name = "cpu";
  p.description = "16-core AVX2 x86-64 socket, DDR4-3200 x 8; stages as "
                  "threads of one process";
  p.peakFlops = {{"f64", 0.64e12}, {"f32", 1.28e12}, {"default", 1.28e12}};
  p.memoryBandwidth = 204.8e9;
  p.launchOverhead = 1e-6;
  p.memoryCapacity = 0;
  p.link = {102.4e9, 5e-6};
  return p;
}

llvm::ArrayRef<llvm::StringRef> pp::device::getBuiltinProfileNames() {
  static const llvm::StringRef names[] = {"h100", "a100", "cpu"};
  return names;
}

llvm::Expected<DeviceProfile>
pp::device::getBuiltinProfile(llvm::StringRef name) {
  if (name == "h100")
    return h100();
  if (name == "a100")
    return a100();
  if (name == "cpu")
    return cpu();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "unknown device '" + name + "' (built-in: " +
          llvm::join(getBuiltinProfileNames(), ", ") + ", or a .json file)");
}

llvm::Expected<DeviceProfile>
pp::device::resolveDeviceProfile(llvm::StringRef nameOrPath) {
  if (llvm::is_contained(getBuiltinProfileNames(), nameOrPath))
    return getBuiltinProfile(nameOrPath);
  if (nameOrPath.ends_with(".json"))
    return loadDeviceProfile(nameOrPath);
  return getBuiltinProfile(nameOrPath);
}
