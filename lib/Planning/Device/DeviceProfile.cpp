//===- DeviceProfile.cpp - Roofline times from a device profile -----------===//

#include "pp/Planning/Device/DeviceProfile.h"

#include <algorithm>

using namespace pp::device;

double DeviceProfile::getPeakFlops(llvm::StringRef elementType) const {
  auto it = peakFlops.find(elementType.str());
  if (it == peakFlops.end())
    it = peakFlops.find("default");
  return it == peakFlops.end() ? 0 : it->second;
}

double DeviceProfile::getKernelTime(llvm::StringRef opKind,
                                    llvm::StringRef elementType, double flops,
                                    double bytes) const {
  if (flops <= 0 && bytes <= 0)
    return 0;
  double computeEfficiency = 1, memoryEfficiency = 1, launch = launchOverhead;
  auto kind = opKinds.find(opKind.str());
  if (kind != opKinds.end()) {
    computeEfficiency = kind->second.computeEfficiency;
    memoryEfficiency = kind->second.memoryEfficiency;
    launch = kind->second.launchOverhead.value_or(launchOverhead);
  }
  double compute = 0, memory = 0;
  if (flops > 0)
    compute = flops / (getPeakFlops(elementType) * computeEfficiency);
  if (bytes > 0)
    memory = bytes / (memoryBandwidth * memoryEfficiency);
  return std::max(compute, memory) + launch;
}

const MeasuredOp *DeviceProfile::getMeasured(llvm::StringRef opName) const {
  auto it = ops.find(opName.str());
  return it == ops.end() ? nullptr : &it->second;
}
