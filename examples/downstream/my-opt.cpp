//===- my-opt.cpp - pp inside another compiler ----------------------------===//
//
// A downstream tool built against an installed pp (find_package(PP)):
//
//   my-opt FILE.mlir --pp-pipeline="num-stages=2 ..."   (like mlir-opt)
//   my-opt --mlp "num-stages=2 ..."
//
// The first form registers pp's dialects and passes next to MLIR's and hands
// over to MlirOptMain. The second builds a two-layer MLP itself, in C++,
// from func, ml_program and nn ops (no ONNX), plans it with
// pp::buildPipeline and prints the result.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/InitAll.h"
#include "pp/Transforms/Pipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;

/// @forward(x: 8x16) -> logits 8x4: relu(x @ w1 + b1) @ w2, with the
/// parameters as ml_program globals initialised in the IR. Arguments and
/// results carry `onnx.name`, the names pp's loss and export go by.
static OwningOpRef<ModuleOp> buildMlp(MLIRContext &context) {
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  Type f32 = b.getF32Type();

  auto global = [&](StringRef name, ArrayRef<int64_t> shape, float value) {
    auto type = RankedTensorType::get(shape, f32);
    auto op = ml_program::GlobalOp::create(
        b, loc, name, type, /*is_mutable=*/true,
        DenseElementsAttr::get(type, llvm::ArrayRef<float>(value)),
        b.getStringAttr("private"));
    return op;
  };
  auto w1 = global("w1", {16, 32}, 0.05f);
  auto b1 = global("b1", {32}, 0.0f);
  auto w2 = global("w2", {32, 4}, 0.05f);

  auto x = RankedTensorType::get({8, 16}, f32);
  auto logits = RankedTensorType::get({8, 4}, f32);
  auto function =
      func::FuncOp::create(b, loc, "forward", b.getFunctionType({x}, {logits}));
  function.setArgAttr(0, "onnx.name", b.getStringAttr("x"));
  function.setResultAttr(0, "onnx.name", b.getStringAttr("logits"));

  b.setInsertionPointToStart(function.addEntryBlock());
  auto load = [&](ml_program::GlobalOp g) -> Value {
    return ml_program::GlobalLoadOp::create(
        b, loc, g.getType(), SymbolRefAttr::get(g.getSymNameAttr()));
  };
  auto named = [&](StringRef name) {
    return NameLoc::get(b.getStringAttr(name));
  };
  Value h = pp::nn::MatMulOp::create(b, named("/fc1/MatMul"),
                                     function.getArgument(0), load(w1));
  h = pp::nn::AddOp::create(b, named("/fc1/Add"), h, load(b1));
  h = pp::nn::ReluOp::create(b, named("/relu"), h);
  Value out = pp::nn::MatMulOp::create(b, named("/fc2/MatMul"), h, load(w2));
  func::ReturnOp::create(b, loc, out);
  return module;
}

static int runMlp(MLIRContext &context, StringRef optionString) {
  OwningOpRef<ModuleOp> module = buildMlp(context);
  if (failed(verify(*module))) {
    llvm::errs() << "my-opt: error: the MLP does not verify\n";
    return 1;
  }
  std::unique_ptr<pp::PipelineOptions> options =
      pp::PipelineOptions::createFromString(optionString);
  if (!options) {
    llvm::errs() << "my-opt: error: bad pp-pipeline options '" << optionString
                 << "'\n";
    return 1;
  }
  PassManager pm(&context, ModuleOp::getOperationName());
  pp::buildPipeline(pm, *options);
  if (failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  llvm::outs() << "\n";
  return 0;
}

int main(int argc, char **argv) {
  // MLIR's own passes (canonicalize, cse, ...) next to pp's.
  registerTransformsPasses();
  pp::registerAllPasses();
  DialectRegistry registry;
  pp::registerAllDialects(registry);

  if (argc >= 2 && std::strcmp(argv[1], "--mlp") == 0) {
    MLIRContext context(registry);
    context.loadAllAvailableDialects();
    return runMlp(context, argc >= 3 ? argv[2] : "");
  }
  return asMainReturnCode(MlirOptMain(
      argc, argv, "my-opt: pp inside another compiler\n", registry));
}
