//===- Executor.cpp - Runs one function of a stage program ----------------===//
//
// Preparation turns each program kernel into a KernelFn plus slot indices,
// and, when asked, fuses runs of elementwise ops into one kernel each
// (ElementwiseFusion.h); a run allocates outputs, calls the closures in
// order and releases every buffer after its last reader.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Executor.h"
#include "ElementwiseFusion.h"
#include "pp/Runtime/Device.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <set>
#include <unordered_map>

using namespace pp::rt;

/// Ops that only change the shape of a row-major buffer. The executor runs
/// them as reinterpretations of their input's buffer: no kernel writes into
/// its inputs (BatchNorm's running statistics, written in place, are then
/// the parameter's own buffer either way), and results that share memory
/// with an argument, a parameter or another result are copied on return.
static bool isViewOp(const std::string &op) {
  return op == "nn.reshape" || op == "nn.flatten" || op == "nn.squeeze" ||
         op == "nn.unsqueeze";
}

/// The runtime form of a program attribute.
static AttrValue convertAttribute(const program::Attribute &attr) {
  switch (attr.value_case()) {
  case program::Attribute::kI:
    return attr.i();
  case program::Attribute::kF:
    return attr.f();
  case program::Attribute::kS:
    return attr.s();
  case program::Attribute::kInts:
    return std::vector<int64_t>(attr.ints().values().begin(),
                                attr.ints().values().end());
  case program::Attribute::kFloats:
    return std::vector<double>(attr.floats().values().begin(),
                               attr.floats().values().end());
  default: { // kTensor; the verifier checked type and size
    TensorType type;
    (void)convertType(attr.tensor().type(), type, "");
    Tensor t = Tensor::empty(type);
    if (t.bytes())
      std::memcpy(t.raw(), attr.tensor().raw().data(), t.bytes());
    return t;
  }
  }
}

Status FunctionExecutor::prepareKernel(PreparedKernel &kernel,
                                       const KernelRegistry &registry) const {
  KernelFactory factory = registry.lookup(kernel.spec.op, backend_);
  if (!factory)
    return Status::error(std::string("no ") + backendName(backend_) +
                         " kernel for " + kernel.spec.op);
  try {
    if (Status s = factory(kernel.spec, kernel.fn))
      return s;
  } catch (const std::exception &e) {
    return kernel.spec.error(std::string("preparation failed: ") + e.what());
  }
  if (!kernel.fn)
    return kernel.spec.error("the kernel factory returned no function");
  return Status::ok();
}

Status FunctionExecutor::prepare(const program::Program &program,
                                 uint32_t functionIndex,
                                 const std::vector<Tensor> &parameters,
                                 const KernelRegistry &registry,
                                 Backend backend, const std::string &what,
                                 FunctionExecutor &out,
                                 const ExecutorOptions &options) {
  const program::Function &fn = program.functions(int(functionIndex));
  FunctionExecutor ex;
  ex.name_ = fn.name();
  ex.what_ = what + ": function '" + fn.name() + "'";
  ex.role_ = fn.role();
  ex.backend_ = backend;
  const std::string backendText = backendName(backend);

  // One slot per value, in declaration order.
  std::unordered_map<uint32_t, uint32_t> slotOf;
  for (const program::Value &v : fn.values()) {
    slotOf[v.id()] = uint32_t(ex.slotTypes_.size());
    ex.slotIds_.push_back(v.id());
    TensorType type;
    (void)convertType(v.type(), type, ""); // checked by the verifier
    ex.slotTypes_.push_back(type);
  }
  auto ports = [&](const auto &list, std::vector<PortInfo> &infos,
                   std::vector<uint32_t> &slots) {
    for (const program::Port &p : list) {
      uint32_t slot = slotOf.at(p.value());
      infos.push_back({p.role(), p.key(), ex.slotTypes_[slot]});
      slots.push_back(slot);
    }
  };
  ports(fn.arguments(), ex.arguments_, ex.argumentSlots_);
  ports(fn.results(), ex.results_, ex.resultSlots_);
  for (const program::ParameterUse &use : fn.parameters()) {
    ex.parameterSlots_.emplace_back(slotOf.at(use.value()),
                                    parameters.at(use.parameter()));
    const program::Parameter &p = program.parameters(int(use.parameter()));
    ex.parameterNames_.push_back(p.source_name().empty() ? p.name()
                                                         : p.source_name());
  }

  // Kernels: specs, then the factories, reporting every op without one.
  std::set<std::string> missing;
  std::string firstMissing;
  for (int k = 0; k < fn.kernels_size(); ++k) {
    const program::Kernel &pk = fn.kernels(k);
    PreparedKernel kernel;
    kernel.spec.op = pk.op();
    kernel.spec.location = pk.location();
    kernel.spec.attrs.setContext(
        pk.location().empty() ? pk.op() : pk.op() + " at " + pk.location());
    for (const program::Attribute &a : pk.attributes())
      kernel.spec.attrs.set(a.name(), convertAttribute(a));
    for (uint32_t id : pk.inputs()) {
      kernel.inputs.push_back(slotOf.at(id));
      kernel.spec.inputs.push_back(ex.slotTypes_[kernel.inputs.back()]);
    }
    for (uint32_t id : pk.outputs()) {
      kernel.outputs.push_back(slotOf.at(id));
      kernel.spec.outputs.push_back(ex.slotTypes_[kernel.outputs.back()]);
    }
    kernel.spec.randomId = pk.random_id();
    kernel.view =
        isViewOp(pk.op()) && kernel.inputs.size() == 1 &&
        kernel.outputs.size() == 1 &&
        kernel.spec.inputs[0].bytes() == kernel.spec.outputs[0].bytes();
    if (!registry.lookup(pk.op(), backend)) {
      if (missing.empty())
        firstMissing = "kernel " + std::to_string(k) + ": no " + backendText +
                       " kernel for " + pk.op() +
                       (pk.location().empty() ? "" : " at " + pk.location());
      missing.insert(pk.op());
    } else if (missing.empty()) {
      if (Status s = ex.prepareKernel(kernel, registry))
        return Status::error(ex.what_ + ": kernel " + std::to_string(k) + ": " +
                             s.message());
    }
    ex.kernels_.push_back(std::move(kernel));
  }
  if (!missing.empty()) {
    std::string message = ex.what_ + ": " + firstMissing;
    if (missing.size() > 1) {
      message += " (ops without a " + backendText + " kernel:";
      for (const std::string &op : missing)
        message += " " + op;
      message += ")";
    }
    return Status::error(message);
  }

  if (options.fuseElementwise && registry.lookup(kFusedElementwiseOp, backend))
    ex.fuseElementwiseChains(registry);

  // Release every value after its last reader (results are kept; a value
  // nobody reads dies right after the kernel that makes it).
  std::vector<int> lastUse(ex.slotTypes_.size(), -1);
  for (size_t k = 0; k < ex.kernels_.size(); ++k) {
    for (uint32_t slot : ex.kernels_[k].inputs)
      lastUse[slot] = int(k);
    for (uint32_t slot : ex.kernels_[k].outputs)
      if (lastUse[slot] < int(k))
        lastUse[slot] = int(k);
  }
  for (uint32_t slot : ex.resultSlots_)
    lastUse[slot] = -1;
  for (size_t slot = 0; slot < lastUse.size(); ++slot)
    if (lastUse[slot] >= 0)
      ex.kernels_[size_t(lastUse[slot])].release.push_back(uint32_t(slot));

  ex.producer_.assign(ex.slotTypes_.size(), -1);
  for (size_t k = 0; k < ex.kernels_.size(); ++k)
    for (uint32_t slot : ex.kernels_[k].outputs)
      ex.producer_[slot] = int(k);

  ex.slots_.resize(ex.slotTypes_.size());
  for (PreparedKernel &kernel : ex.kernels_) {
    for (uint32_t slot : kernel.inputs)
      kernel.inputPtrs.push_back(&ex.slots_[slot]);
    for (uint32_t slot : kernel.outputs)
      kernel.outputPtrs.push_back(&ex.slots_[slot]);
  }
  out = std::move(ex);
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Fusing elementwise chains
//===----------------------------------------------------------------------===//

void FunctionExecutor::fuseElementwiseChains(const KernelRegistry &registry) {
  using kernels::kMaxFusedExternals;
  using kernels::kMaxFusedInstructions;
  const size_t n = kernels_.size(), numSlots = slotTypes_.size();
  // Who makes and who last reads each slot (a value is written once).
  std::vector<int> maker(numSlots, -1), lastReader(numSlots, -1);
  std::vector<bool> isResult(numSlots, false);
  for (size_t k = 0; k < n; ++k) {
    for (uint32_t slot : kernels_[k].inputs)
      lastReader[slot] = std::max(lastReader[slot], int(k));
    for (uint32_t slot : kernels_[k].outputs)
      maker[slot] = int(k);
  }
  for (uint32_t slot : resultSlots_)
    isResult[slot] = true;
  std::vector<bool> fusible(n, false);
  std::vector<FusedInstruction> instructions(n);
  for (size_t k = 0; k < n; ++k)
    fusible[k] = !kernels_[k].view &&
                 fusedInstructionOf(kernels_[k].spec, instructions[k]);

  // Leftmost-longest: from each start, the longest run of fusible kernels
  // of one result type whose intermediates (every result but the last) are
  // no function results and are last read inside it, within the bounds on
  // instructions and externals. Kernels without operands (constants) in
  // between do not end a run: they move before its fused kernel.
  std::vector<PreparedKernel> kernels;
  size_t start = 0;
  while (start < n) {
    std::vector<size_t> members, best;
    if (fusible[start]) {
      const TensorType &type = kernels_[start].spec.outputs[0];
      std::vector<uint32_t> externals;
      int needed = -1; // the last read of an intermediate so far
      for (size_t end = start; end < n; ++end) {
        if (end > start) {
          if (kernels_[end].inputs.empty() && !fusible[end] &&
              !kernels_[end].view)
            continue;
          if (!fusible[end] || kernels_[end].spec.outputs[0] != type)
            break;
          uint32_t previous = kernels_[members.back()].outputs[0];
          if (isResult[previous])
            break;
          needed = std::max(needed, lastReader[previous]);
        }
        members.push_back(end);
        for (uint32_t slot : kernels_[end].inputs)
          if ((maker[slot] < int(start) || maker[slot] >= int(end) ||
               !fusible[size_t(maker[slot])]) &&
              std::find(externals.begin(), externals.end(), slot) ==
                  externals.end())
            externals.push_back(slot);
        if (externals.size() > size_t(kMaxFusedExternals) ||
            members.size() > size_t(kMaxFusedInstructions))
          break;
        if (members.size() > 1 && needed <= int(end))
          best = members;
      }
    }
    PreparedKernel fused;
    if (best.size() > 1 && fuseRun(best, instructions, registry, fused)) {
      for (size_t k = start; k < best.back(); ++k)
        if (!std::binary_search(best.begin(), best.end(), k))
          kernels.push_back(std::move(kernels_[k])); // a constant
      kernels.push_back(std::move(fused));
      start = best.back() + 1;
      continue;
    }
    kernels.push_back(std::move(kernels_[start]));
    ++start;
  }
  kernels_ = std::move(kernels);
}

bool FunctionExecutor::fuseRun(
    const std::vector<size_t> &members,
    const std::vector<FusedInstruction> &instructions,
    const KernelRegistry &registry, PreparedKernel &out) const {
  const size_t last = members.back();
  // Externals in the order the chain first reads them; the value file of
  // the program holds them, then each instruction's result.
  std::vector<uint32_t> externals;
  // The instruction (index into members) that makes `slot` before member
  // `before`, or -1.
  auto madeInside = [&](uint32_t slot, size_t before) {
    for (size_t j = 0; j < before; ++j)
      if (kernels_[members[j]].outputs[0] == slot)
        return int(j);
    return -1;
  };
  for (size_t m = 0; m < members.size(); ++m)
    for (uint32_t slot : kernels_[members[m]].inputs)
      if (madeInside(slot, m) < 0 &&
          std::find(externals.begin(), externals.end(), slot) ==
              externals.end())
        externals.push_back(slot);
  std::vector<int64_t> ops, args;
  std::vector<double> params;
  std::string locations;
  PreparedKernel fused;
  for (size_t m = 0; m < members.size(); ++m) {
    const size_t k = members[m];
    const PreparedKernel &kernel = kernels_[k];
    const FusedInstruction &instruction = instructions[k];
    ops.push_back(int64_t(instruction.op));
    for (int a = 0; a < kernels::kFusedArgs; ++a) {
      if (size_t(a) >= kernel.inputs.size()) {
        args.push_back(-1);
        continue;
      }
      uint32_t slot = kernel.inputs[size_t(a)];
      int inside = madeInside(slot, m);
      args.push_back(inside >= 0 ? int64_t(externals.size()) + inside
                                 : int64_t(std::find(externals.begin(),
                                                     externals.end(), slot) -
                                           externals.begin()));
    }
    for (double p : instruction.params)
      params.push_back(p);
    const KernelSpec &spec = kernel.spec;
    fused.fusedOps.push_back((spec.location.empty()
                                  ? "op " + std::to_string(k)
                                  : "'" + spec.location + "'") +
                             " (" + spec.op + ")");
    if (!spec.location.empty())
      locations += (locations.empty() ? "" : ", ") + spec.location;
  }
  fused.spec.op = kFusedElementwiseOp;
  fused.spec.location = locations;
  fused.spec.attrs.setContext(std::string(kFusedElementwiseOp) +
                              (locations.empty() ? "" : " at " + locations));
  fused.spec.attrs.set("ops", ops);
  fused.spec.attrs.set("args", args);
  fused.spec.attrs.set("params", params);
  for (uint32_t slot : externals) {
    fused.inputs.push_back(slot);
    fused.spec.inputs.push_back(slotTypes_[slot]);
  }
  fused.outputs = kernels_[last].outputs;
  fused.spec.outputs = kernels_[last].spec.outputs;
  if (prepareKernel(fused, registry))
    return false;
  out = std::move(fused);
  return true;
}

size_t FunctionExecutor::fusedKernelCount() const {
  size_t count = 0;
  for (const PreparedKernel &kernel : kernels_)
    count += !kernel.fusedOps.empty();
  return count;
}

size_t FunctionExecutor::fusedOpCount() const {
  size_t count = 0;
  for (const PreparedKernel &kernel : kernels_)
    count += kernel.fusedOps.size();
  return count;
}

void FunctionExecutor::setProfiler(Profiler *profiler) {
  profiler_ = profiler;
  if (profiler)
    for (PreparedKernel &kernel : kernels_)
      if (!kernel.view)
        kernel.profileId = profiler->addKernel(kernel.spec);
}

std::vector<uint32_t>
FunctionExecutor::releasedAfter(size_t kernelIndex) const {
  std::vector<uint32_t> ids;
  for (uint32_t slot : kernels_.at(kernelIndex).release)
    ids.push_back(slotIds_[slot]);
  return ids;
}

int FunctionExecutor::findArgument(program::PortRole role,
                                   const std::string &key) const {
  for (size_t i = 0; i < arguments_.size(); ++i)
    if (arguments_[i].role == role && arguments_[i].key == key)
      return int(i);
  return -1;
}

int FunctionExecutor::findResult(program::PortRole role,
                                 const std::string &key) const {
  for (size_t i = 0; i < results_.size(); ++i)
    if (results_[i].role == role && results_[i].key == key)
      return int(i);
  return -1;
}

Status FunctionExecutor::run(KernelContext &ctx,
                             const std::vector<Tensor> &arguments,
                             std::vector<Tensor> &results) {
  if (ctx.backend() != backend_)
    return Status::error(what_ + ": prepared for the " + backendName(backend_) +
                         " backend, run with a " + backendName(ctx.backend()) +
                         " context");
  if (arguments.size() != arguments_.size())
    return Status::error(
        what_ + ": called with " + std::to_string(arguments.size()) +
        " arguments, expected " + std::to_string(arguments_.size()));
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i].type() != arguments_[i].type || !arguments[i].valid())
      return Status::error(what_ + ": argument '" + arguments_[i].key +
                           "' is " + arguments[i].type().str() + ", expected " +
                           arguments_[i].type.str());
    slots_[argumentSlots_[i]] = arguments[i];
  }
  for (auto &[slot, tensor] : parameterSlots_)
    slots_[slot] = tensor;
  auto clearSlots = [&] {
    for (Tensor &t : slots_)
      t = Tensor();
  };
  firstInfinity_.clear();
  queue_ = ctx.stream;
  if (ctx.detectAnomaly)
    if (Status s = checkInputsFinite(arguments)) {
      clearSlots();
      return s;
    }

  ProfileClock::time_point runStart;
  if (profiler_)
    runStart = ProfileClock::now();
  for (size_t k = 0; k < kernels_.size(); ++k) {
    PreparedKernel &kernel = kernels_[k];
    try {
      if (kernel.view) {
        uint32_t out = kernel.outputs[0];
        slots_[out] = slots_[kernel.inputs[0]].reinterpret(slotTypes_[out]);
      } else {
        for (uint32_t slot : kernel.outputs)
          slots_[slot] = Tensor::empty(slotTypes_[slot], ctx.pool());
        if (profiler_) {
          // A device kernel is timed from an idle queue to its end: the
          // host clock then measures the kernel, not the launch.
          if (ctx.stream)
            if (Status s = ctx.pool().device().synchronize(ctx.stream)) {
              clearSlots();
              return Status::error(what_ + ": " + describeKernel(k) + ": " +
                                   s.message());
            }
          ProfileClock::time_point start = ProfileClock::now();
          kernel.fn(ctx, kernel.inputPtrs.data(), kernel.outputPtrs.data());
          if (ctx.stream && !ctx.failed())
            if (Status s = ctx.pool().device().synchronize(ctx.stream))
              ctx.fail(s.message());
          profiler_->kernelDone(kernel.profileId, role_, start,
                                ProfileClock::now());
        } else {
          kernel.fn(ctx, kernel.inputPtrs.data(), kernel.outputPtrs.data());
        }
      }
    } catch (const std::exception &e) {
      clearSlots();
      return Status::error(
          what_ + ": kernel " + std::to_string(k) + ": " +
          (kernel.fusedOps.empty() ? kernel.spec.op : describeKernel(k)) +
          " failed: " + e.what());
    }
    if (ctx.failed()) {
      clearSlots();
      return Status::error(what_ + ": " + describeKernel(k) +
                           " failed: " + ctx.takeFailure());
    }
    if (ctx.detectAnomaly && !kernel.view)
      if (Status s = checkKernelFinite(k)) {
        clearSlots();
        return s;
      }
    for (uint32_t slot : kernel.release)
      slots_[slot] = Tensor();
  }
  if (ctx.detectAnomaly)
    if (Status s = checkResultsFinite()) {
      clearSlots();
      return s;
    }

  // Results own their memory: copy those that share it with a parameter,
  // an argument or an earlier result (also through views). A boundary
  // tensor a stage passes on (a relayed activation or its gradient) and a
  // saved value that is an input (kept for a recomputing backward) may
  // stay their argument's buffer: they are only ever read.
  // (A sorted vector kept between runs: no allocation per run.)
  std::vector<const void *> &shared = sharedScratch_;
  shared.clear();
  for (const Tensor &argument : arguments) // their slots may be released
    shared.push_back(argument.memoryIdentity());
  for (auto &binding : parameterSlots_)
    shared.push_back(binding.second.memoryIdentity());
  std::sort(shared.begin(), shared.end());
  size_t inputs = shared.size();
  results.clear();
  results.reserve(resultSlots_.size());
  for (size_t r = 0; r < resultSlots_.size(); ++r) {
    const Tensor &t = slots_[resultSlots_[r]];
    const void *id = t.memoryIdentity();
    program::PortRole role = results_[r].role;
    bool passedOn =
        (role == program::BOUNDARY_OUT || role == program::BOUNDARY_IN_GRAD ||
         role == program::SAVED) &&
        std::find_if(arguments.begin(), arguments.end(), [&](const Tensor &a) {
          return a.memoryIdentity() == id;
        }) != arguments.end();
    bool alias =
        t.numel() && !passedOn &&
        (std::binary_search(shared.begin(), shared.begin() + inputs, id) ||
         std::find(shared.begin() + inputs, shared.end(), id) != shared.end());
    if (t.numel() && !alias)
      shared.push_back(id);
    if (!alias) {
      results.push_back(t);
      continue;
    }
    Tensor copy;
    if (Status s = copyToPool(t, ctx.pool(), copy, ctx.stream)) {
      clearSlots();
      return Status::error(what_ + ": result '" + results_[r].key +
                           "': " + s.message());
    }
    results.push_back(std::move(copy));
  }
  for (Tensor &t : slots_)
    t = Tensor();
  if (profiler_)
    profiler_->functionDone(role_, runStart, ProfileClock::now());
  return Status::ok();
}

/// "nan (element 3 of 2x4xf32)" for the non-finite element `at` of `t`.
static std::string whereNonFinite(const Tensor &t, int64_t at) {
  bool nan = true, negative = false;
  if (t.dtype() == DType::F32) {
    nan = std::isnan(t.data<float>()[at]);
    negative = t.data<float>()[at] < 0;
  } else if (t.dtype() == DType::F64) {
    nan = std::isnan(t.data<double>()[at]);
    negative = t.data<double>()[at] < 0;
  } else if (t.dtype() == DType::F16 || t.dtype() == DType::BF16) {
    uint16_t bits = t.data<uint16_t>()[at];
    uint16_t mantissa = t.dtype() == DType::F16 ? 0x03ff : 0x007f;
    nan = (bits & mantissa) != 0;
    negative = (bits & 0x8000) != 0;
  }
  std::string value = nan ? "nan" : negative ? "-inf" : "inf";
  return value + " (element " + std::to_string(at) + " of " + t.type().str() +
         ")";
}

std::string FunctionExecutor::describeKernel(size_t k) const {
  const KernelSpec &spec = kernels_[k].spec;
  if (!kernels_[k].fusedOps.empty()) {
    std::string ops;
    for (const std::string &op : kernels_[k].fusedOps)
      ops += (ops.empty() ? "" : ", ") + op;
    return "fused kernel of ops " + ops;
  }
  return spec.location.empty()
             ? "op " + std::to_string(k) + " (" + spec.op + ")"
             : "op '" + spec.location + "' (" + spec.op + ")";
}

Status FunctionExecutor::checkInputsFinite(
    const std::vector<Tensor> &arguments) const {
  for (size_t i = 0; i < arguments.size(); ++i) {
    Tensor argument = toHost(arguments[i], queue_);
    int64_t at = firstNonFinite(argument, /*orInfinite=*/false);
    if (at >= 0)
      return Status::error(
          what_ + ": argument '" + arguments_[i].key + "' holds " +
          whereNonFinite(argument, at) +
          " as the function starts: it came in so (from the data, or from "
          "the stage or function that made it)");
  }
  for (size_t i = 0; i < parameterSlots_.size(); ++i) {
    Tensor t = toHost(parameterSlots_[i].second, queue_);
    int64_t at = firstNonFinite(t, /*orInfinite=*/false);
    if (at >= 0)
      return Status::error(what_ + ": parameter '" + parameterNames_[i] +
                           "' holds " + whereNonFinite(t, at) +
                           " as the function starts (an earlier optimizer "
                           "step, or the model, made it so)");
  }
  return Status::ok();
}

Status FunctionExecutor::checkKernelFinite(size_t k) {
  const PreparedKernel &kernel = kernels_[k];
  for (size_t o = 0; o < kernel.outputs.size(); ++o) {
    Tensor t = toHost(slots_[kernel.outputs[o]], queue_);
    int64_t at = firstNonFinite(t, /*orInfinite=*/true);
    if (at < 0)
      continue;
    // Every earlier value was checked for NaN: the inputs hold none. Say
    // which held an infinity, the usual cause (inf - inf, 0 * inf).
    std::string cause = "from inputs that hold no NaN or infinity";
    for (size_t i = 0; i < kernel.inputs.size() && firstInfinity_.empty();
         ++i) {
      Tensor in = toHost(slots_[kernel.inputs[i]], queue_);
      int64_t inf = firstNonFinite(in, /*orInfinite=*/true);
      if (inf >= 0) {
        int maker = producer_[kernel.inputs[i]];
        cause = "from input #" + std::to_string(i) + ", which holds " +
                whereNonFinite(in, inf) +
                (maker >= 0 ? " made by " + describeKernel(size_t(maker))
                            : std::string(" (an argument or parameter)"));
        break;
      }
    }
    int64_t nan = firstNonFinite(t, /*orInfinite=*/false);
    if (nan < 0) {
      // An infinity: legitimate in masks, so only remembered, with the op
      // that first made one from finite inputs.
      if (firstInfinity_.empty() &&
          cause == "from inputs that hold no NaN or infinity")
        firstInfinity_ = describeKernel(k) + " made " + whereNonFinite(t, at) +
                         " from finite inputs";
      continue;
    }
    std::string message = what_ + ": " + describeKernel(k) + " made " +
                          whereNonFinite(t, nan) + " in its output #" +
                          std::to_string(o);
    if (!firstInfinity_.empty())
      message += "; the first infinity of the function: " + firstInfinity_;
    else
      message += ", " + cause;
    return Status::error(message);
  }
  return Status::ok();
}

Status FunctionExecutor::checkResultsFinite() const {
  for (size_t r = 0; r < resultSlots_.size(); ++r) {
    Tensor t = toHost(slots_[resultSlots_[r]], queue_);
    int64_t at = firstNonFinite(t, /*orInfinite=*/true);
    if (at < 0)
      continue;
    int maker = producer_[resultSlots_[r]];
    return Status::error(
        what_ + ": result '" + results_[r].key + "' holds " +
        whereNonFinite(t, at) +
        (maker >= 0 ? ", made by " + describeKernel(size_t(maker))
                    : std::string(", passed through from an argument")));
  }
  return Status::ok();
}
