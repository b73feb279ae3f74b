//===- ONNX.cpp - Entry points of the ONNX importer -----------------------===//

#include "pp/Import/ONNX.h"

#include "GraphImporter.h"
#include "ModelLoader.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;

namespace pp {

bool isONNXFileName(llvm::StringRef path) {
  return path.ends_with(".onnx") || path.ends_with(".onnxtext");
}

bool parseDimBinding(llvm::StringRef binding, ONNXImportOptions &options,
                     std::string &error) {
  auto [name, size] = binding.rsplit('=');
  int64_t value;
  if (name.empty() || size.empty() || size.getAsInteger(10, value) ||
      value < 1) {
    // A size of 0 would make an empty batch, whose loss is NaN.
    error = ("--dim '" + binding +
             "' must be NAME=SIZE (a dim_param name, or INPUT:AXIS for an "
             "unnamed dimension) with a positive integer SIZE")
                .str();
    return false;
  }
  auto [it, inserted] = options.dims.try_emplace(name, value);
  if (!inserted && it->second != value) {
    error = ("--dim " + name + " is given twice, as " +
             llvm::Twine(it->second) + " and " + llvm::Twine(value))
                .str();
    return false;
  }
  return true;
}

void registerONNXImportDialects(DialectRegistry &registry) {
  registry
      .insert<nn::NNDialect, func::FuncDialect, ml_program::MLProgramDialect>();
}

/// Imports `model` once it has been read, or reports why it could not be.
static OwningOpRef<ModuleOp> importModel(llvm::Error loadError,
                                         const onnx::ModelProto &model,
                                         llvm::StringRef path,
                                         MLIRContext *context,
                                         const ONNXImportOptions &options) {
  context->loadDialect<nn::NNDialect, func::FuncDialect,
                       ml_program::MLProgramDialect>();
  if (loadError) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << llvm::toString(std::move(loadError));
    return nullptr;
  }
  TimingScope timing =
      options.timing ? options.timing->nest("Build IR") : TimingScope();
  return onnx_import::GraphImporter(context, model, path, options).run();
}

OwningOpRef<ModuleOp> importONNXFile(llvm::StringRef path, MLIRContext *context,
                                     const ONNXImportOptions &options) {
  onnx::ModelProto model;
  TimingScope timing =
      options.timing ? options.timing->nest("Read protobuf") : TimingScope();
  llvm::Error error = onnx_import::loadModel(path, model);
  timing.stop();
  return importModel(std::move(error), model, path, context, options);
}

OwningOpRef<ModuleOp> importONNXBuffer(llvm::StringRef bytes, bool isText,
                                       llvm::StringRef bufferName,
                                       MLIRContext *context,
                                       const ONNXImportOptions &options) {
  onnx::ModelProto model;
  llvm::Error error = onnx_import::loadModelFromBuffer(bytes, isText, model);
  return importModel(std::move(error), model, bufferName, context, options);
}

} // namespace pp
