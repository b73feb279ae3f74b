//===- DeviceProfileTest.cpp - Roofline and the profile JSON loader -------===//

#include "pp/Planning/Device/DeviceProfile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace pp::device;

namespace {

DeviceProfile simple() {
  DeviceProfile p;
  p.name = "simple";
  p.peakFlops = {{"f32", 1e12}, {"bf16", 4e12}};
  p.memoryBandwidth = 1e11;
  p.launchOverhead = 2e-6;
  p.link = {1e9, 1e-5};
  return p;
}

std::string errorOf(llvm::StringRef json) {
  llvm::Expected<DeviceProfile> p = parseDeviceProfile(json);
  if (p)
    return "";
  return llvm::toString(p.takeError());
}

const char *kMinimal = R"({"format": "pp-device-profile", "version": 1,
  "name": "m", "peak_flops": {"f32": 1e12}, "memory_bandwidth": 1e11,
  "link": {"bandwidth": 1e9, "latency": 0}})";

TEST(Roofline, ComputeBoundAndMemoryBound) {
  DeviceProfile p = simple();
  // 1e9 FLOPs at 1e12 = 1 ms; 1e6 bytes at 1e11 = 10 us: compute-bound.
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.matmul", "f32", 1e9, 1e6), 1e-3 + 2e-6);
  // 1e6 FLOPs (1 us) and 1e8 bytes (1 ms): memory-bound.
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.add", "f32", 1e6, 1e8), 1e-3 + 2e-6);
  // The element type picks the peak.
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.matmul", "bf16", 4e9, 0), 1e-3 + 2e-6);
}

TEST(Roofline, NoWorkLaunchesNothing) {
  DeviceProfile p = simple();
  EXPECT_EQ(p.getKernelTime("nn.reshape", "f32", 0, 0), 0);
  // Data movement only: bandwidth plus launch.
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.transpose", "f32", 0, 1e5), 1e-6 + 2e-6);
}

TEST(Roofline, UnknownTypeUsesDefaultOrNothing) {
  DeviceProfile p = simple();
  EXPECT_EQ(p.getPeakFlops("f16"), 0); // no "default": unknown
  p.peakFlops["default"] = 5e11;
  EXPECT_EQ(p.getPeakFlops("f16"), 5e11);
  EXPECT_EQ(p.getPeakFlops("f32"), 1e12);
}

TEST(Roofline, OpKindEfficienciesAndLaunch) {
  DeviceProfile p = simple();
  p.opKinds["nn.matmul"] = {0.5, 0.25, 1e-6};
  // Half the compute peak: 2 ms, and this kind's own launch overhead.
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.matmul", "f32", 1e9, 0), 2e-3 + 1e-6);
  // A quarter of the bandwidth: 1e7 bytes take 0.4 ms.
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.matmul", "f32", 0, 1e7), 4e-4 + 1e-6);
  // Other kinds are untouched.
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.add", "f32", 0, 1e7), 1e-4 + 2e-6);
  // Without its own overhead a kind uses the device's.
  p.opKinds["nn.conv"] = {1, 1, std::nullopt};
  EXPECT_DOUBLE_EQ(p.getKernelTime("nn.conv", "f32", 1e9, 0), 1e-3 + 2e-6);
}

TEST(Roofline, Transfer) {
  DeviceProfile p = simple();
  EXPECT_DOUBLE_EQ(p.getTransferTime(1e6), 1e-5 + 1e-3);
}

TEST(Builtin, ProfilesAreComplete) {
  for (llvm::StringRef name : getBuiltinProfileNames()) {
    llvm::Expected<DeviceProfile> p = getBuiltinProfile(name);
    ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
    EXPECT_EQ(p->name, name);
    EXPECT_GT(p->getPeakFlops("f32"), 0);
    EXPECT_GT(p->memoryBandwidth, 0);
    EXPECT_GT(p->link.bandwidth, 0);
    // Every built-in survives its own JSON form.
    std::string text;
    llvm::raw_string_ostream os(text);
    os << toJSON(*p);
    llvm::Expected<DeviceProfile> back = parseDeviceProfile(text);
    ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
    EXPECT_EQ(back->peakFlops, p->peakFlops);
    EXPECT_EQ(back->memoryCapacity, p->memoryCapacity);
    EXPECT_EQ(back->link.latency, p->link.latency);
  }
  // An H100 is faster than an A100 in every respect the profile names.
  DeviceProfile h100 = *getBuiltinProfile("h100");
  DeviceProfile a100 = *getBuiltinProfile("a100");
  EXPECT_GT(h100.getPeakFlops("bf16"), a100.getPeakFlops("bf16"));
  EXPECT_GT(h100.memoryBandwidth, a100.memoryBandwidth);
  EXPECT_GT(h100.link.bandwidth, a100.link.bandwidth);
}

TEST(Builtin, UnknownNameListsTheKnownOnes) {
  llvm::Expected<DeviceProfile> p = getBuiltinProfile("tpu");
  ASSERT_FALSE(bool(p));
  EXPECT_EQ(
      llvm::toString(p.takeError()),
      "unknown device 'tpu' (built-in: h100, a100, cpu, or a .json file)");
}

TEST(JSON, MinimalProfile) {
  llvm::Expected<DeviceProfile> p = parseDeviceProfile(kMinimal);
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  EXPECT_EQ(p->name, "m");
  EXPECT_EQ(p->launchOverhead, 0);
  EXPECT_EQ(p->memoryCapacity, 0);
  EXPECT_TRUE(p->opKinds.empty());
}

TEST(JSON, MeasuredProfileRoundTrips) {
  DeviceProfile p = simple();
  p.description = "measured by pp-run --profile";
  p.memoryCapacity = 8e10;
  p.opKinds["nn.matmul"] = {0.7, 0.9, 5e-6};
  p.opKinds["nn.add"] = {1, 0.8, std::nullopt};
  p.ops["/h.0/attn/MatMul"] = {1e-5, 2e-5, std::nullopt};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << toJSON(p);
  llvm::Expected<DeviceProfile> back = parseDeviceProfile(text);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->description, p.description);
  EXPECT_EQ(back->opKinds.at("nn.matmul").computeEfficiency, 0.7);
  EXPECT_EQ(back->opKinds.at("nn.matmul").launchOverhead, 5e-6);
  EXPECT_FALSE(back->opKinds.at("nn.add").launchOverhead.has_value());
  const MeasuredOp *m = back->getMeasured("/h.0/attn/MatMul");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->forward, 1e-5);
  EXPECT_EQ(m->backwardInput, 2e-5);
  EXPECT_FALSE(m->backwardWeight.has_value());
  EXPECT_EQ(back->getMeasured("/h.1/attn/MatMul"), nullptr);
}

TEST(JSON, ProvenanceIsAccepted) {
  std::string json = kMinimal;
  json.insert(json.size() - 1,
              R"(, "measured": {"tool": "pp-run --profile", "runs": 20})");
  EXPECT_EQ(errorOf(json), "");
}

TEST(JSON, ErrorsNameTheField) {
  EXPECT_EQ(errorOf(R"({"format": "pp-device-profile", "version": 2})"),
            "unsupported schema version (this pp reads version 1) at "
            "device.version");
  EXPECT_EQ(errorOf(R"({"format": "onnx", "version": 1})"),
            "expected \"pp-device-profile\" at device.format");
  EXPECT_EQ(errorOf(R"({"format": "pp-device-profile", "version": 1,
      "name": "m", "peak_flops": {"f32": 1e12}, "memory_bandwidth": 0,
      "link": {"bandwidth": 1e9, "latency": 0}})"),
            "expected a number > 0 at device.memory_bandwidth");
  EXPECT_EQ(errorOf(R"({"format": "pp-device-profile", "version": 1,
      "name": "m", "peak_flops": {"f32": 1e12}, "memory_bandwidth": 1e11,
      "link": {"bandwidth": 1e9}})"),
            "missing required field at device.link.latency");
  EXPECT_EQ(errorOf(R"({"format": "pp-device-profile", "version": 1,
      "name": "m", "peak_flops": {"f32": "fast"}, "memory_bandwidth": 1e11,
      "link": {"bandwidth": 1e9, "latency": 0}})"),
            "expected a number > 0 at device.peak_flops.f32");
  EXPECT_EQ(errorOf(R"({"format": "pp-device-profile", "version": 1,
      "name": "m", "peak_flops": {"f32": 1e12}, "memory_bandwidth": 1e11,
      "link": {"bandwidth": 1e9, "latency": 0},
      "op_kinds": {"nn.matmul": {"compute_eficiency": 0.5}}})"),
            "unknown field at device.op_kinds.nn.matmul.compute_eficiency");
  EXPECT_EQ(errorOf(R"({"format": "pp-device-profile", "version": 1,
      "name": "m", "peak_flops": {"f32": 1e12}, "memory_bandwidth": 1e11,
      "link": {"bandwidth": 1e9, "latency": 0},
      "ops": {"/a": {"forward": -1}}})"),
            "expected a number >= 0 at device.ops./a.forward");
  EXPECT_NE(errorOf("{not json"), "");
}

TEST(JSON, ResolveNamesAndFiles) {
  EXPECT_EQ(resolveDeviceProfile("a100")->name, "a100");
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("device", "json", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << kMinimal;
  }
  llvm::Expected<DeviceProfile> p = resolveDeviceProfile(path);
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  EXPECT_EQ(p->name, "m");
  llvm::sys::fs::remove(path);
  llvm::Expected<DeviceProfile> missing = resolveDeviceProfile(path);
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError())
                .find("cannot read device "
                      "profile"),
            std::string::npos);
}

} // namespace
