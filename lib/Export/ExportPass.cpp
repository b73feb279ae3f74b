//===- ExportPass.cpp - pp-export -----------------------------------------===//
//
// Writes the module as an export directory: one program per stage with its
// functions, parameters and action list, its weights file, and the
// manifest with the channels between stages, staged in a fresh directory
// and renamed into place once complete.
//
//===----------------------------------------------------------------------===//

#include "Channels.h"
#include "ExportPlan.h"
#include "ManifestWriter.h"
#include "ParameterTable.h"
#include "PlanSimulation.h"
#include "ProgramBuilder.h"
#include "Roles.h"
#include "StageActions.h"
#include "StagingDirectory.h"
#include "WeightsWriter.h"

#include "pp/Export/ExportPasses.h"
#include "pp/Transforms/ScheduleIR.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace pp {
#define GEN_PASS_DEF_PPEXPORT
#include "pp/Export/ExportPasses.h.inc"
} // namespace pp

using namespace mlir;

namespace pp::exporter {
namespace {

struct ExportPass : public ::pp::impl::PPExportBase<ExportPass> {
  using PPExportBase::PPExportBase;

  /// `--pp-export=DIR` and `pp-export{DIR}` name the directory alone: an
  /// option string without `=` is the value of `dir`.
  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    StringRef trimmed = options.trim();
    if (!trimmed.empty() && !trimmed.contains('=')) {
      dir = trimmed.str();
      return success();
    }
    return PPExportBase::initializeOptions(options, errorHandler);
  }

  void runOnOperation() override;
};

/// The functions to export, in module order: those `pp-autodiff` gave a
/// role; else the stage functions of pp-outline-stages (inference); else
/// an inference module's `@forward`.
FailureOr<SmallVector<func::FuncOp>> selectFunctions(ModuleOp module) {
  SmallVector<func::FuncOp> functions;
  for (auto function : module.getOps<func::FuncOp>())
    if (function->hasAttr(training::kRoleAttr))
      functions.push_back(function);
  if (functions.empty())
    for (auto function : module.getOps<func::FuncOp>())
      if (function->hasAttr(::pp::pp::PPDialect::kVirtualStageAttrName))
        functions.push_back(function);
  if (functions.empty())
    if (auto forward = module.lookupSymbol<func::FuncOp>("forward"))
      functions.push_back(forward);
  if (functions.empty())
    return module.emitError()
           << "pp-export: the module has no func.func @forward to export";
  return functions;
}

/// The stage a function runs on: its `pp.stage` (pp-outline-stages), else
/// 0.
unsigned getFunctionStage(func::FuncOp function) {
  auto stage =
      function->getAttrOfType<IntegerAttr>(::pp::pp::PPDialect::kStageAttrName);
  return stage ? stage.getInt() : 0;
}

/// Writes `program` in binary to `path`.
LogicalResult writeProgram(ModuleOp module, const program::Program &program,
                           StringRef path) {
  std::string bytes;
  if (!program.SerializeToString(&bytes))
    return module.emitError() << "pp-export: cannot serialise the program";
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec);
  if (!ec) {
    out << bytes;
    out.close();
    ec = out.error();
    out.clear_error();
  }
  if (ec)
    return module.emitError()
           << "pp-export: cannot write '" << path << "': " << ec.message();
  return success();
}

/// One stage's program and its parameters.
struct StageExport {
  program::Program program;
  std::optional<ParameterTable> table;
};

/// Builds the program of stage `stage` from its `functions`.
LogicalResult buildStage(ModuleOp module, const ExportPlan &plan,
                         unsigned stage, ArrayRef<func::FuncOp> functions,
                         const sched::Schedule *schedule, StageExport &out) {
  program::Program &program = out.program;
  program.set_format_version(program::FORMAT_VERSION_CURRENT);
  program.set_producer(getProducer());
  program.set_stage(stage);
  program.set_num_stages(plan.numStages);
  program.set_microbatches(plan.microbatches);
  FailureOr<ParameterTable> table =
      ParameterTable::build(module, functions, program);
  if (failed(table))
    return failure();
  out.table = std::move(*table);
  for (func::FuncOp function : functions)
    if (failed(buildFunction(function, *out.table, *program.add_functions())))
      return failure();
  if (llvm::none_of(program.functions(), [](const program::Function &f) {
        return f.role() == program::FORWARD;
      }))
    return module.emitError()
           << "pp-export: stage " << stage
           << " has no forward function among the functions to export";
  if (schedule)
    encodeActions(*schedule, stage, program);
  return success();
}

/// Builds and writes the export; fails after emitting an error.
LogicalResult exportModule(ModuleOp module, StringRef dir) {
  if (dir.empty())
    return module.emitError() << "pp-export: option 'dir' is empty; name the "
                                 "directory to write (--pp-export=DIR)";
  FailureOr<ExportPlan> plan = readExportPlan(module);
  if (failed(plan))
    return failure();
  FailureOr<SmallVector<func::FuncOp>> functions = selectFunctions(module);
  if (failed(functions))
    return failure();

  // Functions by stage; a stage without any is a module that was not
  // outlined (pp-outline-stages).
  std::vector<SmallVector<func::FuncOp>> byStage(plan->numStages);
  for (func::FuncOp function : *functions) {
    unsigned stage = getFunctionStage(function);
    if (stage >= plan->numStages)
      return function.emitError()
             << "pp-export: @" << function.getSymName() << " runs on stage "
             << stage << ", but the plan has " << plan->numStages << " stages";
    byStage[stage].push_back(function);
  }
  for (unsigned s = 0; s < plan->numStages; ++s)
    if (byStage[s].empty())
      return module.emitError()
             << "pp-export: no function runs on stage " << s << " of "
             << plan->numStages
             << ": outline the stages first (pp-outline-stages, part of "
                "--pp-pipeline)";

  std::optional<sched::Schedule> schedule;
  if (plan->scheduleOp)
    schedule = toSchedule(plan->scheduleOp);
  std::vector<StageExport> stages(plan->numStages);
  SmallVector<const program::Program *> programs;
  for (unsigned s = 0; s < plan->numStages; ++s) {
    if (failed(buildStage(module, *plan, s, byStage[s],
                          schedule ? &*schedule : nullptr, stages[s])))
      return failure();
    programs.push_back(&stages[s].program);
  }

  FailureOr<program::Manifest> manifest =
      buildManifest(module, *plan, programs);
  if (failed(manifest) ||
      failed(addChannelsAndTies(module, *plan, programs, *manifest)) ||
      failed(addSimulation(module, *plan, *manifest)) ||
      failed(addMemoryPlan(module, *plan, *manifest)))
    return failure();

  // Every file goes to a staging directory first; it replaces `dir` only
  // once complete, and is deleted on failure.
  FailureOr<StagingDirectory> staging = StagingDirectory::create(module, dir);
  if (failed(staging))
    return failure();
  for (unsigned s = 0; s < plan->numStages; ++s)
    if (failed(writeWeights(module, staging->getFile(getWeightsFileName(s)),
                            *stages[s].table, stages[s].program)) ||
        failed(writeProgram(module, stages[s].program,
                            staging->getFile(getProgramFileName(s)))))
      return failure();
  if (failed(writeManifest(module, *manifest,
                           staging->getFile(kManifestFileName))))
    return failure();
  return staging->commit(module);
}

void ExportPass::runOnOperation() {
  if (failed(exportModule(getOperation(), dir)))
    return signalPassFailure();
  markAllAnalysesPreserved();
}

} // namespace
} // namespace pp::exporter
