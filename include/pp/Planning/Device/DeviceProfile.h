//===- DeviceProfile.h - What a device computes and moves -------*- C++ -*-===//
//
// A device profile turns an op's FLOPs and bytes into seconds with a roofline,
// `time = max(flops / (peak * computeEfficiency),
//             bytes / (bandwidth * memoryEfficiency)) + launch overhead`,
// and describes the link between neighbouring pipeline stages. Built-in
// profiles come from data sheets (`h100`, `a100`, `cpu`); a measured profile
// (`pp-run --profile`) refines them with per-op-kind efficiencies and
// per-op measured times. Plain C++ (LLVM Support): the JSON schema is
// documented in docs/Partitioning.md.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_DEVICE_DEVICEPROFILE_H
#define PP_PLANNING_DEVICE_DEVICEPROFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <optional>
#include <string>

namespace pp::device {

/// How close one kind of op (`nn.matmul`) comes to the device's peaks.
struct OpKindProfile {
  double computeEfficiency = 1; ///< achieved / peak FLOP/s
  double memoryEfficiency = 1;  ///< achieved / peak bytes/s
  /// Seconds per kernel launch for this kind; the device's when unset.
  std::optional<double> launchOverhead;
};

/// Measured seconds of one op (by its name, the ONNX node name), per
/// microbatch; each replaces the roofline estimate of its phase.
struct MeasuredOp {
  std::optional<double> forward, backwardInput, backwardWeight;
};

/// The link between two neighbouring stages.
struct LinkProfile {
  double bandwidth = 0; ///< bytes/second, one direction
  double latency = 0;   ///< seconds per message
};

struct DeviceProfile {
  /// Version of the JSON schema this code reads and writes.
  static constexpr int64_t kSchemaVersion = 1;

  std::string name;
  std::string description;
  /// Peak FLOP/s per element type (MLIR spelling: "f32", "bf16", "f16",
  /// "f64"); "default" serves the types not listed.
  std::map<std::string, double> peakFlops;
  double memoryBandwidth = 0; ///< bytes/second
  double launchOverhead = 0;  ///< seconds per kernel launch
  double memoryCapacity = 0;  ///< bytes per device; 0: unknown
  LinkProfile link;
  /// Per op kind ("nn.matmul"): efficiencies against the peaks.
  std::map<std::string, OpKindProfile> opKinds;
  /// Per op name: measured times.
  std::map<std::string, MeasuredOp> ops;

  /// Peak FLOP/s for `elementType`, else "default", else 0.
  double getPeakFlops(llvm::StringRef elementType) const;

  /// Seconds for one kernel of `opKind` on `elementType` doing `flops` and
  /// moving `bytes`; 0 when there is no work (nothing is launched).
  double getKernelTime(llvm::StringRef opKind, llvm::StringRef elementType,
                       double flops, double bytes) const;

  /// Measured times of the op named `opName`, or null.
  const MeasuredOp *getMeasured(llvm::StringRef opName) const;

  /// Seconds to send one message of `bytes` to a neighbour.
  double getTransferTime(double bytes) const {
    return link.latency + bytes / link.bandwidth;
  }
};

/// Names of the built-in profiles.
llvm::ArrayRef<llvm::StringRef> getBuiltinProfileNames();

/// A built-in profile by name, or an error listing the known names.
llvm::Expected<DeviceProfile> getBuiltinProfile(llvm::StringRef name);

/// Parses a profile from JSON text; errors name the offending field.
llvm::Expected<DeviceProfile> parseDeviceProfile(llvm::StringRef json);

/// Reads and parses a profile file.
llvm::Expected<DeviceProfile> loadDeviceProfile(llvm::StringRef path);

/// A built-in name, or else a path to a JSON profile.
llvm::Expected<DeviceProfile> resolveDeviceProfile(llvm::StringRef nameOrPath);

/// The profile in the JSON schema parseDeviceProfile reads.
llvm::json::Value toJSON(const DeviceProfile &profile);

} // namespace pp::device

#endif // PP_PLANNING_DEVICE_DEVICEPROFILE_H
