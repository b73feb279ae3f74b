//===- SchedulePasses.h - pp's schedule passes ------------------*- C++ -*-===//

#ifndef PP_TRANSFORMS_SCHEDULEPASSES_H
#define PP_TRANSFORMS_SCHEDULEPASSES_H

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Transforms/OptionValues.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace pp {

#define GEN_PASS_DECL
#include "pp/Transforms/SchedulePasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "pp/Transforms/SchedulePasses.h.inc"

} // namespace pp

#endif // PP_TRANSFORMS_SCHEDULEPASSES_H
