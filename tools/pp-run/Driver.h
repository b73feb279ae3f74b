//===- Driver.h - Running every stage: threads or MPI -----------*- C++ -*-===//
//
// pp-run trains and infers the same way whether the stages run as threads of
// this process (`--transport=threads`, the default) or one per MPI process
// (`mpirun -np P pp-run DIR --transport=mpi`); a Driver hides which. On MPI
// each process runs its rank's stage and the root (rank 0) prints and writes
// the results; with threads the one process is the root.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TOOLS_PPRUN_DRIVER_H
#define PP_TOOLS_PPRUN_DRIVER_H

#include "Options.h"

#include "pp/Runtime/MpiTransport.h"
#include "pp/Runtime/PipelineStage.h"
#include "pp/Runtime/Profiler.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pp::run {

/// What the root gathers of one stage after training.
struct StageSummary {
  std::unique_ptr<rt::Profiler> profiler; ///< null unless profiling
  rt::MemoryStats memory;
};

class Driver {
public:
  virtual ~Driver();

  /// Whether this process prints and writes results.
  virtual bool isRoot() const = 0;
  virtual uint32_t numStages() const = 0;
  /// The element type of the loss.
  virtual rt::DType lossType() const = 0;

  /// One training step of every stage: the mean loss (on every process).
  virtual rt::Status trainStep(int64_t step, const rt::Batch &batch,
                               double &loss) = 0;
  /// The forward pass: every model output, whole-batch, on the root.
  virtual rt::Status infer(const rt::Batch &batch,
                           std::map<std::string, rt::Tensor> &outputs) = 0;

  /// After training, on the root: the gradient of every trainable
  /// parameter, once per source name (a tied weight once).
  virtual rt::Status
  gatherGradients(std::vector<std::pair<std::string, rt::Tensor>> &out) = 0;
  /// After training, on the root: every stage's parameters in the root's
  /// program directory (what --save writes).
  virtual rt::Status gatherParameters() = 0;
  /// After training, on the root: each stage's profile and memory.
  virtual rt::Status gatherSummaries(std::vector<StageSummary> &out) = 0;
  /// The latency and bandwidth between two stages on this transport
  /// (pp-run --profile=FILE.json), on the root.
  virtual rt::Status measureLink(double &latency, double &bandwidth) = 0;

  /// Reports `status` (and where the other stages stopped) on stderr and
  /// returns pp-run's exit code; over MPI it aborts the job instead.
  virtual int fail(const rt::Status &status) = 0;
};

/// Every stage as a thread of this process.
rt::Status createThreadDriver(const Options &opts, rt::ProgramDirectory &dir,
                              const rt::KernelRegistry &registry, bool training,
                              std::unique_ptr<Driver> &out);

/// This process's stage of an MPI job (one process per stage), over
/// `transport` (MPI initialised before the directory was loaded).
rt::Status createMpiDriver(const Options &opts,
                           std::unique_ptr<rt::MpiTransport> transport,
                           rt::ProgramDirectory &dir,
                           const rt::KernelRegistry &registry, bool training,
                           std::unique_ptr<Driver> &out);

/// The stage options pp-run's command line gives.
rt::StageOptions stageOptions(const Options &opts, bool training);

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_DRIVER_H
