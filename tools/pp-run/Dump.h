//===- Dump.h - pp-run --dump: loss, gradients, outputs ---------*- C++ -*-===//
//
//   DIR/loss.pb              the last step's loss, 0-d, named "loss"
//   DIR/grad/<file>.pb       one per trainable parameter, named by its
//                            source_name (the ONNX initializer)
//   DIR/outputs/<file>.pb    --infer: one per forward output, named by it
//
// <file> is the tensor's name made file-safe (rt::fileSafeName), with "_2",
// "_3", ... appended when two names map to one file; readers should key by
// the name inside the file. Stale .pb files in grad/ and outputs/ are
// removed first, so that each holds exactly this run's tensors.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TOOLS_PPRUN_DUMP_H
#define PP_TOOLS_PPRUN_DUMP_H

#include "pp/Runtime/Status.h"
#include "pp/Runtime/Tensor.h"

#include <map>
#include <string>
#include <vector>

namespace pp::run {

/// The loss (in the loss's element type) and the parameter gradients, by
/// the parameters' source names.
rt::Status writeTrainingDump(
    const std::string &dir, rt::DType lossType, double loss,
    const std::vector<std::pair<std::string, rt::Tensor>> &gradients);

/// The forward outputs of --infer, by output name.
rt::Status writeOutputsDump(const std::string &dir,
                            const std::map<std::string, rt::Tensor> &outputs);

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_DUMP_H
