//===- ProgramManifest.cpp - The manifest's pipeline layout ---------------===//
//
// What the manifest promises about the pipeline as a whole: where each
// virtual stage runs (placement), what crosses each boundary (channels) and
// which parameters several stages hold (ties), the last also against the
// stages' programs.
//
//===----------------------------------------------------------------------===//

#include "ProgramChecks.h"

#include <algorithm>
#include <map>
#include <set>

using namespace pp::rt;

namespace {
std::string placementName(const program::Manifest &manifest) {
  return manifest.placement().empty() ? "loop" : manifest.placement();
}

std::string stageList(const std::vector<uint32_t> &stages) {
  std::string out;
  for (uint32_t s : stages)
    out += (out.empty() ? "" : ", ") + std::to_string(s);
  return out;
}

/// Named, typed and distinct tensors of one list of a channel.
Status verifyChannelTensors(
    const google::protobuf::RepeatedPtrField<program::ManifestTensor> &list,
    const std::string &what, const char *kind) {
  std::set<std::string> names;
  for (const program::ManifestTensor &t : list) {
    if (t.name().empty())
      return Status::error(what + ": a" +
                           (kind[0] == 'a' ? std::string("n ") : " ") + kind +
                           " has no name");
    std::string at = what + ": " + kind + " '" + t.name() + "'";
    if (!names.insert(t.name()).second)
      return Status::error(at + " is listed twice");
    TensorType type;
    if (Status s = convertType(t.type(), type, at))
      return s;
  }
  return Status::ok();
}

/// A channel's gradients are some of its activations, in their order and
/// of their types.
Status verifyGradientsFollowActivations(const program::Channel &channel,
                                        const std::string &what) {
  int next = 0; // activations before it are used up
  for (const program::ManifestTensor &g : channel.gradients()) {
    int at = -1;
    for (int i = 0; i < channel.activations_size(); ++i)
      if (channel.activations(i).name() == g.name())
        at = i;
    std::string gradient = what + ": gradient '" + g.name() + "'";
    if (at < 0)
      return Status::error(gradient + " is not among the channel's "
                                      "activations");
    if (at < next)
      return Status::error(gradient + " is out of the activations' order "
                                      "(gradients keep the order of their "
                                      "activations)");
    TensorType type, activation;
    (void)convertType(g.type(), type, "");
    (void)convertType(channel.activations(at).type(), activation, "");
    if (type != activation)
      return Status::error(gradient + " is " + type.str() +
                           ", but its activation is " + activation.str());
    next = at + 1;
  }
  return Status::ok();
}
} // namespace

Status detail::verifyPlacement(const program::Manifest &manifest,
                               const std::string &path) {
  const std::string &placement = manifest.placement();
  if (!placement.empty() && placement != "loop" && placement != "v")
    return Status::error(path + ": placement '" + placement +
                         "' is unknown (expected 'loop' or 'v')");
  if (placement == "v" && chunksPerStage(manifest) != 2)
    return Status::error(path +
                         ": placement 'v' needs 2 chunks per stage, "
                         "but virtual_stages is " +
                         std::to_string(manifest.virtual_stages()));
  return Status::ok();
}

Status detail::verifyChannels(const program::Manifest &manifest,
                              const std::string &path) {
  uint32_t numVirtual = numVirtualStages(manifest);
  if (uint32_t(manifest.channels_size()) + 1 != numVirtual)
    return Status::error(
        path + ": " + std::to_string(manifest.channels_size()) +
        " channels, but " + std::to_string(numVirtual) +
        " virtual stages need " + std::to_string(numVirtual - 1) +
        " (one per boundary)");
  for (uint32_t k = 0; k + 1 < numVirtual; ++k) {
    const program::Channel &channel = manifest.channels(int(k));
    if (channel.virtual_stage() != k)
      return Status::error(path + ": channels[" + std::to_string(k) +
                           "] has virtual_stage " +
                           std::to_string(channel.virtual_stage()) +
                           "; channels must be listed in order from 0");
    uint32_t from = locateVirtualStage(manifest, k).first;
    uint32_t to = locateVirtualStage(manifest, k + 1).first;
    std::string what = path + ": channel " + std::to_string(k);
    if (channel.from_stage() != from || channel.to_stage() != to)
      return Status::error(
          what + " runs from stage " + std::to_string(channel.from_stage()) +
          " to stage " + std::to_string(channel.to_stage()) +
          ", but placement '" + placementName(manifest) +
          "' puts virtual stage " + std::to_string(k) + " on stage " +
          std::to_string(from) + " and virtual stage " + std::to_string(k + 1) +
          " on stage " + std::to_string(to));
    if (Status s =
            verifyChannelTensors(channel.activations(), what, "activation"))
      return s;
    if (Status s = verifyChannelTensors(channel.gradients(), what, "gradient"))
      return s;
    if (Status s = verifyGradientsFollowActivations(channel, what))
      return s;
  }
  return Status::ok();
}

Status detail::verifyTiedList(const program::Manifest &manifest,
                              const std::string &path) {
  std::set<std::string> names;
  for (const program::TiedParameter &tie : manifest.tied()) {
    if (tie.name().empty())
      return Status::error(path + ": a tied parameter has no name");
    std::string what = path + ": tied '" + tie.name() + "'";
    if (!names.insert(tie.name()).second)
      return Status::error(what + " is listed twice");
    if (tie.stages_size() < 2)
      return Status::error(what + " lists " +
                           std::to_string(tie.stages_size()) +
                           " stage(s); a tie needs at least 2");
    for (int i = 0; i < tie.stages_size(); ++i) {
      if (tie.stages(i) >= manifest.num_stages())
        return Status::error(what + " names stage " +
                             std::to_string(tie.stages(i)) +
                             ", but there are " +
                             std::to_string(manifest.num_stages()) + " stages");
      if (i > 0 && tie.stages(i) <= tie.stages(i - 1))
        return Status::error(what +
                             ": stages must be ascending and distinct, "
                             "but " +
                             std::to_string(tie.stages(i)) + " follows " +
                             std::to_string(tie.stages(i - 1)));
    }
  }
  return Status::ok();
}

bool detail::shareTiedParameter(const program::Manifest &manifest, uint32_t a,
                                uint32_t b) {
  for (const program::TiedParameter &tie : manifest.tied()) {
    bool hasA = false, hasB = false;
    for (uint32_t s : tie.stages()) {
      hasA |= s == a;
      hasB |= s == b;
    }
    if (hasA && hasB)
      return true;
  }
  return false;
}

Status detail::verifyTiedParameters(const ProgramDirectory &dir) {
  auto find = [&](uint32_t stage,
                  const std::string &name) -> const program::Parameter * {
    for (const program::Parameter &p : dir.stages[stage].program.parameters())
      if (p.name() == name)
        return &p;
    return nullptr;
  };
  std::map<std::string, const program::TiedParameter *> ties;
  for (const program::TiedParameter &tie : dir.manifest.tied()) {
    ties[tie.name()] = &tie;
    TensorType first;
    for (int i = 0; i < tie.stages_size(); ++i) {
      uint32_t s = tie.stages(i);
      if (s >= dir.stages.size()) // verifyTiedList says why
        return Status::error(dir.manifestPath + ": tied '" + tie.name() +
                             "' names stage " + std::to_string(s));
      const std::string &path = dir.stages[s].programPath;
      std::string what = path + ": tied parameter '" + tie.name() + "' (" +
                         dir.manifestPath + ")";
      const program::Parameter *p = find(s, tie.name());
      if (!p)
        return Status::error(what + " is not a parameter of stage " +
                             std::to_string(s));
      if (!p->trainable())
        return Status::error(what + " is not trainable");
      TensorType type;
      (void)convertType(p->type(), type, ""); // checked with the program
      if (i == 0)
        first = type;
      else if (type != first)
        return Status::error(what + " is " + type.str() + ", but stage " +
                             std::to_string(tie.stages(0)) + " holds it as " +
                             first.str() + " (" +
                             dir.stages[tie.stages(0)].programPath + ")");
    }
  }
  // Trainable parameters held by several stages, by name.
  std::map<std::string, std::vector<uint32_t>> holders;
  for (uint32_t s = 0; s < dir.stages.size(); ++s)
    for (const program::Parameter &p : dir.stages[s].program.parameters())
      if (p.trainable())
        holders[p.name()].push_back(s);
  for (const auto &[name, stages] : holders) {
    if (stages.size() < 2)
      continue;
    auto tie = ties.find(name);
    if (tie == ties.end())
      return Status::error(dir.manifestPath + ": trainable parameter '" + name +
                           "' is held by stages " + stageList(stages) +
                           ", but the manifest does not list it as tied");
    std::vector<uint32_t> listed(tie->second->stages().begin(),
                                 tie->second->stages().end());
    for (uint32_t s : stages)
      if (std::find(listed.begin(), listed.end(), s) == listed.end())
        return Status::error(dir.stages[s].programPath +
                             ": holds trainable parameter '" + name +
                             "', but tied '" + name + "' lists only stages " +
                             stageList(listed) + " (" + dir.manifestPath + ")");
  }
  return Status::ok();
}
