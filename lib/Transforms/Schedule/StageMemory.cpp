//===- StageMemory.cpp - The memory model's figures from the IR -----------===//
//
// Mirrors the runtime's FunctionExecutor (runtime/lib/Executor.cpp) and what
// PipelineStage keeps of each function's results: keep them in step.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/StageMemory.h"

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Transforms/TrainingPasses.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <map>

using namespace mlir;
using namespace pp::training;

namespace pp {

namespace {

/// The runtime makes these ops views of their operand (no allocation) when
/// they keep its size.
bool isView(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name != "nn.reshape" && name != "nn.flatten" && name != "nn.squeeze" &&
      name != "nn.unsqueeze")
    return false;
  return op->getNumOperands() == 1 && op->getNumResults() == 1 &&
         nn::getTensorBytes(op->getOperand(0).getType()) ==
             nn::getTensorBytes(op->getResult(0).getType());
}

bool isParameterLoad(Operation *op) {
  return isa<ml_program::GlobalLoadOp, ml_program::GlobalLoadConstOp>(op);
}

double tensorPoolBytes(Type type) {
  return sched::poolBytes(double(nn::getTensorBytes(type)));
}

/// Whether an argument of `role` lives in the stage's pool (a data input
/// is a slice of the batch, which does not).
bool argumentInPool(StringRef role) { return role != kInputPort; }

/// The scratch the runtime's CPU kernel of `op` keeps in the context: a
/// convolution's column matrix of one image, in_channels x kernel size x
/// output size elements (runtime/lib/cpu/ConvKernels.cpp), none for a
/// pointwise convolution (1x1 kernel, unit strides, no pads). Other
/// kernels ask for a row or two, which the model leaves out.
double kernelScratch(Operation *op) {
  auto shape = [](Value v) { return cast<ShapedType>(v.getType()).getShape(); };
  ArrayRef<int64_t> strides, pads, weight, image, out;
  Type element;
  if (auto conv = dyn_cast<nn::ConvOp>(op)) {
    strides = conv.getStrides(), pads = conv.getPads();
    weight = shape(conv.getWeight()), image = shape(conv.getInput());
    out = shape(conv.getResult());
    element = cast<ShapedType>(conv.getInput().getType()).getElementType();
  } else if (auto grad = dyn_cast<nn::ConvGradInputOp>(op)) {
    strides = grad.getStrides(), pads = grad.getPads();
    weight = shape(grad.getWeight()), image = shape(grad.getDx());
    out = shape(grad.getDy());
    element = cast<ShapedType>(grad.getDy().getType()).getElementType();
  } else if (auto grad = dyn_cast<nn::ConvGradWeightOp>(op)) {
    strides = grad.getStrides(), pads = grad.getPads();
    weight = shape(grad.getDweight()), image = shape(grad.getX());
    out = shape(grad.getDy());
    element = cast<ShapedType>(grad.getDy().getType()).getElementType();
  } else {
    return 0;
  }
  if (image.size() < 2 || weight.size() != image.size() ||
      out.size() != image.size())
    return 0;
  bool pointwise =
      llvm::all_of(weight.drop_front(2), [](int64_t k) { return k == 1; }) &&
      llvm::all_of(strides, [](int64_t s) { return s == 1; }) &&
      llvm::all_of(pads, [](int64_t p) { return p == 0; });
  if (pointwise)
    return 0;
  double elements = double(image[1]);
  for (int64_t k : weight.drop_front(2))
    elements *= double(k);
  for (int64_t o : out.drop_front(2))
    elements *= double(o);
  return sched::poolBytes(elements * element.getIntOrFloatBitWidth() / 8);
}

} // namespace

FunctionMemory computeFunctionMemory(func::FuncOp func) {
  FunctionMemory result;
  if (func.isExternal() || !func.getBody().hasOneBlock())
    return result;
  Block &body = func.getBody().front();
  struct Buffer {
    double bytes = 0;
    int refs = 0;
    bool fresh = false;
    int argument = -1;
  };
  std::vector<Buffer> buffers;
  DenseMap<Value, unsigned> bufferOf;
  for (BlockArgument arg : body.getArguments()) {
    StringRef role = getPortRole(func.getArgAttrDict(arg.getArgNumber()));
    Buffer b;
    b.bytes = argumentInPool(role) ? tensorPoolBytes(arg.getType()) : 0;
    b.argument = int(arg.getArgNumber());
    b.refs = 1;
    bufferOf[arg] = buffers.size();
    buffers.push_back(b);
  }

  Operation *terminator = body.getTerminator();
  llvm::SmallPtrSet<Value, 16> returned;
  for (Value v : terminator->getOperands())
    returned.insert(v);
  // Each value's last reader (the op itself when nobody reads it).
  DenseMap<Value, Operation *> lastUse;
  for (Operation &op : body.without_terminator()) {
    for (Value v : op.getOperands())
      lastUse[v] = &op;
    for (Value v : op.getResults())
      if (!lastUse.count(v))
        lastUse[v] = &op;
  }

  double live = 0;
  auto release = [&](Value v) {
    auto it = bufferOf.find(v);
    if (it == bufferOf.end())
      return;
    Buffer &b = buffers[it->second];
    if (--b.refs == 0 && b.fresh)
      live -= b.bytes;
  };
  for (Operation &op : body.without_terminator()) {
    result.Scratch = std::max(result.Scratch, kernelScratch(&op));
    if (isParameterLoad(&op)) {
      Buffer b; // a parameter: held by the stage, never released here
      b.refs = 1 << 30;
      bufferOf[op.getResult(0)] = buffers.size();
      buffers.push_back(b);
      continue;
    }
    if (isView(&op)) {
      unsigned id = bufferOf.lookup(op.getOperand(0));
      ++buffers[id].refs;
      bufferOf[op.getResult(0)] = id;
    } else {
      for (Value r : op.getResults()) {
        Buffer b;
        b.bytes = tensorPoolBytes(r.getType());
        b.fresh = true;
        b.refs = 1;
        bufferOf[r] = buffers.size();
        buffers.push_back(b);
        live += b.bytes;
      }
      result.Peak = std::max(result.Peak, live);
    }
    llvm::SmallPtrSet<Value, 4> done;
    for (Value v : llvm::concat<Value>(op.getOperands(), op.getResults()))
      if (lastUse.lookup(v) == &op && !returned.count(v) &&
          done.insert(v).second && !isa<BlockArgument>(v))
        release(v);
  }

  // Results own their memory: one that shares a parameter's or an earlier
  // result's buffer is copied; one that keeps an argument's buffer does so
  // only as a boundary tensor passed on or a saved value.
  llvm::SmallDenseSet<unsigned> claimed;
  for (OpOperand &operand : terminator->getOpOperands()) {
    unsigned index = operand.getOperandNumber();
    StringRef role = getPortRole(func.getResultAttrDict(index));
    unsigned id = bufferOf.lookup(operand.get());
    Buffer &b = buffers[id];
    bool keepsArgument =
        b.argument >= 0 && (role == kBoundaryOutPort ||
                            role == kBoundaryInGradPort || role == kSavedPort);
    if (keepsArgument || (b.fresh && !claimed.count(id))) {
      // Two results keeping one argument share its bytes.
      result.ResultBytes.push_back(claimed.insert(id).second ? b.bytes : 0);
      result.ResultArgument.push_back(keepsArgument ? b.argument : -1);
      continue;
    }
    double bytes = tensorPoolBytes(operand.get().getType());
    live += bytes;
    result.Peak = std::max(result.Peak, live);
    result.ResultBytes.push_back(bytes);
    result.ResultArgument.push_back(-1);
  }
  return result;
}

sched::ChunkMemory computeChunkMemory(func::FuncOp forward, double *scratch) {
  sched::ChunkMemory chunk;
  FunctionMemory f = computeFunctionMemory(forward);
  double largest = f.Scratch;
  chunk.PeakF = f.Peak;
  for (unsigned i = 0; i < forward.getNumArguments(); ++i)
    if (getPortRole(forward.getArgAttrDict(i)) == kBoundaryInPort)
      chunk.Received += tensorPoolBytes(forward.getArgumentTypes()[i]);

  auto module = forward->getParentOfType<ModuleOp>();
  auto lookup = [&](StringRef suffix) {
    return module.lookupSymbol<func::FuncOp>(
        (forward.getSymName() + suffix).str());
  };
  func::FuncOp b = lookup(kBackwardInputSuffix);
  func::FuncOp w = lookup(kBackwardWeightSuffix);
  llvm::StringSet<> readByW;
  if (w)
    for (unsigned i = 0; i < w.getNumArguments(); ++i)
      if (getPortRole(w.getArgAttrDict(i)) == kSavedPort)
        readByW.insert(getPortKey(w.getArgAttrDict(i)));

  for (unsigned i = 0; i < forward.getNumResults(); ++i) {
    DictionaryAttr attrs = forward.getResultAttrDict(i);
    StringRef role = getPortRole(attrs);
    double bytes = f.ResultBytes[i];
    if (role == kSavedPort)
      (readByW.contains(getPortKey(attrs)) ? chunk.SavedW : chunk.SavedB) +=
          bytes;
    else if (role == kBoundaryOutPort)
      chunk.BoundaryOut += bytes;
    else
      chunk.Outputs += bytes;
  }
  if (b) {
    FunctionMemory bm = computeFunctionMemory(b);
    largest = std::max(largest, bm.Scratch);
    chunk.PeakB = bm.Peak;
    for (unsigned i = 0; i < b.getNumArguments(); ++i) {
      StringRef role = getPortRole(b.getArgAttrDict(i));
      double bytes = tensorPoolBytes(b.getArgumentTypes()[i]);
      if (role == kBoundaryOutGradPort)
        chunk.GradsReceived += bytes;
      else if (role == kOutputGradPort)
        chunk.Seeds += bytes;
    }
    for (unsigned i = 0; i < b.getNumResults(); ++i)
      (getPortRole(b.getResultAttrDict(i)) == kBoundaryInGradPort
           ? chunk.BoundaryInGrad
           : chunk.ForW) += bm.ResultBytes[i];
  }
  if (w) {
    FunctionMemory wm = computeFunctionMemory(w);
    largest = std::max(largest, wm.Scratch);
    chunk.PeakW = wm.Peak;
    for (double bytes : wm.ResultBytes)
      chunk.ParamGrads += bytes;
  }
  if (scratch)
    *scratch = largest;
  return chunk;
}

std::optional<std::vector<sched::StageMemory>>
computeStageMemory(ModuleOp module, int numStages, int chunks,
                   int optimizerStates) {
  using ppd = ::pp::pp::PPDialect;
  std::vector<sched::StageMemory> stages(numStages);
  for (sched::StageMemory &s : stages)
    s.Chunks.resize(std::max(1, chunks));
  // Per stage: the globals its functions read, and the trainable ones.
  std::vector<llvm::StringSet<>> loaded(numStages), trainable(numStages);
  llvm::StringMap<int> holders;
  bool any = false;
  SymbolTable symbols(module);
  auto globalBytes = [&](StringRef name, bool pooled) -> double {
    auto global = symbols.lookup<ml_program::GlobalOp>(name);
    if (!global)
      return 0;
    double bytes = double(nn::getTensorBytes(global.getType()));
    return pooled ? sched::poolBytes(bytes) : bytes;
  };
  for (auto func : module.getOps<func::FuncOp>()) {
    auto stageAttr = func->getAttrOfType<IntegerAttr>(ppd::kStageAttrName);
    if (!stageAttr || func.isExternal() || stageAttr.getInt() < 0 ||
        stageAttr.getInt() >= numStages)
      continue;
    int stage = int(stageAttr.getInt());
    auto chunkAttr = func->getAttrOfType<IntegerAttr>(ppd::kChunkAttrName);
    int chunk = chunkAttr ? int(chunkAttr.getInt()) : 0;
    func.walk([&](Operation *op) {
      if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
        loaded[stage].insert(load.getGlobal().getRootReference());
      else if (auto load = dyn_cast<ml_program::GlobalLoadConstOp>(op))
        loaded[stage].insert(load.getGlobal().getRootReference());
    });
    StringRef role = func->hasAttrOfType<StringAttr>(kRoleAttr)
                         ? func->getAttrOfType<StringAttr>(kRoleAttr).getValue()
                         : StringRef();
    if (role == kBackwardWeightRole)
      for (unsigned i = 0; i < func.getNumResults(); ++i)
        if (getPortRole(func.getResultAttrDict(i)) == kParamGradPort &&
            trainable[stage]
                .insert(getPortKey(func.getResultAttrDict(i)))
                .second)
          ++holders[getPortKey(func.getResultAttrDict(i))];
    if (role != kForwardRole || chunk < 0 || chunk >= chunks)
      continue;
    any = true;
    double scratch = 0;
    stages[stage].Chunks[chunk] = computeChunkMemory(func, &scratch);
    stages[stage].Workspace = std::max(stages[stage].Workspace, scratch);
  }
  if (!any)
    return std::nullopt;
  for (int s = 0; s < numStages; ++s) {
    for (const auto &name : loaded[s])
      stages[s].Parameters += globalBytes(name.getKey(), /*pooled=*/false);
    for (const auto &name : trainable[s]) {
      double bytes = globalBytes(name.getKey(), /*pooled=*/true);
      stages[s].TrainableBytes += bytes;
      stages[s].TiedReceived += bytes * (holders.lookup(name.getKey()) - 1);
    }
    stages[s].OptimizerState = optimizerStates * stages[s].TrainableBytes;
  }
  return stages;
}

} // namespace pp
