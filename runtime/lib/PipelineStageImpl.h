//===- PipelineStageImpl.h - What a pipeline stage holds --------*- C++ -*-===//
//
// The per-chunk plan a PipelineStage resolves once (which executor, where
// each argument comes from, where each result goes) and the per-microbatch
// state a step holds between actions. Private to the runtime library.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_LIB_PIPELINESTAGEIMPL_H
#define PP_RUNTIME_LIB_PIPELINESTAGEIMPL_H

#include "pp/Runtime/PipelineStage.h"

namespace pp::rt {

struct PipelineStage::Chunk {
  uint32_t chunk = 0, virtualStage = 0;
  FunctionExecutor forward, backwardInput, backwardWeight;
  bool hasBackward = false;

  /// F's arguments: a data input (index into dataNames) or a boundary
  /// input (position in the message received from the previous virtual
  /// stage).
  struct Arg {
    bool data;
    size_t index;
  };
  std::vector<Arg> forwardArgs;
  std::vector<std::string> dataNames;
  /// The message from the previous virtual stage: types and names.
  std::vector<TensorType> inTypes;
  std::vector<std::string> inNames;
  /// F's results: the loss (-1: none), the other outputs, and the boundary
  /// outputs in the order of the message to the next virtual stage.
  int lossResult = -1;
  std::vector<size_t> outputResults;
  std::vector<size_t> boundaryOut;
  std::vector<std::string> boundaryOutNames;
  /// F results that W reads (the others are released after B).
  std::vector<bool> forwardResultReadByW;

  /// B's arguments.
  struct BArg {
    enum Kind { Saved, LossSeed, ZeroSeed, Gradient } kind;
    size_t index; ///< F result (Saved) or message position (Gradient)
  };
  std::vector<BArg> backwardInputArgs;
  /// The message from the next virtual stage: gradient types and names.
  std::vector<TensorType> gradTypes;
  std::vector<std::string> gradNames;
  /// B's results sent to the previous virtual stage, in message order.
  std::vector<size_t> boundaryInGrad;
  std::vector<std::string> boundaryInGradNames;

  /// W's arguments: an F result (saved) or a B result (cotangent).
  struct WArg {
    bool saved;
    size_t index;
  };
  std::vector<WArg> backwardWeightArgs;
  /// For each W result, its accumulator (index into the chunk's list).
  std::vector<size_t> accumulatorOf;

  /// The chunks of this stage that hold the previous and the next virtual
  /// stage (-1: another stage, or none).
  int prevLocalChunk = -1, nextLocalChunk = -1;
};

struct PipelineStage::MicrobatchState {
  std::vector<Tensor> forwardResults;
  std::vector<Tensor> received;      ///< the boundary inputs (RF)
  std::vector<Tensor> receivedGrads; ///< the boundary outputs' gradients (RB)
  std::vector<Tensor> backwardResults;
  bool forwardDone = false, backwardInputDone = false, weightDone = false;
};

} // namespace pp::rt

#endif // PP_RUNTIME_LIB_PIPELINESTAGEIMPL_H
