//===- ExportPass.cpp - pp-export -----------------------------------------===//
//
// Writes the module as an export directory: the stage program with its
// functions and parameters, the weights file and the manifest, staged in a
// fresh directory and renamed into place once complete.
//
//===----------------------------------------------------------------------===//

#include "ExportPlan.h"
#include "ManifestWriter.h"
#include "ParameterTable.h"
#include "ProgramBuilder.h"
#include "Roles.h"
#include "StagingDirectory.h"
#include "WeightsWriter.h"

#include "pp/Export/ExportPasses.h"

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
  void runOnOperation() override;
};

/// The functions to export: those `pp-autodiff` gave a role, in module
/// order, or an inference module's `@forward`.
FailureOr<SmallVector<func::FuncOp>> selectFunctions(ModuleOp module) {
  SmallVector<func::FuncOp> functions;
  for (auto function : module.getOps<func::FuncOp>())
    if (function->hasAttr(training::kRoleAttr))
      functions.push_back(function);
  if (functions.empty())
    if (auto forward = module.lookupSymbol<func::FuncOp>("forward"))
      functions.push_back(forward);
  if (functions.empty())
    return module.emitError()
           << "pp-export: the module has no func.func @forward to export";
  return functions;
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

  program::Program program;
  program.set_format_version(program::FORMAT_VERSION_CURRENT);
  program.set_producer(getProducer());
  program.set_stage(0);
  program.set_num_stages(plan->numStages);
  program.set_microbatches(plan->microbatches);
  FailureOr<ParameterTable> table =
      ParameterTable::build(module, *functions, program);
  if (failed(table))
    return failure();
  for (func::FuncOp function : *functions)
    if (failed(buildFunction(function, *table, *program.add_functions())))
      return failure();
  if (llvm::none_of(program.functions(), [](const program::Function &f) {
        return f.role() == program::FORWARD;
      }))
    return module.emitError() << "pp-export: the functions with a pp.role "
                                 "include no forward function";

  FailureOr<program::Manifest> manifest =
      buildManifest(module, *plan, {&program});
  if (failed(manifest))
    return failure();

  // Every file goes to a staging directory first; it replaces `dir` only
  // once complete, and is deleted on failure.
  FailureOr<StagingDirectory> staging = StagingDirectory::create(module, dir);
  if (failed(staging))
    return failure();
  if (failed(writeWeights(module, staging->getFile(getWeightsFileName(0)),
                          *table, program)) ||
      failed(writeProgram(module, program,
                          staging->getFile(getProgramFileName(0)))) ||
      failed(writeManifest(module, *manifest,
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
