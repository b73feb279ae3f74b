//===- ManifestWriter.cpp - The manifest of an export directory -----------===//

#include "ManifestWriter.h"

#include "pp/Dialect/PP/IR/PP.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <google/protobuf/text_format.h>

using namespace mlir;

namespace pp::exporter {

std::string getProducer() { return "pp-opt " PP_VERSION; }

std::string getProgramFileName(unsigned stage) {
  return "stage" + std::to_string(stage) + ".pb";
}

std::string getWeightsFileName(unsigned stage) {
  return "stage" + std::to_string(stage) + ".weights";
}

/// The absolute path of the model `module` was imported from, or "" for a
/// module that names none.
static FailureOr<std::string> getSourceModel(ModuleOp module) {
  auto model = module->getAttrOfType<StringAttr>("onnx.model");
  if (!model)
    return std::string();
  llvm::SmallString<256> path(model.getValue());
  std::error_code ec = llvm::sys::fs::make_absolute(path);
  llvm::sys::fs::file_status status;
  if (!ec)
    ec = llvm::sys::fs::status(path, status);
  if (!ec && !llvm::sys::fs::is_regular_file(status))
    ec = std::make_error_code(std::errc::not_supported);
  if (ec)
    return module.emitError()
           << "pp-export: the model the module was imported from ('"
           << model.getValue() << "', its onnx.model) cannot be read: "
           << (ec == std::errc::not_supported ? "it is not a regular file"
                                              : ec.message());
  return std::string(path);
}

/// The type of a whole batch of `microbatches` microbatches of `type`.
static program::TensorType stackMicrobatches(const program::TensorType &type,
                                             unsigned microbatches) {
  program::TensorType batch = type;
  if (batch.shape_size() > 0)
    batch.set_shape(0, batch.shape(0) * microbatches);
  return batch;
}

/// Appends the ports of role `role` of `program`'s forward functions to
/// `tensors`, once per key.
static void
addPorts(const program::Program &program, program::PortRole role,
         llvm::StringSet<> &seen,
         google::protobuf::RepeatedPtrField<program::ManifestTensor> &tensors) {
  for (const program::Function &function : program.functions()) {
    if (function.role() != program::FORWARD)
      continue;
    const auto &ports =
        role == program::INPUT ? function.arguments() : function.results();
    for (const program::Port &port : ports) {
      if (port.role() != role || !seen.insert(port.key()).second)
        continue;
      program::ManifestTensor &tensor = *tensors.Add();
      tensor.set_name(port.key());
      // Value ids are positions in `values`.
      *tensor.mutable_type() = stackMicrobatches(
          function.values(port.value()).type(), program.microbatches());
    }
  }
}

FailureOr<program::Manifest>
buildManifest(ModuleOp module, const ExportPlan &plan,
              llvm::ArrayRef<const program::Program *> programs) {
  FailureOr<std::string> source = getSourceModel(module);
  if (failed(source))
    return failure();
  program::Manifest manifest;
  manifest.set_format_version(program::FORMAT_VERSION_CURRENT);
  manifest.set_producer(getProducer());
  manifest.set_source_model(*source);
  manifest.set_num_stages(plan.numStages);
  manifest.set_microbatches(plan.microbatches);
  manifest.set_schedule(plan.schedule);
  manifest.set_virtual_stages(plan.chunks);
  manifest.set_placement(plan.placement.empty() ? "loop" : plan.placement);
  if (auto loss =
          module->getAttrOfType<StringAttr>(::pp::pp::PPDialect::kLossAttrName))
    manifest.set_loss(loss.str());
  llvm::StringSet<> inputs, outputs;
  for (auto [stage, program] : llvm::enumerate(programs)) {
    program::ManifestStage &entry = *manifest.add_stages();
    entry.set_stage(stage);
    entry.set_program(getProgramFileName(stage));
    entry.set_weights(getWeightsFileName(stage));
    addPorts(*program, program::INPUT, inputs, *manifest.mutable_inputs());
    addPorts(*program, program::OUTPUT, outputs, *manifest.mutable_outputs());
  }
  return manifest;
}

LogicalResult writeManifest(ModuleOp module, const program::Manifest &manifest,
                            StringRef path) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(manifest, &text))
    return module.emitError() << "pp-export: cannot print the manifest";
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_Text);
  if (!ec) {
    out << "# pp export manifest: pp.program.Manifest of "
           "runtime/proto/program.proto\n"
        << text;
    out.close();
    ec = out.error();
    out.clear_error();
  }
  if (ec)
    return module.emitError()
           << "pp-export: cannot write '" << path << "': " << ec.message();
  return success();
}

} // namespace pp::exporter
