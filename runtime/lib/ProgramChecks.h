//===- ProgramChecks.h - The loader's checks, one function each -*- C++ -*-===//
//
// Internal to the loader: the checks of the manifest's pipeline layout
// (ProgramManifest.cpp), of the boundary ports against the channels
// (ProgramBoundaries.cpp) and of the sends and receives across stages
// (ProgramReplay.cpp). The per-program action checks are public
// (`verifyActions`, ProgramActions.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_LIB_PROGRAMCHECKS_H
#define PP_RUNTIME_LIB_PROGRAMCHECKS_H

#include "pp/Runtime/Program.h"

#include <string>
#include <utility>
#include <vector>

namespace pp::rt::detail {

/// A port's key and type, in the function's port order.
using TypedPorts = std::vector<std::pair<std::string, TensorType>>;

/// "loop" (or empty) or "v", "v" only with two chunks per stage.
Status verifyPlacement(const program::Manifest &manifest,
                       const std::string &path);
/// One channel per boundary in order, between the stages the placement
/// gives, with named, typed, distinct tensors; gradients a subsequence of
/// the activations with their types.
Status verifyChannels(const program::Manifest &manifest,
                      const std::string &path);
/// Each tie names a parameter once and lists at least two distinct
/// existing stages in ascending order.
Status verifyTiedList(const program::Manifest &manifest,
                      const std::string &path);
/// Each tie's parameter is trainable and of one type in every listed
/// stage's program, and every trainable parameter held by several programs
/// is tied over exactly those.
Status verifyTiedParameters(const ProgramDirectory &dir);
/// Whether stages `a` and `b` hold a tied parameter together.
bool shareTiedParameter(const program::Manifest &manifest, uint32_t a,
                        uint32_t b);

/// The boundary ports of forward function `fn` (described by `what`, of
/// virtual stage `k`) against channels k-1 and k: `in` its boundary_in
/// arguments, `out` its boundary_out results.
Status verifyForwardBoundaries(const program::Manifest &manifest,
                               const std::string &manifestPath,
                               const std::string &what, uint32_t k,
                               const TypedPorts &in, const TypedPorts &out);
/// The same for backward-input function: `outGrad` its boundary_out_grad
/// arguments (channel k's gradients), `inGrad` its boundary_in_grad results
/// (channel k-1's gradients).
Status verifyBackwardBoundaries(const program::Manifest &manifest,
                                const std::string &manifestPath,
                                const std::string &what, uint32_t k,
                                const TypedPorts &outGrad,
                                const TypedPorts &inGrad);

/// Pairs the sends and receives between every two stages (in order) and
/// the tied reductions; then replays all lists with blocking rendezvous.
Status verifyCommunication(const ProgramDirectory &dir);

} // namespace pp::rt::detail

#endif // PP_RUNTIME_LIB_PROGRAMCHECKS_H
