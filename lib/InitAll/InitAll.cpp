//===- InitAll.cpp - Every dialect and pass of pp, for a host -------------===//

#include "pp/InitAll.h"

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Export/ExportPasses.h"
#include "pp/Import/ONNX.h"
#include "pp/Transforms/PartitionPasses.h"
#include "pp/Transforms/Passes.h"
#include "pp/Transforms/Pipeline.h"
#include "pp/Transforms/SchedulePasses.h"
#include "pp/Transforms/TrainingPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

void pp::registerAllDialects(mlir::DialectRegistry &registry) {
  registerONNXImportDialects(registry);
  registry.insert<pp::PPDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();
}

void pp::registerAllPasses() {
  registerPPPasses();
  registerPartitionPasses();
  registerSchedulePasses();
  registerTrainingPasses();
  registerPPPipeline();
  registerExportPasses();
}
