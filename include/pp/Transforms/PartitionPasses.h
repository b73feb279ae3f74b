//===- PartitionPasses.h - pp's partition passes ----------------*- C++ -*-===//

#ifndef PP_TRANSFORMS_PARTITIONPASSES_H
#define PP_TRANSFORMS_PARTITIONPASSES_H

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Planning/Partition/Problem.h"
#include "pp/Planning/Schedule/Generators.h"
#include "pp/Transforms/OptionValues.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace pp {

#define GEN_PASS_DECL
#include "pp/Transforms/PartitionPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "pp/Transforms/PartitionPasses.h.inc"

} // namespace pp

#endif // PP_TRANSFORMS_PARTITIONPASSES_H
