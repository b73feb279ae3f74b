//===- NNDialect.cpp - The nn dialect -------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace pp::nn;

#include "pp/Dialect/NN/IR/NNInterfaces.cpp.inc"
#include "pp/Dialect/NN/IR/NNOpsDialect.cpp.inc"

#include "pp/Dialect/NN/IR/NNEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "pp/Dialect/NN/IR/NNAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "pp/Dialect/NN/IR/NNOps.cpp.inc"

void NNDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "pp/Dialect/NN/IR/NNAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "pp/Dialect/NN/IR/NNOps.cpp.inc"
      >();
}

Operation *NNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
