//===- Passes.h - pp's passes -----------------------------------*- C++ -*-===//

#ifndef PP_TRANSFORMS_PASSES_H
#define PP_TRANSFORMS_PASSES_H

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace pp {

#define GEN_PASS_DECL
#include "pp/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "pp/Transforms/Passes.h.inc"

} // namespace pp

#endif // PP_TRANSFORMS_PASSES_H
