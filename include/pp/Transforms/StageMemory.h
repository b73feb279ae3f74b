//===- StageMemory.h - The memory model's figures from the IR ---*- C++ -*-===//
//
// Reads the byte-accurate memory model (pp/Planning/Schedule/MemoryModel.h)
// off an outlined, differentiated module: for each stage chunk, what its
// forward (F), backward-input (B) and backward-weight (W) functions
// allocate and keep, by simulating the runtime's function executor on them
// (every op but a parameter load is a kernel whose results are allocated
// before it runs; reshape-like ops are views; a value is released after
// its last reader; a result that shares a parameter's or another result's
// buffer is copied). Shared by pp-recompute, pp-schedule and pp-simulate.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_STAGEMEMORY_H
#define PP_TRANSFORMS_STAGEMEMORY_H

#include "pp/Planning/Schedule/MemoryModel.h"
#include "pp/Planning/Schedule/Schedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <vector>

namespace pp {

/// What one run of a function allocates, as the runtime's executor does.
struct FunctionMemory {
  /// Most pool bytes the run had allocated at once (temporaries and the
  /// results made so far), its arguments not counted.
  double Peak = 0;
  /// Per result: the pool bytes it holds (0 for a result that keeps a
  /// data-input argument's buffer).
  std::vector<double> ResultBytes;
  /// Per result: the argument whose buffer it keeps, or -1.
  std::vector<int> ResultArgument;
  /// The largest scratch buffer a kernel asks the stage's context for (a
  /// convolution's column matrix of one image); the context keeps it.
  double Scratch = 0;
};

/// Simulates the executor on `func` (one block).
FunctionMemory computeFunctionMemory(mlir::func::FuncOp func);

/// The memory figures of the chunk whose forward function is `forward`
/// (with its B and W next to it), or of a forward without backward. With
/// `scratch`, also the largest kernel scratch of the three functions.
sched::ChunkMemory computeChunkMemory(mlir::func::FuncOp forward,
                                      double *scratch = nullptr);

/// The memory of every stage of an outlined module with `numStages`
/// stages of `chunks` chunks each, the optimizer keeping `optimizerStates`
/// buffers per trainable parameter; std::nullopt when the module has no
/// outlined stage functions (a plan before pp-outline-stages).
std::optional<std::vector<sched::StageMemory>>
computeStageMemory(mlir::ModuleOp module, int numStages, int chunks,
                   int optimizerStates);

} // namespace pp

#endif // PP_TRANSFORMS_STAGEMEMORY_H
