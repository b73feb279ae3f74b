//===- PP.h - The pp dialect: dialect and ops -------------------*- C++ -*-===//

#ifndef PP_DIALECT_PP_IR_PP_H
#define PP_DIALECT_PP_IR_PP_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "pp/Dialect/PP/IR/PPOpsDialect.h.inc"

#include "pp/Dialect/PP/IR/PPEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "pp/Dialect/PP/IR/PPAttrs.h.inc"

#define GET_OP_CLASSES
#include "pp/Dialect/PP/IR/PPOps.h.inc"

#endif // PP_DIALECT_PP_IR_PP_H
