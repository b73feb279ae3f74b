//===- OptionValues.h - The values of pp's enumerated options ---*- C++ -*-===//
//
// The cl::values of the options that pp-partition-stages and pp-pipeline
// share, so that both accept and print the same names.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_OPTIONVALUES_H
#define PP_TRANSFORMS_OPTIONVALUES_H

#include "pp/Planning/Partition/Problem.h"

#include "llvm/Support/CommandLine.h"

namespace pp {

/// `method`: optimal, uniform or parameters.
inline llvm::cl::ValuesClass getMethodValues() {
  return llvm::cl::values(
      clEnumValN(partition::Method::Optimal, "optimal",
                 "the fastest slowest stage within the memory limit"),
      clEnumValN(partition::Method::Uniform, "uniform",
                 "the same number of blocks per stage"),
      clEnumValN(partition::Method::Parameters, "parameters",
                 "the same parameter bytes per stage"));
}

/// `granularity`: op or layer.
inline llvm::cl::ValuesClass getGranularityValues() {
  return llvm::cl::values(
      clEnumValN(partition::Granularity::Op, "op", "between any two ops"),
      clEnumValN(partition::Granularity::Layer, "layer",
                 "only between blocks (layer-level)"));
}

} // namespace pp

#endif // PP_TRANSFORMS_OPTIONVALUES_H
