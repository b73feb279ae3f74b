//===- ProfileJSON.cpp - Device profiles to and from JSON -----------------===//
//
// Schema version 1 (docs/Partitioning.md, "Device profiles"):
//
//   {"format": "pp-device-profile", "version": 1, "name": "...",
//    "description": "...", "peak_flops": {"f32": 6.7e13, "default": ...},
//    "memory_bandwidth": 3.35e12, "launch_overhead": 4e-6,
//    "memory_capacity": 85899345920,
//    "link": {"bandwidth": 4.5e11, "latency": 1e-5},
//    "op_kinds": {"nn.matmul": {"compute_efficiency": 0.7,
//                               "memory_efficiency": 0.9,
//                               "launch_overhead": 5e-6}},
//    "ops": {"/h.0/attn/MatMul": {"forward": 1e-5, "backward_input": 1e-5,
//                                 "backward_weight": 1e-5}},
//    "measured": {...}}
//
// Unknown keys are errors (a misspelt key would otherwise silently keep a
// data-sheet figure); "measured" is free-form provenance and is not read.
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Device/DeviceProfile.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

using namespace pp::device;
using llvm::json::Object;
using llvm::json::Path;
using llvm::json::Value;

namespace {

/// Reads the fields of one JSON object, rejecting keys it was not asked for.
class FieldReader {
public:
  FieldReader(const Object &object, Path path) : object(object), path(path) {}

  const Value *get(llvm::StringRef key) { return object.get(key); }

  /// A number that satisfies `positive` (> 0) or else >= 0.
  bool number(llvm::StringRef key, double &out, bool required, bool positive) {
    const Value *v = get(key);
    if (!v) {
      if (required)
        path.field(key).report("missing required field");
      return !required;
    }
    std::optional<double> d = v->getAsNumber();
    Path field = path.field(key);
    if (!d || !std::isfinite(*d)) {
      field.report("expected a number");
      return false;
    }
    if (positive ? *d <= 0 : *d < 0) {
      if (positive)
        field.report("expected a number > 0");
      else
        field.report("expected a number >= 0");
      return false;
    }
    out = *d;
    return true;
  }

  bool optionalNumber(llvm::StringRef key, std::optional<double> &out,
                      bool positive) {
    if (!object.get(key))
      return true;
    double d = 0;
    if (!number(key, d, /*required=*/true, positive))
      return false;
    out = d;
    return true;
  }

  bool string(llvm::StringRef key, std::string &out, bool required) {
    const Value *v = get(key);
    if (!v) {
      if (required)
        path.field(key).report("missing required field");
      return !required;
    }
    std::optional<llvm::StringRef> s = v->getAsString();
    if (!s) {
      path.field(key).report("expected a string");
      return false;
    }
    out = s->str();
    return true;
  }

  const Object *object_(llvm::StringRef key, bool required) {
    const Value *v = get(key);
    if (!v) {
      if (required)
        path.field(key).report("missing required field");
      return nullptr;
    }
    const Object *o = v->getAsObject();
    if (!o)
      path.field(key).report("expected an object");
    return o;
  }

  /// Fails on the first key not in `allowed`; checked before any field is
  /// read, so that a misspelt key is reported as such rather than as the
  /// correctly spelt one missing.
  bool onlyKeys(llvm::ArrayRef<llvm::StringRef> allowed) {
    for (const auto &entry : object)
      if (!llvm::is_contained(allowed, llvm::StringRef(entry.first))) {
        path.field(entry.first).report("unknown field");
        return false;
      }
    return true;
  }

private:
  const Object &object;
  Path path;
};

bool readOpKind(const Value &value, OpKindProfile &out, Path path) {
  const Object *object = value.getAsObject();
  if (!object) {
    path.report("expected an object");
    return false;
  }
  FieldReader r(*object, path);
  return r.onlyKeys(
             {"compute_efficiency", "memory_efficiency", "launch_overhead"}) &&
         r.number("compute_efficiency", out.computeEfficiency, false, true) &&
         r.number("memory_efficiency", out.memoryEfficiency, false, true) &&
         r.optionalNumber("launch_overhead", out.launchOverhead, false);
}

bool readMeasuredOp(const Value &value, MeasuredOp &out, Path path) {
  const Object *object = value.getAsObject();
  if (!object) {
    path.report("expected an object");
    return false;
  }
  FieldReader r(*object, path);
  return r.onlyKeys({"forward", "backward_input", "backward_weight"}) &&
         r.optionalNumber("forward", out.forward, false) &&
         r.optionalNumber("backward_input", out.backwardInput, false) &&
         r.optionalNumber("backward_weight", out.backwardWeight, false);
}

bool readProfile(const Value &value, DeviceProfile &out, Path path) {
  const Object *object = value.getAsObject();
  if (!object) {
    path.report("expected a JSON object");
    return false;
  }
  FieldReader r(*object, path);
  if (!r.onlyKeys({"format", "version", "name", "description", "peak_flops",
                   "memory_bandwidth", "launch_overhead", "memory_capacity",
                   "link", "op_kinds", "ops", "measured"}))
    return false;
  std::string format;
  if (!r.string("format", format, true))
    return false;
  if (format != "pp-device-profile") {
    path.field("format").report("expected \"pp-device-profile\"");
    return false;
  }
  const Value *version = r.get("version");
  if (!version) {
    path.field("version").report("missing required field");
    return false;
  }
  std::optional<int64_t> v = version->getAsInteger();
  if (!v || *v < 1 || *v > DeviceProfile::kSchemaVersion) {
    path.field("version").report("unsupported schema version (this pp reads "
                                 "version 1)");
    return false;
  }
  if (!r.string("name", out.name, true) ||
      !r.string("description", out.description, false) ||
      !r.number("memory_bandwidth", out.memoryBandwidth, true, true) ||
      !r.number("launch_overhead", out.launchOverhead, false, false) ||
      !r.number("memory_capacity", out.memoryCapacity, false, false))
    return false;

  const Object *peaks = r.object_("peak_flops", true);
  if (!peaks)
    return false;
  Path peaksPath = path.field("peak_flops");
  if (peaks->empty()) {
    peaksPath.report("expected at least one element type");
    return false;
  }
  for (const auto &[type, peak] : *peaks) {
    std::optional<double> d = peak.getAsNumber();
    if (!d || !std::isfinite(*d) || *d <= 0) {
      peaksPath.field(type).report("expected a number > 0");
      return false;
    }
    out.peakFlops[type.str()] = *d;
  }

  const Object *link = r.object_("link", true);
  if (!link)
    return false;
  FieldReader linkReader(*link, path.field("link"));
  if (!linkReader.onlyKeys({"bandwidth", "latency"}) ||
      !linkReader.number("bandwidth", out.link.bandwidth, true, true) ||
      !linkReader.number("latency", out.link.latency, true, false))
    return false;

  if (object->get("op_kinds")) {
    const Object *kinds = r.object_("op_kinds", false);
    if (!kinds)
      return false;
    for (const auto &[kind, entry] : *kinds)
      if (!readOpKind(entry, out.opKinds[kind.str()],
                      path.field("op_kinds").field(kind)))
        return false;
  }
  if (object->get("ops")) {
    const Object *ops = r.object_("ops", false);
    if (!ops)
      return false;
    for (const auto &[name, entry] : *ops)
      if (!readMeasuredOp(entry, out.ops[name.str()],
                          path.field("ops").field(name)))
        return false;
  }
  // "measured" is provenance (tool, date, host), free-form and not read.
  return true;
}

} // namespace

llvm::Expected<DeviceProfile>
pp::device::parseDeviceProfile(llvm::StringRef json) {
  llvm::Expected<Value> value = llvm::json::parse(json);
  if (!value)
    return value.takeError();
  DeviceProfile profile;
  llvm::json::Path::Root root("device");
  if (!readProfile(*value, profile, root))
    return root.getError();
  return profile;
}

llvm::Expected<DeviceProfile>
pp::device::loadDeviceProfile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "cannot read device profile '" + path +
                                       "': " + buffer.getError().message());
  llvm::Expected<DeviceProfile> profile =
      parseDeviceProfile((*buffer)->getBuffer());
  if (!profile)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "device profile '" + path +
                                       "': " + toString(profile.takeError()));
  return profile;
}

Value pp::device::toJSON(const DeviceProfile &profile) {
  Object peaks;
  for (const auto &[type, peak] : profile.peakFlops)
    peaks[type] = peak;
  Object kinds;
  for (const auto &[kind, entry] : profile.opKinds) {
    Object o{{"compute_efficiency", entry.computeEfficiency},
             {"memory_efficiency", entry.memoryEfficiency}};
    if (entry.launchOverhead)
      o["launch_overhead"] = *entry.launchOverhead;
    kinds[kind] = std::move(o);
  }
  Object ops;
  for (const auto &[name, entry] : profile.ops) {
    Object o;
    if (entry.forward)
      o["forward"] = *entry.forward;
    if (entry.backwardInput)
      o["backward_input"] = *entry.backwardInput;
    if (entry.backwardWeight)
      o["backward_weight"] = *entry.backwardWeight;
    ops[name] = std::move(o);
  }
  return Object{
      {"format", "pp-device-profile"},
      {"version", DeviceProfile::kSchemaVersion},
      {"name", profile.name},
      {"description", profile.description},
      {"peak_flops", std::move(peaks)},
      {"memory_bandwidth", profile.memoryBandwidth},
      {"launch_overhead", profile.launchOverhead},
      {"memory_capacity", profile.memoryCapacity},
      {"link", Object{{"bandwidth", profile.link.bandwidth},
                      {"latency", profile.link.latency}}},
      {"op_kinds", std::move(kinds)},
      {"ops", std::move(ops)},
  };
}
