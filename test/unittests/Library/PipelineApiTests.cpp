//===- PipelineApiTests.cpp - pp's passes from another compiler's code ----===//
//
// A host registers pp's dialects and passes (pp/InitAll.h), builds a module
// of func and nn ops itself (no ONNX), and plans it with buildPipeline or
// with a textual pipeline.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/PP/IR/PP.h"
#include "pp/InitAll.h"
#include "pp/Transforms/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "gtest/gtest.h"

using namespace mlir;

namespace {

constexpr const char *kMlp = R"mlir(
module {
  ml_program.global private mutable @w1(dense<0.5> : tensor<16x32xf32>) : tensor<16x32xf32>
  ml_program.global private mutable @w2(dense<0.25> : tensor<32x8xf32>) : tensor<32x8xf32>
  func.func @forward(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
    %w1 = ml_program.global_load @w1 : tensor<16x32xf32>
    %w2 = ml_program.global_load @w2 : tensor<32x8xf32>
    %0 = nn.matmul %x, %w1 : tensor<4x16xf32>, tensor<16x32xf32> -> tensor<4x32xf32> loc("/fc1")
    %1 = nn.relu %0 : tensor<4x32xf32> loc("/relu")
    %2 = nn.matmul %1, %w2 : tensor<4x32xf32>, tensor<32x8xf32> -> tensor<4x8xf32> loc("/fc2")
    return %2 : tensor<4x8xf32>
  }
}
)mlir";

class PipelineApi : public ::testing::Test {
protected:
  PipelineApi() {
    DialectRegistry registry;
    pp::registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }
  OwningOpRef<ModuleOp> parse() {
    return parseSourceString<ModuleOp>(kMlp, &context);
  }
  /// The pp.schedule op the pipeline left in `module`, or null.
  pp::pp::ScheduleOp schedule(ModuleOp module) {
    auto ops = module.getBody()->getOps<pp::pp::ScheduleOp>();
    return ops.empty() ? pp::pp::ScheduleOp() : *ops.begin();
  }
  MLIRContext context;
};

TEST_F(PipelineApi, BuildPipelineFromCode) {
  OwningOpRef<ModuleOp> module = parse();
  ASSERT_TRUE(module);
  PassManager pm(&context, ModuleOp::getOperationName());
  pp::PipelineOptions options;
  options.numStages = 2;
  options.microbatches = 4;
  options.schedule = pp::sched::ScheduleKind::ZBH1;
  options.device = "cpu";
  options.loss = pp::LossKind::None; // plan the forward only
  pp::buildPipeline(pm, options);
  ASSERT_TRUE(succeeded(pm.run(*module)));
  pp::pp::ScheduleOp op = schedule(*module);
  ASSERT_TRUE(op);
  EXPECT_EQ(op.getKind(), pp::pp::ScheduleKind::ZBH1);
  EXPECT_EQ(op.getNumStages(), 2u);
  EXPECT_EQ(op.getMicrobatches(), 4u);
  auto device =
      (*module)->getAttrOfType<StringAttr>(pp::pp::PPDialect::kDeviceAttrName);
  ASSERT_TRUE(device);
  EXPECT_EQ(device.getValue(), "cpu");
}

TEST_F(PipelineApi, TextualPipelineAfterRegisterAllPasses) {
  pp::registerAllPasses();
  OwningOpRef<ModuleOp> module = parse();
  ASSERT_TRUE(module);
  PassManager pm(&context, ModuleOp::getOperationName());
  std::string error;
  llvm::raw_string_ostream errors(error);
  ASSERT_TRUE(succeeded(parsePassPipeline(
      "pp-pipeline{num-stages=2 microbatches=2 loss=none device=cpu "
      "schedule=search}",
      pm, errors)))
      << error;
  ASSERT_TRUE(succeeded(pm.run(*module)));
  pp::pp::ScheduleOp op = schedule(*module);
  ASSERT_TRUE(op);
  EXPECT_EQ(op.getKind(), pp::pp::ScheduleKind::Search);
}

TEST_F(PipelineApi, EnumOptionsTakeOnlyTheirValues) {
  pp::registerAllPasses();
  OpPassManager pm(ModuleOp::getOperationName());
  std::string error;
  llvm::raw_string_ostream errors(error);
  EXPECT_TRUE(failed(parsePassPipeline(
      "builtin.module(pp-pipeline{schedule=no-such-schedule})", pm, errors)));
  EXPECT_TRUE(failed(parsePassPipeline(
      "builtin.module(pp-partition-stages{method=best})", pm, errors)));
  // The alias of interleaved-1f1b reaches the passes as its own name.
  OpPassManager aliased(ModuleOp::getOperationName());
  ASSERT_TRUE(succeeded(parsePassPipeline(
      "builtin.module(pp-pipeline{num-stages=2 schedule=interleaved})", aliased,
      errors)))
      << error;
  std::string printed;
  llvm::raw_string_ostream os(printed);
  aliased.printAsTextualPipeline(os);
  EXPECT_NE(printed.find("schedule=interleaved-1f1b"), std::string::npos)
      << printed;
}

TEST_F(PipelineApi, BadOptionsFailTheRunWithoutCrashing) {
  OwningOpRef<ModuleOp> module = parse();
  ASSERT_TRUE(module);
  PassManager pm(&context, ModuleOp::getOperationName());
  pp::PipelineOptions options;
  options.numStages = 2;
  options.memoryLimit = "no-such-size";
  options.loss = pp::LossKind::None;
  pp::buildPipeline(pm, options);
  // The diagnostic goes to the context's handler; the run fails.
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  EXPECT_TRUE(failed(pm.run(*module)));
}

} // namespace
