//===- Channels.cpp - What crosses each boundary between stages -----------===//

#include "Channels.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace mlir;

namespace pp::exporter {
namespace {

/// The functions of one virtual stage.
struct VirtualStage {
  unsigned stage = 0;
  const program::Function *forward = nullptr, *backwardInput = nullptr;
};

/// The (key, type) of `ports` with `role`, in order.
std::vector<program::ManifestTensor>
portsWithRole(const program::Function &function,
              const google::protobuf::RepeatedPtrField<program::Port> &ports,
              program::PortRole role) {
  std::vector<program::ManifestTensor> out;
  for (const program::Port &port : ports) {
    if (port.role() != role)
      continue;
    program::ManifestTensor tensor;
    tensor.set_name(port.key());
    *tensor.mutable_type() = function.values(port.value()).type();
    out.push_back(std::move(tensor));
  }
  return out;
}

std::string describe(const std::vector<program::ManifestTensor> &tensors) {
  std::vector<std::string> parts;
  for (const program::ManifestTensor &t : tensors) {
    std::string text = "'" + t.name() + "' ";
    for (int64_t d : t.type().shape())
      text += std::to_string(d) + "x";
    text += program::DataType_Name(t.type().dtype());
    parts.push_back(text);
  }
  return parts.empty() ? "nothing" : llvm::join(parts, ", ");
}

bool same(const std::vector<program::ManifestTensor> &a,
          const std::vector<program::ManifestTensor> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].SerializeAsString() != b[i].SerializeAsString())
      return false;
  return true;
}

} // namespace

LogicalResult addChannelsAndTies(ModuleOp module, const ExportPlan &plan,
                                 ArrayRef<const program::Program *> programs,
                                 program::Manifest &manifest) {
  unsigned numVirtual = plan.numVirtualStages();
  std::vector<VirtualStage> stages(numVirtual);
  for (auto [s, program] : llvm::enumerate(programs))
    for (const program::Function &function : program->functions()) {
      if (function.virtual_stage() >= numVirtual)
        return module.emitError()
               << "pp-export: function '" << function.name()
               << "' belongs to virtual stage " << function.virtual_stage()
               << ", but the plan has " << numVirtual;
      VirtualStage &vs = stages[function.virtual_stage()];
      vs.stage = s;
      if (function.role() == program::FORWARD)
        vs.forward = &function;
      else if (function.role() == program::BACKWARD_INPUT)
        vs.backwardInput = &function;
    }
  for (unsigned k = 0; k < numVirtual; ++k)
    if (!stages[k].forward)
      return module.emitError()
             << "pp-export: virtual stage " << k
             << " has no forward function (run pp-outline-stages)";

  for (unsigned k = 0; k + 1 < numVirtual; ++k) {
    const VirtualStage &from = stages[k], &to = stages[k + 1];
    program::Channel &channel = *manifest.add_channels();
    channel.set_virtual_stage(k);
    channel.set_from_stage(from.stage);
    channel.set_to_stage(to.stage);
    auto sent = portsWithRole(*from.forward, from.forward->results(),
                              program::BOUNDARY_OUT);
    auto received = portsWithRole(*to.forward, to.forward->arguments(),
                                  program::BOUNDARY_IN);
    if (!same(sent, received))
      return module.emitError() << "pp-export: virtual stage " << k << " sends "
                                << describe(sent) << ", but virtual stage "
                                << k + 1 << " receives " << describe(received);
    for (program::ManifestTensor &t : sent)
      *channel.add_activations() = std::move(t);
    if (!from.backwardInput || !to.backwardInput)
      continue;
    auto gradients =
        portsWithRole(*to.backwardInput, to.backwardInput->results(),
                      program::BOUNDARY_IN_GRAD);
    auto expected =
        portsWithRole(*from.backwardInput, from.backwardInput->arguments(),
                      program::BOUNDARY_OUT_GRAD);
    if (!same(gradients, expected))
      return module.emitError()
             << "pp-export: virtual stage " << k + 1 << " sends back the "
             << "gradients of " << describe(gradients) << ", but virtual stage "
             << k << " expects " << describe(expected);
    for (program::ManifestTensor &t : gradients)
      *channel.add_gradients() = std::move(t);
  }

  // A trainable parameter held by several stages is reduced between them.
  llvm::MapVector<llvm::StringRef, std::vector<unsigned>> holders;
  for (auto [s, program] : llvm::enumerate(programs))
    for (const program::Parameter &parameter : program->parameters())
      if (parameter.trainable())
        holders[parameter.name()].push_back(s);
  for (auto &[name, holding] : holders) {
    if (holding.size() < 2)
      continue;
    program::TiedParameter &tie = *manifest.add_tied();
    tie.set_name(name.str());
    for (unsigned s : holding)
      tie.add_stages(s);
  }
  return success();
}

} // namespace pp::exporter
