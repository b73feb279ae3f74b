//===- ProgramVerifier.cpp - Structural checks of a stage program ---------===//
//
// Everything the executor relies on without checking again: value ids are
// unique and typed, every kernel reads values defined before it, ports carry
// the roles their function may have and match across F, B and W, parameters
// lie inside the weights file, and the data ports agree with the manifest.
// Each chunk's functions belong to the virtual stage the placement gives it,
// and their boundary ports carry what the manifest's channels say
// (ProgramBoundaries.cpp); the action list is checked in ProgramActions.cpp.
//
//===----------------------------------------------------------------------===//

#include "ProgramChecks.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

using namespace pp::rt;
using program::FunctionRole;
using program::PortRole;

namespace {

/// The port roles each function role may have as arguments and results.
bool isAllowedPort(FunctionRole fn, PortRole port, bool argument) {
  switch (fn) {
  case program::FORWARD:
    return argument ? port == program::INPUT || port == program::BOUNDARY_IN
                    : port == program::OUTPUT || port == program::SAVED ||
                          port == program::BOUNDARY_OUT;
  case program::BACKWARD_INPUT:
    return argument
               ? port == program::SAVED || port == program::OUTPUT_GRAD ||
                     port == program::BOUNDARY_OUT_GRAD
               : port == program::INPUT_GRAD || port == program::COTANGENT ||
                     port == program::BOUNDARY_IN_GRAD;
  case program::BACKWARD_WEIGHT:
    return argument ? port == program::SAVED || port == program::COTANGENT
                    : port == program::PARAM_GRAD;
  default:
    return false;
  }
}

/// Checks one function; remembers its ports' types for the cross-function
/// checks.
class FunctionVerifier {
public:
  FunctionVerifier(const program::Function &fn,
                   const std::vector<TensorType> &parameterTypes,
                   const std::string &path)
      : fn_(fn), parameterTypes_(parameterTypes),
        what_(path + ": function '" + fn.name() + "'") {}

  Status verify() {
    if (Status s = verifyValues())
      return s;
    if (Status s = verifyPorts(fn_.arguments(), /*argument=*/true))
      return s;
    if (Status s = verifyParameterUses())
      return s;
    for (int k = 0; k < fn_.kernels_size(); ++k)
      if (Status s = verifyKernel(k))
        return s;
    for (const program::Port &port : fn_.results())
      if (!defined_.count(port.value()))
        return Status::error(what_ + ": result '" + port.key() + "' (" +
                             describe(port.value()) + ") is never defined");
    return verifyPorts(fn_.results(), /*argument=*/false);
  }

  /// Types of this function's ports by (role, key).
  const std::map<std::pair<PortRole, std::string>, TensorType> &ports() const {
    return ports_;
  }
  const std::string &what() const { return what_; }

  /// The (key, type) of the arguments or results with `role`, in order.
  detail::TypedPorts ordered(PortRole role, bool argument) const {
    detail::TypedPorts out;
    for (const program::Port &port : argument ? fn_.arguments() : fn_.results())
      if (port.role() == role)
        out.emplace_back(port.key(), types_.at(port.value()));
    return out;
  }

private:
  std::string describe(uint32_t id) const {
    auto it = names_.find(id);
    std::string out = "value " + std::to_string(id);
    if (it != names_.end() && !it->second.empty())
      out += " ('" + it->second + "')";
    return out;
  }

  Status verifyValues() {
    for (const program::Value &v : fn_.values()) {
      std::string what = what_ + ": value " + std::to_string(v.id());
      if (types_.count(v.id()))
        return Status::error(what + " is declared twice");
      TensorType type;
      if (Status s = convertType(v.type(), type, what))
        return s;
      types_[v.id()] = type;
      names_[v.id()] = v.name();
    }
    return Status::ok();
  }

  Status
  verifyPorts(const google::protobuf::RepeatedPtrField<program::Port> &ports,
              bool argument) {
    const char *kind = argument ? "argument" : "result";
    for (const program::Port &port : ports) {
      std::string what = what_ + ": " + kind + " '" + port.key() + "'";
      if (!isAllowedPort(fn_.role(), port.role(), argument))
        return Status::error(what + " has role " + portRoleName(port.role()) +
                             ", which a " + functionRoleName(fn_.role()) +
                             " function cannot have as " + kind);
      if (port.key().empty())
        return Status::error(what_ + ": " + kind + " of " +
                             describe(port.value()) + " has no key");
      auto type = types_.find(port.value());
      if (type == types_.end())
        return Status::error(what + " refers to undeclared value " +
                             std::to_string(port.value()));
      if (!ports_.emplace(std::make_pair(port.role(), port.key()), type->second)
               .second)
        return Status::error(what + " (" + portRoleName(port.role()) +
                             ") is listed twice");
      if (argument && !defined_.insert(port.value()).second)
        return Status::error(what + ": " + describe(port.value()) +
                             " is bound twice");
    }
    return Status::ok();
  }

  Status verifyParameterUses() {
    for (const program::ParameterUse &use : fn_.parameters()) {
      std::string what = what_ + ": parameter use of " + describe(use.value());
      auto type = types_.find(use.value());
      if (type == types_.end())
        return Status::error(what_ + ": parameter use of undeclared value " +
                             std::to_string(use.value()));
      if (use.parameter() >= parameterTypes_.size())
        return Status::error(what + ": parameter index " +
                             std::to_string(use.parameter()) +
                             " is out of range (the program has " +
                             std::to_string(parameterTypes_.size()) + ")");
      if (type->second != parameterTypes_[use.parameter()])
        return Status::error(what + ": the value is " + type->second.str() +
                             " but the parameter is " +
                             parameterTypes_[use.parameter()].str());
      if (!defined_.insert(use.value()).second)
        return Status::error(what + ": the value is bound twice");
    }
    return Status::ok();
  }

  Status verifyKernel(int index) {
    const program::Kernel &k = fn_.kernels(index);
    std::string what = what_ + ": kernel " + std::to_string(index) + " (" +
                       (k.op().empty() ? "no op" : k.op()) +
                       (k.location().empty() ? "" : " at " + k.location()) +
                       ")";
    if (k.op().empty())
      return Status::error(what + " has no op name");
    for (uint32_t id : k.inputs())
      if (!defined_.count(id))
        return Status::error(what + ": input " + describe(id) +
                             (types_.count(id) ? " is used before it is defined"
                                               : " is not declared"));
    for (uint32_t id : k.outputs()) {
      if (!types_.count(id))
        return Status::error(what + ": output value " + std::to_string(id) +
                             " is not declared");
      if (!defined_.insert(id).second)
        return Status::error(what + ": output " + describe(id) +
                             " is already defined");
    }
    std::set<std::string> names;
    for (const program::Attribute &a : k.attributes()) {
      if (a.name().empty() || !names.insert(a.name()).second)
        return Status::error(what + ": attribute '" + a.name() +
                             "' is unnamed or repeated");
      if (a.value_case() == program::Attribute::VALUE_NOT_SET)
        return Status::error(what + ": attribute '" + a.name() +
                             "' has no value");
      if (a.value_case() == program::Attribute::kTensor) {
        TensorType type;
        std::string at = what + ": attribute '" + a.name() + "'";
        if (Status s = convertType(a.tensor().type(), type, at))
          return s;
        if (a.tensor().raw().size() != type.bytes())
          return Status::error(at + " holds " +
                               std::to_string(a.tensor().raw().size()) +
                               " bytes, but " + type.str() + " needs " +
                               std::to_string(type.bytes()));
      }
    }
    return Status::ok();
  }

  const program::Function &fn_;
  const std::vector<TensorType> &parameterTypes_;
  std::string what_;
  std::unordered_map<uint32_t, TensorType> types_;
  std::unordered_map<uint32_t, std::string> names_;
  std::set<uint32_t> defined_;
  std::map<std::pair<PortRole, std::string>, TensorType> ports_;
};

using PortTypes = std::map<std::pair<PortRole, std::string>, TensorType>;

/// Checks that every port of `reader` with role `readRole` matches a port
/// of `writer` with role `writeRole` (same key, same type).
Status matchPorts(const FunctionVerifier &reader, PortRole readRole,
                  const FunctionVerifier &writer, PortRole writeRole) {
  for (const auto &[port, type] : reader.ports()) {
    if (port.first != readRole)
      continue;
    auto it = writer.ports().find({writeRole, port.second});
    std::string what = reader.what() + ": argument '" + port.second + "' (" +
                       portRoleName(readRole) + ")";
    if (it == writer.ports().end())
      return Status::error(what + " has no " + portRoleName(writeRole) +
                           " result of that key in " + writer.what());
    if (it->second != type)
      return Status::error(what + " is " + type.str() + ", but " +
                           writer.what() + " returns " + it->second.str());
  }
  return Status::ok();
}

/// The type of one microbatch of a whole-batch manifest tensor.
Status microbatchType(const program::ManifestTensor &tensor,
                      uint32_t microbatches, const std::string &path,
                      TensorType &out) {
  std::string what = path + ": tensor '" + tensor.name() + "'";
  if (Status s = convertType(tensor.type(), out, what))
    return s;
  if (microbatches == 1)
    return Status::ok();
  if (out.shape.empty() || out.shape[0] % microbatches != 0)
    return Status::error(what + " (" + out.str() + ") cannot be cut into " +
                         std::to_string(microbatches) +
                         " microbatches along axis 0");
  out.shape[0] /= microbatches;
  return Status::ok();
}

/// Checks the data ports of a forward function against the manifest: every
/// input is a manifest input of its per-microbatch type, every listed output
/// has its listed type, and with a loss the function returns `loss` exactly
/// when it is the last virtual stage's (`holdsLoss`).
Status matchManifest(const FunctionVerifier &forward,
                     const program::Manifest &manifest,
                     const std::string &manifestPath, bool holdsLoss) {
  bool training = !manifest.loss().empty();
  auto find = [](const auto &list,
                 const std::string &name) -> const program::ManifestTensor * {
    for (const program::ManifestTensor &t : list)
      if (t.name() == name)
        return &t;
    return nullptr;
  };
  for (const auto &[port, type] : forward.ports()) {
    bool isInput = port.first == program::INPUT;
    if (!isInput && port.first != program::OUTPUT)
      continue;
    if (!isInput && training && port.second == "loss")
      continue; // checked below
    const program::ManifestTensor *t =
        find(isInput ? manifest.inputs() : manifest.outputs(), port.second);
    std::string what = forward.what() + ": " +
                       (isInput ? "input '" : "output '") + port.second + "'";
    if (!t) {
      if (!isInput)
        continue; // outputs need not be listed
      return Status::error(what + " is not among the manifest's inputs (" +
                           manifestPath + ")");
    }
    TensorType expected;
    if (Status s =
            microbatchType(*t, manifest.microbatches(), manifestPath, expected))
      return s;
    if (expected != type) {
      TensorType whole;
      (void)convertType(t->type(), whole, "");
      return Status::error(
          what + " is " + type.str() + ", but the manifest's " + whole.str() +
          " in " + std::to_string(manifest.microbatches()) +
          " microbatches gives " + expected.str() + " (" + manifestPath + ")");
    }
  }
  if (!training)
    return Status::ok();
  auto loss = forward.ports().find({program::OUTPUT, "loss"});
  if (!holdsLoss) {
    if (loss == forward.ports().end())
      return Status::ok();
    uint32_t last = numVirtualStages(manifest) - 1;
    auto [stage, chunk] = locateVirtualStage(manifest, last);
    return Status::error(
        forward.what() +
        ": returns output 'loss', but only the forward function of the last "
        "virtual stage (" +
        std::to_string(last) + ": stage " + std::to_string(stage) + ", chunk " +
        std::to_string(chunk) + ") may return the loss");
  }
  if (loss == forward.ports().end())
    return Status::error(forward.what() + ": the manifest's loss is '" +
                         manifest.loss() +
                         "', but the function returns no output 'loss'");
  if (!loss->second.shape.empty() ||
      (loss->second.dtype != DType::F32 && loss->second.dtype != DType::F64))
    return Status::error(forward.what() + ": the loss is " +
                         loss->second.str() +
                         ", expected a 0-d f32 or f64 tensor");
  return Status::ok();
}

Status verifyParameters(const program::Program &prog, uint64_t weightsSize,
                        const std::string &path,
                        std::vector<TensorType> &types) {
  std::set<std::string> names;
  for (const program::Parameter &p : prog.parameters()) {
    std::string what = path + ": parameter '" + p.name() + "'";
    if (p.name().empty())
      return Status::error(path + ": a parameter has no name");
    if (!names.insert(p.name()).second)
      return Status::error(what + " is declared twice");
    TensorType type;
    if (Status s = convertType(p.type(), type, what))
      return s;
    if (p.length() != type.bytes())
      return Status::error(what + ": length " + std::to_string(p.length()) +
                           " bytes, but " + type.str() + " needs " +
                           std::to_string(type.bytes()));
    if (p.offset() % 64 != 0)
      return Status::error(what + ": offset " + std::to_string(p.offset()) +
                           " is not 64-byte aligned");
    if (p.offset() > weightsSize || p.length() > weightsSize - p.offset())
      return Status::error(what + ": bytes [" + std::to_string(p.offset()) +
                           ", " + std::to_string(p.offset() + p.length()) +
                           ") lie outside the weights file (" +
                           std::to_string(weightsSize) + " bytes)");
    if (p.trainable() && p.state())
      return Status::error(what + " is both trainable and state");
    if (p.trainable() && type.dtype != DType::F32 && type.dtype != DType::F64)
      return Status::error(what + " is trainable but " + type.str() +
                           " (only f32 and f64 parameters can be trained)");
    types.push_back(type);
  }
  return Status::ok();
}

/// The functions of one chunk.
struct ChunkFunctions {
  FunctionVerifier *forward = nullptr;
  FunctionVerifier *backwardInput = nullptr;
  FunctionVerifier *backwardWeight = nullptr;
};

Status verifyHeader(const program::Program &prog,
                    const program::Manifest &manifest, uint32_t stage,
                    const std::string &path) {
  if (prog.stage() == stage && prog.num_stages() == manifest.num_stages() &&
      prog.microbatches() == manifest.microbatches())
    return Status::ok();
  return Status::error(path + ": stage " + std::to_string(prog.stage()) +
                       " of " + std::to_string(prog.num_stages()) + " with " +
                       std::to_string(prog.microbatches()) +
                       " microbatches, but the manifest lists it as stage " +
                       std::to_string(stage) + " of " +
                       std::to_string(manifest.num_stages()) + " with " +
                       std::to_string(manifest.microbatches()));
}

/// Verifies every function on its own and files it under its chunk, which
/// must be one of the stage's, with that chunk's virtual stage.
Status
verifyFunctions(const program::Program &prog, const program::Manifest &manifest,
                uint32_t stage, const std::vector<TensorType> &parameterTypes,
                const std::string &path,
                std::vector<std::unique_ptr<FunctionVerifier>> &verifiers,
                std::vector<ChunkFunctions> &chunks) {
  uint32_t numChunks = chunksPerStage(manifest);
  chunks.assign(numChunks, ChunkFunctions());
  for (const program::Function &fn : prog.functions()) {
    verifiers.push_back(
        std::make_unique<FunctionVerifier>(fn, parameterTypes, path));
    FunctionVerifier &v = *verifiers.back();
    FunctionVerifier **slot = nullptr;
    if (fn.chunk() >= numChunks)
      return Status::error(v.what() + " has chunk " +
                           std::to_string(fn.chunk()) + ", but the manifest " +
                           "has " + std::to_string(numChunks) +
                           " chunk(s) per stage");
    ChunkFunctions &chunk = chunks[fn.chunk()];
    if (fn.role() == program::FORWARD)
      slot = &chunk.forward;
    else if (fn.role() == program::BACKWARD_INPUT)
      slot = &chunk.backwardInput;
    else if (fn.role() == program::BACKWARD_WEIGHT)
      slot = &chunk.backwardWeight;
    else
      return Status::error(v.what() + " has no role");
    if (*slot)
      return Status::error(v.what() + ": a second " +
                           functionRoleName(fn.role()) + " function of chunk " +
                           std::to_string(fn.chunk()));
    *slot = &v;
    uint32_t k = virtualStageOf(manifest, stage, fn.chunk());
    if (fn.virtual_stage() != k)
      return Status::error(
          v.what() + " has virtual_stage " +
          std::to_string(fn.virtual_stage()) + ", but placement '" +
          (manifest.placement().empty() ? "loop" : manifest.placement()) +
          "' makes chunk " + std::to_string(fn.chunk()) + " of stage " +
          std::to_string(stage) + " virtual stage " + std::to_string(k));
    if (Status s = v.verify())
      return s;
  }
  if (prog.functions_size() == 0)
    return Status::error(path + ": the program has no functions");
  return Status::ok();
}

/// One chunk: its functions exist, match each other, the manifest's data
/// tensors and the channels around its virtual stage.
Status verifyChunk(const ChunkFunctions &fns, uint32_t chunk, uint32_t stage,
                   const program::Manifest &manifest,
                   const std::string &manifestPath, const std::string &path) {
  std::string what = path + ": chunk " + std::to_string(chunk);
  if (!fns.forward)
    return Status::error(what + " has no forward function");
  bool training = !manifest.loss().empty();
  if (training && (!fns.backwardInput || !fns.backwardWeight))
    return Status::error(what + ": the manifest's loss is '" + manifest.loss() +
                         "', but the backward-input or backward-weight "
                         "function is missing");
  if (!fns.backwardInput != !fns.backwardWeight)
    return Status::error(what + ": a backward-input function needs a "
                                "backward-weight function and vice versa");
  FunctionVerifier &f = *fns.forward;
  uint32_t k = virtualStageOf(manifest, stage, chunk);
  bool last = k + 1 == numVirtualStages(manifest);
  if (Status s = matchManifest(f, manifest, manifestPath, last))
    return s;
  if (Status s = detail::verifyForwardBoundaries(
          manifest, manifestPath, f.what(), k,
          f.ordered(program::BOUNDARY_IN, /*argument=*/true),
          f.ordered(program::BOUNDARY_OUT, /*argument=*/false)))
    return s;
  if (!fns.backwardInput)
    return Status::ok();
  FunctionVerifier &b = *fns.backwardInput, &w = *fns.backwardWeight;
  if (Status s = matchPorts(b, program::SAVED, f, program::SAVED))
    return s;
  if (Status s = matchPorts(b, program::OUTPUT_GRAD, f, program::OUTPUT))
    return s;
  if (Status s = matchPorts(w, program::SAVED, f, program::SAVED))
    return s;
  if (Status s = matchPorts(w, program::COTANGENT, b, program::COTANGENT))
    return s;
  return detail::verifyBackwardBoundaries(
      manifest, manifestPath, b.what(), k,
      b.ordered(program::BOUNDARY_OUT_GRAD, /*argument=*/true),
      b.ordered(program::BOUNDARY_IN_GRAD, /*argument=*/false));
}

/// Trainable parameters have a param_grad result in at least one chunk (one
/// per chunk at most: ports are unique per function, W per chunk), others
/// none; each param_grad names a parameter and has its type.
Status verifyParameterGradients(const program::Program &prog,
                                const std::vector<ChunkFunctions> &chunks,
                                const std::vector<TensorType> &parameterTypes,
                                bool training, const std::string &path) {
  std::map<std::string, int> gradients; // parameter -> chunks with one
  for (const ChunkFunctions &fns : chunks)
    if (fns.backwardWeight)
      for (const auto &[port, type] : fns.backwardWeight->ports())
        if (port.first == program::PARAM_GRAD)
          ++gradients[port.second];
  std::map<std::string, size_t> index;
  for (int i = 0; i < prog.parameters_size(); ++i) {
    const program::Parameter &p = prog.parameters(i);
    index[p.name()] = size_t(i);
    auto it = gradients.find(p.name());
    int count = it == gradients.end() ? 0 : it->second;
    if (p.trainable() && training && count == 0)
      return Status::error(path + ": trainable parameter '" + p.name() +
                           "' has 0 param_grad results, expected at least 1 "
                           "(one per chunk that uses it)");
    if (count && !p.trainable())
      return Status::error(path + ": parameter '" + p.name() +
                           "' has a param_grad result but is not trainable");
  }
  for (const ChunkFunctions &fns : chunks) {
    if (!fns.backwardWeight)
      continue;
    const FunctionVerifier &w = *fns.backwardWeight;
    for (const auto &[port, type] : w.ports()) {
      if (port.first != program::PARAM_GRAD)
        continue;
      std::string what = w.what() + ": param_grad '" + port.second + "'";
      auto it = index.find(port.second);
      if (it == index.end())
        return Status::error(what + " names no parameter of the program");
      if (type != parameterTypes[it->second])
        return Status::error(what + " is " + type.str() +
                             ", but the parameter is " +
                             parameterTypes[it->second].str());
    }
  }
  return Status::ok();
}

} // namespace

Status pp::rt::verifyProgram(const program::Program &prog,
                             const program::Manifest &manifest,
                             const std::string &manifestPath, uint32_t stage,
                             uint64_t weightsSize, const std::string &path) {
  if (Status s = verifyHeader(prog, manifest, stage, path))
    return s;
  std::vector<TensorType> parameterTypes;
  if (Status s = verifyParameters(prog, weightsSize, path, parameterTypes))
    return s;
  std::vector<std::unique_ptr<FunctionVerifier>> verifiers;
  std::vector<ChunkFunctions> chunks;
  if (Status s = verifyFunctions(prog, manifest, stage, parameterTypes, path,
                                 verifiers, chunks))
    return s;
  for (uint32_t c = 0; c < chunks.size(); ++c)
    if (Status s =
            verifyChunk(chunks[c], c, stage, manifest, manifestPath, path))
      return s;
  if (Status s = verifyParameterGradients(prog, chunks, parameterTypes,
                                          !manifest.loss().empty(), path))
    return s;
  return verifyActions(prog, manifest, manifestPath, path);
}
