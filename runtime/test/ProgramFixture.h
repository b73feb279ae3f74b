//===- ProgramFixture.h - Hand-written programs for tests -------*- C++ -*-===//
//
// Writes export directories from programs in protobuf text format, and
// provides the small training program most tests use:
//
//   F:  loss = test.mean(w * x)          (x: input "x", w: parameter "w")
//   B:  c0 = test.mean_grad(dloss, x);   input_grad x = c0 * w
//   W:  param_grad w = c0 * x
//
// with two elements per microbatch; and chains of several stages (below).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TEST_PROGRAMFIXTURE_H
#define PP_RUNTIME_TEST_PROGRAMFIXTURE_H

#include "TestUtil.h"

#include "program.pb.h"

#include <google/protobuf/text_format.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

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

//===----------------------------------------------------------------------===//
// Chains: several stages
//===----------------------------------------------------------------------===//
//
// A chain of virtual stages k = 0 .. n-1, each scaling its input by its own
// parameter "w<k>" (two elements per microbatch); the last returns the loss
// test.mean(w * h) (or, without a loss, output "y" = w * h):
//
//   F  vs<k>:                 in = x (k = 0) or boundary_in "h<k-1>";
//                             h<k> = test.mul(w<k>, in): boundary_out, or
//                             loss = test.mean(h) on the last
//   B  vs<k>_backward_input:  c0 = test.mean_grad(dloss, in) on the last,
//                             else test.scale(dh<k>) (boundary_out_grad);
//                             boundary_in_grad "h<k-1>" (input_grad "x" for
//                             k = 0) = c0 * w<k>
//   W  vs<k>_backward_weight: param_grad w<k> = c0 * in
//
// With `tied`, parameter "t" is also held (and given a param_grad) by the
// first and the last virtual stage.

/// The shape of a chain export.
struct ChainSpec {
  int stages = 2;
  int microbatches = 2;
  int chunks = 1; // per stage
  std::string placement = "loop";
  bool training = true;
  bool tied = false;

  int numVirtual() const { return stages * chunks; }
  /// Stage and chunk of virtual stage k (independent of the runtime's).
  std::pair<int, int> locate(int k) const {
    if (placement == "v")
      return k < stages ? std::make_pair(k, 0)
                        : std::make_pair(2 * stages - 1 - k, 1);
    return {k % stages, k / stages};
  }
  int virtualStage(int stage, int chunk) const {
    for (int k = 0; k < numVirtual(); ++k)
      if (locate(k) == std::make_pair(stage, chunk))
        return k;
    return -1;
  }
  bool holdsTied(int stage) const {
    return tied && (locate(0).first == stage ||
                    locate(numVirtual() - 1).first == stage);
  }
};

/// The manifest of a chain: input x, channels h<k>, the tie of "t" when
/// two stages hold it.
inline std::string chainManifest(const ChainSpec &spec) {
  std::string text = "format_version: 2\nproducer: \"hand-written\"\n"
                     "num_stages: " +
                     std::to_string(spec.stages) +
                     "\nmicrobatches: " + std::to_string(spec.microbatches) +
                     "\nschedule: \"hand-written\"\n";
  if (spec.training)
    text += "loss: \"output\"\n";
  for (int s = 0; s < spec.stages; ++s)
    text += "stages { stage: " + std::to_string(s) + " program: \"stage" +
            std::to_string(s) + ".pb\" weights: \"stage" + std::to_string(s) +
            ".weights\" }\n";
  text += "inputs { name: \"x\" type { dtype: FLOAT32 shape: " +
          std::to_string(2 * spec.microbatches) + " } }\n";
  text += "virtual_stages: " + std::to_string(spec.chunks) + "\nplacement: \"" +
          spec.placement + "\"\n";
  for (int k = 0; k + 1 < spec.numVirtual(); ++k) {
    std::string tensor = "{ name: \"h" + std::to_string(k) +
                         "\" type { dtype: FLOAT32 shape: 2 } }";
    text += "channels { virtual_stage: " + std::to_string(k) +
            " from_stage: " + std::to_string(spec.locate(k).first) +
            " to_stage: " + std::to_string(spec.locate(k + 1).first) +
            "\n  activations " + tensor;
    if (spec.training)
      text += "\n  gradients " + tensor;
    text += "\n}\n";
  }
  int first = spec.locate(0).first,
      last = spec.locate(spec.numVirtual() - 1).first;
  if (spec.tied && first != last)
    text += "tied { name: \"t\" stages: " + std::to_string(first) +
            " stages: " + std::to_string(last) + " }\n";
  return text;
}

/// The functions of virtual stage k, held as `chunk`; `w` and `t` are the
/// indices of its parameters ("t" only with `tied` on the first and last).
inline std::string chainFunctions(const ChainSpec &spec, int k, int chunk,
                                  int w, int t) {
  std::string n = std::to_string(k), prev = std::to_string(k - 1);
  bool last = k + 1 == spec.numVirtual();
  bool holdsT = spec.tied && (k == 0 || last);
  std::string head =
      "  chunk: " + std::to_string(chunk) + " virtual_stage: " + n + "\n";
  std::string in = k == 0 ? "role: INPUT key: \"x\""
                          : "role: BOUNDARY_IN key: \"h" + prev + "\"";
  std::string f =
      "functions {\n  name: \"vs" + n + "\" role: FORWARD\n" + head +
      "  values { id: 0 type { dtype: FLOAT32 shape: 2 } }\n"
      "  values { id: 1 type { dtype: FLOAT32 shape: 2 } }\n"
      "  values { id: 2 type { dtype: FLOAT32 shape: 2 } }\n"
      "  values { id: 3 type { dtype: FLOAT32 } }\n"
      "  arguments { value: 0 " +
      in + " }\n  parameters { value: 1 parameter: " + std::to_string(w) +
      " }\n";
  if (holdsT)
    f += "  values { id: 4 type { dtype: FLOAT32 shape: 2 } }\n"
         "  parameters { value: 4 parameter: " +
         std::to_string(t) + " }\n";
  f += "  kernels { op: \"test.mul\" inputs: 1 inputs: 0 outputs: 2 }\n";
  if (last && spec.training)
    f += "  kernels { op: \"test.mean\" inputs: 2 outputs: 3 }\n"
         "  results { value: 3 role: OUTPUT key: \"loss\" }\n";
  else if (last)
    f += "  results { value: 2 role: OUTPUT key: \"y\" }\n";
  else
    f += "  results { value: 2 role: BOUNDARY_OUT key: \"h" + n + "\" }\n";
  f += "  results { value: 0 role: SAVED key: \"s0\" }\n}\n";
  if (!spec.training)
    return f;

  std::string b = "functions {\n  name: \"vs" + n +
                  "_backward_input\" role: BACKWARD_INPUT\n" + head +
                  "  values { id: 0 type { dtype: FLOAT32 shape: 2 } }\n";
  if (last)
    b += "  values { id: 1 type { dtype: FLOAT32 } }\n"
         "  arguments { value: 0 role: SAVED key: \"s0\" }\n"
         "  arguments { value: 1 role: OUTPUT_GRAD key: \"loss\" }\n";
  else
    b += "  values { id: 1 type { dtype: FLOAT32 shape: 2 } }\n"
         "  arguments { value: 0 role: SAVED key: \"s0\" }\n"
         "  arguments { value: 1 role: BOUNDARY_OUT_GRAD key: \"h" +
         n + "\" }\n";
  b += "  values { id: 2 type { dtype: FLOAT32 shape: 2 } }\n"
       "  values { id: 3 type { dtype: FLOAT32 shape: 2 } }\n"
       "  values { id: 4 type { dtype: FLOAT32 shape: 2 } }\n"
       "  parameters { value: 3 parameter: " +
       std::to_string(w) + " }\n";
  b += last ? "  kernels { op: \"test.mean_grad\" inputs: 1 inputs: 0 "
              "outputs: 2 }\n"
            : "  kernels { op: \"test.scale\" inputs: 1 outputs: 2 "
              "attributes { name: \"factor\" f: 1 } }\n";
  b += "  kernels { op: \"test.mul\" inputs: 2 inputs: 3 outputs: 4 }\n";
  b += k == 0 ? "  results { value: 4 role: INPUT_GRAD key: \"x\" }\n"
              : "  results { value: 4 role: BOUNDARY_IN_GRAD key: \"h" + prev +
                    "\" }\n";
  b += "  results { value: 2 role: COTANGENT key: \"c0\" }\n}\n";

  std::string wf = "functions {\n  name: \"vs" + n +
                   "_backward_weight\" role: BACKWARD_WEIGHT\n" + head +
                   "  values { id: 0 type { dtype: FLOAT32 shape: 2 } }\n"
                   "  values { id: 1 type { dtype: FLOAT32 shape: 2 } }\n"
                   "  values { id: 2 type { dtype: FLOAT32 shape: 2 } }\n"
                   "  arguments { value: 0 role: SAVED key: \"s0\" }\n"
                   "  arguments { value: 1 role: COTANGENT key: \"c0\" }\n"
                   "  kernels { op: \"test.mul\" inputs: 1 inputs: 0 "
                   "outputs: 2 }\n"
                   "  results { value: 2 role: PARAM_GRAD key: \"w" +
                   n + "\" }\n";
  if (holdsT)
    wf += "  values { id: 3 type { dtype: FLOAT32 shape: 2 } }\n"
          "  kernels { op: \"test.mul\" inputs: 1 inputs: 0 outputs: 3 }\n"
          "  results { value: 3 role: PARAM_GRAD key: \"t\" }\n";
  wf += "}\n";
  return f + b + wf;
}

/// Actions in protobuf text format from the schedule text form
/// (docs/Schedules.md): "F0 SF0>1 RB0.1<1 BW0 W1 TR~1 OPT".
inline std::string actionsText(const std::string &schedule) {
  static const std::pair<const char *, const char *> kinds[] = {
      {"BW", "BACKWARD"},      {"SF", "SEND_FORWARD"},  {"RF", "RECV_FORWARD"},
      {"SB", "SEND_BACKWARD"}, {"RB", "RECV_BACKWARD"}, {"F", "FORWARD"},
      {"B", "BACKWARD_INPUT"}, {"W", "BACKWARD_WEIGHT"}};
  std::string out;
  size_t at = 0;
  while (at < schedule.size()) {
    size_t end = schedule.find(' ', at);
    if (end == std::string::npos)
      end = schedule.size();
    std::string token = schedule.substr(at, end - at);
    at = end + 1;
    if (token.empty())
      continue;
    if (token == "OPT") {
      out += "actions { kind: OPTIMIZER_STEP peer: -1 }\n";
      continue;
    }
    if (token.rfind("TR~", 0) == 0) {
      out += "actions { kind: REDUCE_TIED peer: " + token.substr(3) + " }\n";
      continue;
    }
    const char *kind = nullptr;
    size_t rest = 0;
    for (const auto &[prefix, name] : kinds)
      if (token.rfind(prefix, 0) == 0) {
        kind = name;
        rest = std::string(prefix).size();
        break;
      }
    EXPECT_TRUE(kind) << "bad action " << token;
    if (!kind)
      continue;
    size_t peerAt = token.find_first_of("<>");
    std::string numbers = token.substr(rest, peerAt - rest);
    size_t dot = numbers.find('.');
    out += std::string("actions { kind: ") + kind +
           " microbatch: " + numbers.substr(0, dot);
    if (dot != std::string::npos)
      out += " chunk: " + numbers.substr(dot + 1);
    out += " peer: " +
           (peerAt == std::string::npos ? "-1" : token.substr(peerAt + 1)) +
           " }\n";
  }
  return out;
}

/// Stage `stage`'s program of the chain with `schedule` (text form) as its
/// actions: w<k> of each chunk at 64-byte steps, then "t" when held.
inline std::string chainProgram(const ChainSpec &spec, int stage,
                                const std::string &schedule) {
  std::string text =
      "format_version: 2\nproducer: \"hand-written\"\n"
      "stage: " +
      std::to_string(stage) + "\nnum_stages: " + std::to_string(spec.stages) +
      "\nmicrobatches: " + std::to_string(spec.microbatches) + "\n";
  std::string trainable = spec.training ? "true" : "false";
  for (int c = 0; c < spec.chunks; ++c)
    text += "parameters { name: \"w" +
            std::to_string(spec.virtualStage(stage, c)) +
            "\" type { dtype: FLOAT32 shape: 2 } trainable: " + trainable +
            " offset: " + std::to_string(64 * c) + " length: 8 }\n";
  if (spec.holdsTied(stage))
    text += "parameters { name: \"t\" type { dtype: FLOAT32 shape: 2 } "
            "trainable: " +
            trainable + " offset: " + std::to_string(64 * spec.chunks) +
            " length: 8 }\n";
  for (int c = 0; c < spec.chunks; ++c)
    text +=
        chainFunctions(spec, spec.virtualStage(stage, c), c, c, spec.chunks);
  return text + actionsText(schedule);
}

/// A chain schedule that cannot deadlock: every microbatch's forwards
/// through all virtual stages, then (with a loss) every microbatch's
/// backwards in reverse, each transfer put on both stages at the same
/// point of one global order; then TR between the holders of "t" and OPT.
inline std::vector<std::string> chainSchedule(const ChainSpec &spec) {
  std::vector<std::string> lists(size_t(spec.stages));
  auto add = [&](int stage, const std::string &kind, int mb, int chunk,
                 const std::string &peer = "") {
    std::string &list = lists[size_t(stage)];
    list += (list.empty() ? "" : " ") + kind + std::to_string(mb);
    if (spec.chunks > 1)
      list += "." + std::to_string(chunk);
    list += peer;
  };
  int n = spec.numVirtual();
  for (int mb = 0; mb < spec.microbatches; ++mb)
    for (int k = 0; k < n; ++k) {
      auto [s, c] = spec.locate(k);
      add(s, "F", mb, c);
      if (k + 1 == n || spec.locate(k + 1).first == s)
        continue;
      auto [t, d] = spec.locate(k + 1);
      add(s, "SF", mb, c, ">" + std::to_string(t));
      add(t, "RF", mb, d, "<" + std::to_string(s));
    }
  if (!spec.training)
    return lists;
  for (int mb = 0; mb < spec.microbatches; ++mb)
    for (int k = n - 1; k >= 0; --k) {
      auto [s, c] = spec.locate(k);
      add(s, "B", mb, c);
      add(s, "W", mb, c);
      if (k == 0 || spec.locate(k - 1).first == s)
        continue;
      auto [t, d] = spec.locate(k - 1);
      add(s, "SB", mb, c, ">" + std::to_string(t));
      add(t, "RB", mb, d, "<" + std::to_string(s));
    }
  int first = spec.locate(0).first, last = spec.locate(n - 1).first;
  if (spec.tied && first != last) {
    lists[size_t(first)] += " TR~" + std::to_string(last);
    lists[size_t(last)] += " TR~" + std::to_string(first);
  }
  for (std::string &list : lists)
    list += " OPT";
  return lists;
}

/// Writes DIR/manifest.pbtxt and, per program text, DIR/stage<N>.pb and a
/// weights file of 64 bytes per parameter slot (w<k> = [1, 2]).
inline void writeChainDir(const std::string &dir, const std::string &manifest,
                          const std::vector<std::string> &programs,
                          int slots = 3) {
  writeFile(dir + "/manifest.pbtxt", manifest);
  std::string weights(size_t(64 * slots), '\0');
  float w[2] = {1, 2};
  for (int i = 0; i < slots; ++i)
    std::memcpy(&weights[size_t(64 * i)], w, sizeof(w));
  for (size_t s = 0; s < programs.size(); ++s) {
    std::string bytes;
    parseProgram(programs[s]).SerializeToString(&bytes);
    writeFile(dir + "/stage" + std::to_string(s) + ".pb", bytes);
    writeFile(dir + "/stage" + std::to_string(s) + ".weights", weights);
  }
}

} // namespace pp::rt::test

#endif // PP_RUNTIME_TEST_PROGRAMFIXTURE_H
