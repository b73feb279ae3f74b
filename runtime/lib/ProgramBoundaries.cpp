//===- ProgramBoundaries.cpp - Boundary ports against the channels --------===//
//
// The forward function of virtual stage k receives channel k-1's
// activations (boundary_in arguments) and returns channel k's (boundary_out
// results); its backward-input function receives channel k's gradients
// (boundary_out_grad arguments) and returns channel k-1's
// (boundary_in_grad results). All in the channel's order, with its names
// and per-microbatch types: the executor sends and receives them as one
// message per microbatch in that order.
//
//===----------------------------------------------------------------------===//

#include "ProgramChecks.h"

using namespace pp::rt;
using detail::TypedPorts;

namespace {
/// What a list of boundary ports must equal.
struct Expected {
  const google::protobuf::RepeatedPtrField<program::ManifestTensor> *tensors;
  std::string list; // "activation", "gradient"
  int channel;      // -1 when there is none
  std::string none; // why there is none
};

Status compareBoundary(const std::string &what, const std::string &manifestPath,
                       const TypedPorts &ports, const std::string &port,
                       const Expected &expected) {
  if (expected.channel < 0) {
    if (ports.empty())
      return Status::ok();
    return Status::error(what + ": " + port + " '" + ports[0].first +
                         "' is not expected: " + expected.none);
  }
  std::string channel = "channel " + std::to_string(expected.channel);
  size_t count = size_t(expected.tensors->size());
  for (size_t i = 0; i < ports.size() && i < count; ++i) {
    const program::ManifestTensor &t = expected.tensors->Get(int(i));
    TensorType type;
    (void)convertType(t.type(), type, ""); // checked with the manifest
    if (ports[i].first == t.name() && ports[i].second == type)
      continue;
    return Status::error(
        what + ": " + port + " " + std::to_string(i) + " is '" +
        ports[i].first + "' " + ports[i].second.str() + ", but " +
        expected.list + " " + std::to_string(i) + " of " + channel + " is '" +
        t.name() + "' " + type.str() + " (" + manifestPath + ")");
  }
  if (ports.size() != count)
    return Status::error(what + ": " + std::to_string(ports.size()) + " " +
                         port + (ports.size() == 1 ? "" : "s") + ", but " +
                         channel + " carries " + std::to_string(count) + " " +
                         expected.list + (count == 1 ? "" : "s") + " (" +
                         manifestPath + ")");
  return Status::ok();
}

/// Channel `k`'s activations or gradients; none for a boundary that does
/// not exist (before the first or after the last virtual stage).
Expected channelList(const program::Manifest &manifest, int64_t k,
                     bool gradients, std::string none) {
  if (k < 0 || k >= manifest.channels_size())
    return {nullptr, gradients ? "gradient" : "activation", -1,
            std::move(none)};
  const program::Channel &channel = manifest.channels(int(k));
  return {gradients ? &channel.gradients() : &channel.activations(),
          gradients ? "gradient" : "activation", int(k), ""};
}
} // namespace

Status detail::verifyForwardBoundaries(const program::Manifest &manifest,
                                       const std::string &manifestPath,
                                       const std::string &what, uint32_t k,
                                       const TypedPorts &in,
                                       const TypedPorts &out) {
  std::string vs = "virtual stage " + std::to_string(k);
  if (Status s = compareBoundary(
          what, manifestPath, in, "boundary_in argument",
          channelList(manifest, int64_t(k) - 1, false,
                      vs + " is the first and receives nothing")))
    return s;
  return compareBoundary(
      what, manifestPath, out, "boundary_out result",
      channelList(manifest, k, false, vs + " is the last and sends nothing"));
}

Status detail::verifyBackwardBoundaries(const program::Manifest &manifest,
                                        const std::string &manifestPath,
                                        const std::string &what, uint32_t k,
                                        const TypedPorts &outGrad,
                                        const TypedPorts &inGrad) {
  std::string vs = "virtual stage " + std::to_string(k);
  if (Status s = compareBoundary(
          what, manifestPath, outGrad, "boundary_out_grad argument",
          channelList(manifest, k, true,
                      vs + " is the last and receives no gradients")))
    return s;
  return compareBoundary(
      what, manifestPath, inGrad, "boundary_in_grad result",
      channelList(manifest, int64_t(k) - 1, true,
                  vs + " is the first and sends no gradients"));
}
