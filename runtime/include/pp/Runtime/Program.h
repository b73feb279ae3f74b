//===- Program.h - Loading an exported program directory --------*- C++ -*-===//
//
// `pp-opt --pp-export=DIR` writes DIR/manifest.pbtxt, DIR/stage<N>.pb and
// DIR/stage<N>.weights (docs/Training.md, "Export"). `loadProgramDirectory`
// reads all of them, refuses another format version, checks every id, type
// and port of every function (a program that loads is one the executor can
// run without further checks), and maps each stage's weights file
// copy-on-write, so that parameters are updated in place without writing
// back to the file.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_PROGRAM_H
#define PP_RUNTIME_PROGRAM_H

#include "pp/Runtime/Status.h"
#include "pp/Runtime/Tensor.h"
#include "pp/Support/PipelineLimits.h"

#include "program.pb.h"

#include <memory>
#include <string>
#include <vector>

namespace pp::rt {

/// The schema's messages (program.proto), as `program::Function` etc.
namespace program = ::pp::program;

/// The format version this runtime reads (program.proto's
/// FORMAT_VERSION_CURRENT).
constexpr uint32_t kProgramFormatVersion = program::FORMAT_VERSION_CURRENT;

/// The largest pipelines the runtime loads: those pp plans
/// (pp/Support/PipelineLimits.h). The loader sizes its tables by the
/// manifest's counts, so it refuses larger counts before anything is
/// allocated.
constexpr uint32_t kMaxStages = uint32_t(kMaxPipelineStages);
constexpr uint32_t kMaxMicrobatches = uint32_t(kMaxPipelineMicrobatches);
constexpr uint32_t kMaxChunksPerStage = uint32_t(kMaxPipelineChunks);
constexpr uint64_t kMaxScheduleUnits = uint64_t(kMaxPipelineUnits);

/// The largest tensor the runtime loads, as the importer: 2^48 bytes, so
/// that element and byte counts derived from shapes cannot overflow.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 48;

/// A stage's weights file, mapped privately (or read when it cannot be
/// mapped). Unmapped when the last owner goes.
class WeightsFile {
public:
  static Status open(const std::string &path,
                     std::shared_ptr<WeightsFile> &out);
  ~WeightsFile();
  WeightsFile(const WeightsFile &) = delete;
  WeightsFile &operator=(const WeightsFile &) = delete;

  char *data() const { return data_; }
  uint64_t size() const { return size_; }

private:
  WeightsFile() = default;
  char *data_ = nullptr;
  uint64_t size_ = 0;
  bool mapped_ = false;
};

/// One stage: its program and its parameters' storage.
struct StageProgram {
  std::string programPath;
  std::string weightsPath;
  program::Program program;
  std::shared_ptr<WeightsFile> weights;
  /// One tensor per `program.parameters` entry, viewing `weights`.
  std::vector<Tensor> parameters;
};

struct ProgramDirectory {
  std::string dir;
  std::string manifestPath;
  program::Manifest manifest;
  std::vector<StageProgram> stages; // by stage number
};

/// Reads and checks DIR (see the file comment). Errors name the file and
/// the function, kernel, value or parameter at fault.
Status loadProgramDirectory(const std::string &dir, ProgramDirectory &out);

/// The runtime type of a schema type; an error (prefixed with `what`) for an
/// unspecified element type, a negative dimension or more than
/// kMaxTensorBytes.
Status convertType(const program::TensorType &type, TensorType &out,
                   const std::string &what);

/// The function of `program` with `role` and `chunk`; null when absent.
const program::Function *findFunction(const program::Program &program,
                                      program::FunctionRole role,
                                      uint32_t chunk = 0);

/// Chunks per stage of `manifest` (its `virtual_stages`; 0 reads as 1).
uint32_t chunksPerStage(const program::Manifest &manifest);
/// Virtual stages of `manifest`: stages times chunks per stage.
uint32_t numVirtualStages(const program::Manifest &manifest);
/// The stage and local chunk that hold virtual stage `k` under the
/// manifest's placement: "v" puts k < p on stage k and k >= p on stage
/// 2p - 1 - k (chunk 1); "loop" (or none) puts k on stage k mod p as chunk
/// k div p.
std::pair<uint32_t, uint32_t>
locateVirtualStage(const program::Manifest &manifest, uint32_t k);
/// The virtual stage of local chunk `chunk` of stage `stage`.
uint32_t virtualStageOf(const program::Manifest &manifest, uint32_t stage,
                        uint32_t chunk);

/// "forward", "backward-input", "backward-weight"; "input", "output",
/// "saved", ... for messages.
const char *functionRoleName(program::FunctionRole role);
const char *portRoleName(program::PortRole role);

/// Checks one stage program against its manifest (the verifier behind
/// `loadProgramDirectory`). `path` (the program's file) starts the messages;
/// `weightsSize` bounds parameter byte ranges.
Status verifyProgram(const program::Program &program,
                     const program::Manifest &manifest,
                     const std::string &manifestPath, uint32_t stage,
                     uint64_t weightsSize, const std::string &path);

/// The schedule text form of `action` (docs/Schedules.md): `F3`, `BW0`,
/// `SF3>1`, `RB0<2`, `TR~3`, `OPT`; with several chunks per stage (or a
/// chunk other than 0) the chunk follows the microbatch: `F3.1`, `SF3.1>2`.
/// An unknown kind prints as `?<kind>`.
std::string actionText(const program::Action &action, uint32_t chunks);

/// Whether the executor runs `action` of a program of `manifest`. Without a
/// loss (an inference export) it runs only FORWARD, SEND_FORWARD and
/// RECV_FORWARD and skips the rest of the schedule (B, W, BW, SB, RB, TR,
/// OPT); with a loss it runs every action.
bool actionRuns(const program::Action &action,
                const program::Manifest &manifest);

/// Gives a one-stage program without actions (older exports, inference
/// exports without a schedule) its list: per microbatch the forward of each
/// chunk, then with a loss B of each chunk in reverse followed by its W; with
/// a loss OPT last. Leaves a program with actions as it is.
void fillDefaultActions(program::Program &program,
                        const program::Manifest &manifest);

/// Checks the action list of one stage program (part of `verifyProgram`):
/// kinds, ranges and peers against the manifest's channels and ties; one F
/// per chunk and microbatch and, with a loss, one BW or one B and a later W;
/// data dependencies on the stage's own earlier actions; OPT last.
Status verifyActions(const program::Program &program,
                     const program::Manifest &manifest,
                     const std::string &manifestPath, const std::string &path);

/// The checks across the loaded stages of `dir` (run by
/// `loadProgramDirectory` after every stage loaded): tied parameters
/// against the programs, sends paired in order with receives between every
/// two stages, and a replay of all action lists with blocking rendezvous
/// semantics that must run to completion (no deadlock). Linear in the total
/// number of actions. Reads only `manifest`, `manifestPath` and each
/// stage's `program` and `programPath`; expects the manifest and each
/// program to have passed their own checks (`verifyProgram` or
/// `verifyActions`), and refuses actions out of range without saying more.
Status verifyAcrossStages(const ProgramDirectory &dir);

} // namespace pp::rt

#endif // PP_RUNTIME_PROGRAM_H
