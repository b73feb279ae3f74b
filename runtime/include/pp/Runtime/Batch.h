//===- Batch.h - The data of one training step ------------------*- C++ -*-===//

#ifndef PP_RUNTIME_BATCH_H
#define PP_RUNTIME_BATCH_H

#include "pp/Runtime/Tensor.h"

#include <map>
#include <string>

namespace pp::rt {

/// The data of one step: whole-batch tensors (the microbatches stacked along
/// axis 0) by manifest input name.
using Batch = std::map<std::string, Tensor>;

} // namespace pp::rt

#endif // PP_RUNTIME_BATCH_H
