//===- GradCheck.h - Gradients against finite differences -------*- C++ -*-===//
//
// Checks the gradients a program computes (B's input_grad results, W's
// param_grad results) element by element against central differences of
// its loss, (L(x + h) - L(x - h)) / 2h, with h = cbrt(epsilon) * max(1, |x|)
// of the element type. Every evaluation runs with the runner's step and the
// same microbatches, so counter-based random kernels (dropout) draw the same
// masks in every evaluation.
//
// The error of an element is |analytic - numeric| / max(|analytic|,
// |numeric|, 1e-3): relative for gradients of magnitude 1e-3 and above,
// absolute below, so that noise on gradients that should be zero does not
// count as a failure. The check is meaningful in f64; in f32 the
// differences are too coarse.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_GRADCHECK_H
#define PP_RUNTIME_GRADCHECK_H

#include "pp/Runtime/StepRunner.h"

#include <string>
#include <vector>

namespace pp::rt {

/// The outcome for one input or parameter.
struct TensorGradCheck {
  std::string name;   // input name or parameter source name
  bool input = false; // an input (input_grad) or a parameter (param_grad)
  TensorType type;
  double worstError = 0;
  int64_t worstIndex = -1; // flat index of the worst element; -1 if empty
  double analytic = 0, numeric = 0; // at the worst element
};

/// Fills a batch for the manifest's inputs with seeded random values:
/// floats uniform in [-1, 1), booleans 0 or 1, integers uniform in [0, n)
/// where n is the smallest bound a reader of the input puts on it (the
/// class count of a cross-entropy, the gathered axis of a gather) and 0
/// when no reader bounds it.
Status makeRandomBatch(const program::Manifest &manifest,
                       const program::Program &program, uint64_t seed,
                       Batch &out);

/// Fills every trainable parameter of `runner` with seeded values uniform in
/// [-1, 1).
void randomizeParameters(StepRunner &runner, uint64_t seed);

/// Checks every float input that has an input_grad result and every
/// trainable parameter. `batch` and the parameters are perturbed during the
/// check and restored exactly afterwards.
Status gradCheck(StepRunner &runner, Batch &batch,
                 std::vector<TensorGradCheck> &out);

} // namespace pp::rt

#endif // PP_RUNTIME_GRADCHECK_H
