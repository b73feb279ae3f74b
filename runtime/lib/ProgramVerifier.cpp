//===- ProgramVerifier.cpp - Structural checks of a stage program ---------===//
//
// Everything the executor relies on without checking again: value ids are
// unique and typed, every kernel reads values defined before it, ports carry
// the roles their function may have and match across F, B and W, parameters
// lie inside the weights file, and the data ports agree with the manifest.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Program.h"

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
    return argument ? port == program::INPUT
                    : port == program::OUTPUT || port == program::SAVED;
  case program::BACKWARD_INPUT:
    return argument ? port == program::SAVED || port == program::OUTPUT_GRAD
                    : port == program::INPUT_GRAD || port == program::COTANGENT;
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

/// Checks the data ports of a forward function against the manifest.
Status matchManifest(const FunctionVerifier &forward,
                     const program::Manifest &manifest,
                     const std::string &manifestPath, bool lastStage) {
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
    if (!isInput && (port.second == "loss" || !lastStage))
      continue;
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
  if (lastStage && !manifest.loss().empty()) {
    auto loss = forward.ports().find({program::OUTPUT, "loss"});
    if (loss == forward.ports().end())
      return Status::error(forward.what() + ": the manifest's loss is '" +
                           manifest.loss() +
                           "', but the function returns no output 'loss'");
    if (!loss->second.shape.empty() ||
        (loss->second.dtype != DType::F32 && loss->second.dtype != DType::F64))
      return Status::error(forward.what() + ": the loss is " +
                           loss->second.str() +
                           ", expected a 0-d f32 or f64 tensor");
  }
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

} // namespace

Status pp::rt::verifyProgram(const program::Program &prog,
                             const program::Manifest &manifest,
                             const std::string &manifestPath, uint32_t stage,
                             uint64_t weightsSize, const std::string &path) {
  if (prog.stage() != stage || prog.num_stages() != manifest.num_stages() ||
      prog.microbatches() != manifest.microbatches())
    return Status::error(path + ": stage " + std::to_string(prog.stage()) +
                         " of " + std::to_string(prog.num_stages()) + " with " +
                         std::to_string(prog.microbatches()) +
                         " microbatches, but the manifest lists it as stage " +
                         std::to_string(stage) + " of " +
                         std::to_string(manifest.num_stages()) + " with " +
                         std::to_string(manifest.microbatches()));
  std::vector<TensorType> parameterTypes;
  if (Status s = verifyParameters(prog, weightsSize, path, parameterTypes))
    return s;

  // Functions, grouped by chunk: chunk -> role -> verifier.
  std::vector<std::unique_ptr<FunctionVerifier>> verifiers;
  std::map<uint32_t, std::map<FunctionRole, FunctionVerifier *>> chunks;
  for (const program::Function &fn : prog.functions()) {
    verifiers.push_back(
        std::make_unique<FunctionVerifier>(fn, parameterTypes, path));
    FunctionVerifier &v = *verifiers.back();
    if (fn.role() != program::FORWARD && fn.role() != program::BACKWARD_INPUT &&
        fn.role() != program::BACKWARD_WEIGHT)
      return Status::error(v.what() + " has no role");
    if (!chunks[fn.chunk()].emplace(fn.role(), &v).second)
      return Status::error(v.what() + ": a second " +
                           functionRoleName(fn.role()) + " function of chunk " +
                           std::to_string(fn.chunk()));
    if (Status s = v.verify())
      return s;
  }
  if (chunks.empty())
    return Status::error(path + ": the program has no functions");

  bool lastStage = stage + 1 == manifest.num_stages();
  bool training = !manifest.loss().empty();
  std::map<std::string, int> gradients; // parameter -> PARAM_GRAD count
  for (auto &[chunk, fns] : chunks) {
    std::string what = path + ": chunk " + std::to_string(chunk);
    auto fwd = fns.find(program::FORWARD);
    if (fwd == fns.end())
      return Status::error(what + " has no forward function");
    auto bwdIn = fns.find(program::BACKWARD_INPUT);
    auto bwdW = fns.find(program::BACKWARD_WEIGHT);
    if (training && (bwdIn == fns.end() || bwdW == fns.end()))
      return Status::error(what + ": the manifest's loss is '" +
                           manifest.loss() +
                           "', but the backward-input or backward-weight "
                           "function is missing");
    if ((bwdIn == fns.end()) != (bwdW == fns.end()))
      return Status::error(what + ": a backward-input function needs a "
                                  "backward-weight function and vice versa");
    if (Status s =
            matchManifest(*fwd->second, manifest, manifestPath, lastStage))
      return s;
    if (bwdIn == fns.end())
      continue;
    FunctionVerifier &f = *fwd->second, &b = *bwdIn->second, &w = *bwdW->second;
    if (Status s = matchPorts(b, program::SAVED, f, program::SAVED))
      return s;
    if (Status s = matchPorts(b, program::OUTPUT_GRAD, f, program::OUTPUT))
      return s;
    if (Status s = matchPorts(w, program::SAVED, f, program::SAVED))
      return s;
    if (Status s = matchPorts(w, program::COTANGENT, b, program::COTANGENT))
      return s;
    for (const auto &[port, type] : w.ports())
      if (port.first == program::PARAM_GRAD)
        ++gradients[port.second];
  }

  // Every trainable parameter has one gradient, and only those have one.
  for (int i = 0; i < prog.parameters_size(); ++i) {
    const program::Parameter &p = prog.parameters(i);
    auto it = gradients.find(p.name());
    int count = it == gradients.end() ? 0 : it->second;
    if (p.trainable() && training && count != 1)
      return Status::error(path + ": trainable parameter '" + p.name() +
                           "' has " + std::to_string(count) +
                           " param_grad results, expected 1");
    if (count && !p.trainable())
      return Status::error(path + ": parameter '" + p.name() +
                           "' has a param_grad result but is not trainable");
  }
  for (const program::Function &fn : prog.functions())
    for (const program::Port &port : fn.results())
      if (port.role() == program::PARAM_GRAD) {
        int index = -1;
        for (int i = 0; i < prog.parameters_size(); ++i)
          if (prog.parameters(i).name() == port.key())
            index = i;
        std::string what = path + ": function '" + fn.name() +
                           "': param_grad '" + port.key() + "'";
        if (index < 0)
          return Status::error(what + " names no parameter of the program");
        TensorType gradType;
        for (const program::Value &v : fn.values())
          if (v.id() == port.value())
            (void)convertType(v.type(), gradType, "");
        if (gradType != parameterTypes[size_t(index)])
          return Status::error(what + " is " + gradType.str() +
                               ", but the parameter is " +
                               parameterTypes[size_t(index)].str());
      }
  return Status::ok();
}
