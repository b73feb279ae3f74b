//===- ProgramFixture.h - Hand-written programs for tests -------*- C++ -*-===//
//
// Writes export directories from programs in protobuf text format, and
// provides the small training program most tests use:
//
//   F:  loss = test.mean(w * x)          (x: input "x", w: parameter "w")
//   B:  c0 = test.mean_grad(dloss, x);   input_grad x = c0 * w
//   W:  param_grad w = c0 * x
//
// with two elements per microbatch.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TEST_PROGRAMFIXTURE_H
#define PP_RUNTIME_TEST_PROGRAMFIXTURE_H

#include "TestUtil.h"

#include "program.pb.h"

#include <google/protobuf/text_format.h>

#include <string>

namespace pp::rt::test {

/// Replaces every `from` in `text` by `to`.
inline std::string substitute(std::string text, const std::string &from,
                              const std::string &to) {
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

/// Parses a program in text format; fails the test on a syntax error.
inline program::Program parseProgram(const std::string &text) {
  program::Program prog;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &prog))
      << text;
  return prog;
}

/// DIR/manifest.pbtxt (as given), DIR/stage0.pb (encoded from text) and
/// DIR/stage0.weights.
inline void writeProgramDir(const std::string &dir, const std::string &manifest,
                            const std::string &programText,
                            const std::string &weights) {
  writeFile(dir + "/manifest.pbtxt", manifest);
  std::string bytes;
  parseProgram(programText).SerializeToString(&bytes);
  writeFile(dir + "/stage0.pb", bytes);
  writeFile(dir + "/stage0.weights", weights);
}

/// The manifest of the linear program: input x of 2 * `microbatches`
/// elements of `dtype` (FLOAT32 or FLOAT64).
inline std::string linearManifest(const std::string &dtype = "FLOAT32",
                                  int microbatches = 2) {
  std::string text = R"(
format_version: 2
producer: "hand-written"
num_stages: 1
microbatches: $M
schedule: "1f1b"
loss: "output"
stages { stage: 0 program: "stage0.pb" weights: "stage0.weights" }
inputs { name: "x" type { dtype: $T shape: $B } }
)";
  text = substitute(text, "$M", std::to_string(microbatches));
  text = substitute(text, "$B", std::to_string(2 * microbatches));
  return substitute(text, "$T", dtype);
}

/// The linear program (see the file comment). `weightOp` computes W's
/// gradient from (c0, x): "test.mul" is right, a wrong op makes a wrong
/// gradient.
inline std::string linearProgram(
    const std::string &dtype = "FLOAT32", int microbatches = 2,
    const std::string &weightKernel = R"(op: "test.mul" inputs: 1 inputs: 0)") {
  std::string text = R"(
format_version: 2
producer: "hand-written"
stage: 0
num_stages: 1
microbatches: $M
parameters {
  name: "w" source_name: "W" type { dtype: $T shape: 2 }
  trainable: true offset: 0 length: $L
}
functions {
  name: "forward" role: FORWARD
  values { id: 0 name: "x" type { dtype: $T shape: 2 } }
  values { id: 1 name: "w" type { dtype: $T shape: 2 } }
  values { id: 2 name: "wx" type { dtype: $T shape: 2 } }
  values { id: 3 name: "loss" type { dtype: $T } }
  arguments { value: 0 role: INPUT key: "x" }
  parameters { value: 1 parameter: 0 }
  kernels { op: "test.mul" inputs: 1 inputs: 0 outputs: 2 location: "f:1" }
  kernels { op: "test.mean" inputs: 2 outputs: 3 location: "f:2" }
  results { value: 3 role: OUTPUT key: "loss" }
  results { value: 0 role: SAVED key: "s0" }
}
functions {
  name: "forward_backward_input" role: BACKWARD_INPUT
  values { id: 0 name: "x" type { dtype: $T shape: 2 } }
  values { id: 1 name: "dloss" type { dtype: $T } }
  values { id: 2 name: "c0" type { dtype: $T shape: 2 } }
  values { id: 3 name: "w" type { dtype: $T shape: 2 } }
  values { id: 4 name: "dx" type { dtype: $T shape: 2 } }
  arguments { value: 0 role: SAVED key: "s0" }
  arguments { value: 1 role: OUTPUT_GRAD key: "loss" }
  parameters { value: 3 parameter: 0 }
  kernels { op: "test.mean_grad" inputs: 1 inputs: 0 outputs: 2 }
  kernels { op: "test.mul" inputs: 2 inputs: 3 outputs: 4 }
  results { value: 4 role: INPUT_GRAD key: "x" }
  results { value: 2 role: COTANGENT key: "c0" }
}
functions {
  name: "forward_backward_weight" role: BACKWARD_WEIGHT
  values { id: 0 name: "x" type { dtype: $T shape: 2 } }
  values { id: 1 name: "c0" type { dtype: $T shape: 2 } }
  values { id: 2 name: "dw" type { dtype: $T shape: 2 } }
  arguments { value: 0 role: SAVED key: "s0" }
  arguments { value: 1 role: COTANGENT key: "c0" }
  kernels { $K outputs: 2 }
  results { value: 2 role: PARAM_GRAD key: "w" }
}
)";
  text = substitute(text, "$M", std::to_string(microbatches));
  text = substitute(text, "$L", dtype == "FLOAT64" ? "16" : "8");
  text = substitute(text, "$K", weightKernel);
  return substitute(text, "$T", dtype);
}

/// The weights file of the linear program: w = [0.5, -1].
inline std::string linearWeights(const std::string &dtype = "FLOAT32") {
  if (dtype == "FLOAT64") {
    double w[2] = {0.5, -1};
    return std::string(reinterpret_cast<char *>(w), sizeof(w));
  }
  float w[2] = {0.5f, -1};
  return std::string(reinterpret_cast<char *>(w), sizeof(w));
}

} // namespace pp::rt::test

#endif // PP_RUNTIME_TEST_PROGRAMFIXTURE_H
