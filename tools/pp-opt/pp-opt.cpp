//===- pp-opt.cpp - The pp compiler driver --------------------------------===//
//
// `pp-opt MODEL.onnx` (or `.onnxtext`) imports an ONNX model and runs the
// requested passes on it; `pp-opt FILE.mlir` behaves like `mlir-opt` with
// pp's dialects and passes. The standard MLIR options (--mlir-timing,
// --mlir-print-ir-after-all, --verify-diagnostics, --split-input-file...)
// work in both modes where they apply.
//
//===----------------------------------------------------------------------===//

#include "DiagnosticPrinter.h"

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Import/ONNX.h"
#include "pp/InitAll.h"
#include "pp/Support/OutputFiles.h"
#include "pp/Transforms/PartitionPasses.h"
#include "pp/Transforms/Passes.h"
#include "pp/Transforms/Pipeline.h"
#include "pp/Transforms/PlanDefaults.h"
#include "pp/Transforms/SchedulePasses.h"
#include "pp/Transforms/TrainingPasses.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

using namespace mlir;

static llvm::cl::OptionCategory importCategory("ONNX import options");

static llvm::cl::list<std::string> dimBindings(
    "dim",
    llvm::cl::desc("Size of a dynamic input dimension: NAME=SIZE for a "
                   "dim_param, INPUT:AXIS=SIZE for an unnamed one"),
    llvm::cl::value_desc("NAME=SIZE"), llvm::cl::cat(importCategory));

static llvm::cl::OptionCategory planCategory("Planning options");

/// --pp-device and --pp-report, written into the planning passes' options
/// (applyPlanDefaults) when the pipeline is set up.
static pp::PlanDefaults planDefaults;

static llvm::cl::opt<std::string, /*ExternalStorage=*/true> planDevice(
    "pp-device",
    llvm::cl::desc("Device profile of every planning pass that names none: "
                   "h100, a100, cpu or a JSON profile file"),
    llvm::cl::value_desc("NAME|FILE.json"),
    llvm::cl::location(planDefaults.device), llvm::cl::cat(planCategory));

static llvm::cl::opt<std::string, /*ExternalStorage=*/true> planReport(
    "pp-report",
    llvm::cl::desc("Plan report of the planning passes that name none: a "
                   "JSON file, or '-' for tables on stderr"),
    llvm::cl::value_desc("FILE.json|-"),
    llvm::cl::location(planDefaults.report), llvm::cl::cat(planCategory));

/// Gives the planning passes of `config`'s pipeline --pp-device and
/// --pp-report as options.
static void applyPlanOptions(MlirOptMainConfig &config) {
  // mlir-opt's setup dumps the pipeline (--dump-pass-pipeline) as soon as it
  // has parsed it: hold that back and dump once the defaults are in, so
  // that the dump reruns the same way. MLIR 22 registers the flag
  // as a cl::opt<bool> with external storage (pp-plan-defaults.test fails
  // if that changes).
  auto &registered = llvm::cl::getRegisteredOptions();
  auto found = registered.find("dump-pass-pipeline");
  auto *dumpOption =
      found == registered.end()
          ? nullptr
          : static_cast<llvm::cl::opt<bool, true> *>(found->second);
  config.setPassPipelineSetupFn([base = config, dumpOption](PassManager &pm) {
    bool dump = dumpOption && dumpOption->getValue();
    if (dumpOption)
      dumpOption->setValue(false);
    LogicalResult setup = base.setupPassPipeline(pm);
    if (dumpOption)
      dumpOption->setValue(dump);
    if (failed(setup) || failed(pp::applyPlanDefaults(pm, planDefaults)))
      return failure();
    if (dump)
      pm.dump();
    return success();
  });
}

/// Imports an ONNX model, runs the pass pipeline and writes the result.
static int runOnONNX(llvm::StringRef inputFilename,
                     llvm::StringRef outputFilename,
                     DialectRegistry &registry) {
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  applyPlanOptions(config);
  pp::ONNXImportOptions options;
  for (const std::string &binding : dimBindings) {
    std::string error;
    if (!pp::parseDimBinding(binding, options, error)) {
      llvm::errs() << "pp-opt: error: " << error << "\n";
      return 1;
    }
  }
  if (config.shouldVerifyDiagnostics()) {
    llvm::errs() << "pp-opt: error: --verify-diagnostics needs MLIR input; "
                    "test ONNX import errors with FileCheck\n";
    return 1;
  }

  MLIRContext context(registry);
  context.allowUnregisteredDialects(config.shouldAllowUnregisteredDialects());
  // A pass failing on @forward would otherwise print the whole function as
  // a note: the message names the model and the node, which is what a user
  // of an ONNX model can act on. --mlir-print-op-on-diagnostic brings the
  // IR back.
  auto &registered = llvm::cl::getRegisteredOptions();
  auto printOp = registered.find("mlir-print-op-on-diagnostic");
  if (printOp == registered.end() || printOp->second->getNumOccurrences() == 0)
    context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diag) {
    pp::printDiagnostic(llvm::errs(), diag);
    return success();
  });

  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();

  OwningOpRef<ModuleOp> module;
  {
    TimingScope importTiming = timing.nest("Import ONNX");
    options.timing = &importTiming;
    module = pp::importONNXFile(inputFilename, &context, options);
  }
  if (!module)
    return 1;

  PassManager pm(&context, ModuleOp::getOperationName(),
                 PassManager::Nesting::Implicit);
  pm.enableVerifier(config.shouldVerifyPasses());
  if (failed(applyPassManagerCLOptions(pm)))
    return 1;
  pm.enableTiming(timing);
  if (failed(config.setupPassPipeline(pm)) || failed(pm.run(*module)))
    return 1;

  TimingScope outputTiming = timing.nest("Output");
  llvm::Error e = pp::writeOutputFile(
      outputFilename, [&](llvm::raw_ostream &os) -> llvm::Error {
        if (config.shouldEmitBytecode()) {
          if (failed(writeBytecodeToFile(*module, os)))
            return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                           "cannot write bytecode");
        } else {
          module->print(os, OpPrintingFlags());
          os << "\n";
        }
        return llvm::Error::success();
      });
  if (e) {
    llvm::errs() << "pp-opt: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}

/// mlir-opt's driver (MlirOptMain), with the planning options applied.
static LogicalResult runOnMLIR(llvm::StringRef inputFilename,
                               llvm::StringRef outputFilename,
                               DialectRegistry &registry) {
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  applyPlanOptions(config);
  if (inputFilename == "-" &&
      llvm::sys::Process::FileDescriptorIsDisplayed(fileno(stdin)))
    llvm::errs() << "(processing input from stdin now, hit ctrl-c/ctrl-d to "
                    "interrupt)\n";
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return failure();
  }
  bool ran = false;
  llvm::Error e = pp::writeOutputFile(
      outputFilename, [&](llvm::raw_ostream &os) -> llvm::Error {
        ran = true;
        if (failed(MlirOptMain(os, std::move(input), registry, config)))
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         "the passes failed");
        return llvm::Error::success();
      });
  if (e) {
    // MlirOptMain has reported why it failed.
    std::string message = llvm::toString(std::move(e));
    if (!ran)
      llvm::errs() << "pp-opt: error: " << message << "\n";
    return failure();
  }
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerTransformsPasses();
  pp::registerAllPasses();

  DialectRegistry registry;
  pp::registerAllDialects(registry);

  auto [inputFilename, outputFilename] = registerAndParseCLIOptions(
      argc, argv, "pp: pipeline-parallel training compiler\n", registry);
  // Reports, traces, timelines, exports and the output are put in place
  // only once the whole run succeeded; a failed run changes no file.
  pp::OutputTransaction outputs;
  int status = pp::isONNXFileName(inputFilename)
                   ? runOnONNX(inputFilename, outputFilename, registry)
                   : asMainReturnCode(
                         runOnMLIR(inputFilename, outputFilename, registry));
  if (status != 0)
    return status;
  if (llvm::Error e = outputs.commit()) {
    llvm::errs() << "pp-opt: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
