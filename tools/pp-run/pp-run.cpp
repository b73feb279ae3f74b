//===- pp-run.cpp - Runs a program exported by pp-opt ---------------------===//
//
// pp-run DIR --data DATA [--steps N] [optimizer options] [--save OUT.onnx]
//            [--dump DUMP] [--profile] [--trace TRACE.json]
// pp-run DIR --infer --data DATA [--dump DUMP]
// pp-run DIR --gradcheck [--data DATA] [--gradcheck-tol F]
//
// Links only the runtime (protobuf, ONNX's protobuf library, OpenBLAS),
// never MLIR or LLVM. Usage and errors: docs/Training.md, "pp-run".
//
//===----------------------------------------------------------------------===//

#include "BlasCheck.h"
#include "Calibration.h"
#include "Driver.h"
#include "Dump.h"
#include "MemoryReport.h"
#include "Options.h"
#include "PlanReport.h"
#include "Progress.h"

#include "pp/Runtime/CudaBackend.h"
#include "pp/Runtime/CudaEmulation.h"
#include "pp/Runtime/DataLoader.h"
#include "pp/Runtime/GradCheck.h"
#include "pp/Runtime/ModelSaver.h"
#include "pp/Runtime/MpiTransport.h"
#include "pp/Runtime/ProfileReport.h"
#include "pp/Runtime/ProfileTrace.h"

#include <cblas.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace pp;
using namespace pp::run;
using rt::Status;

namespace {

/// Prints "error: MESSAGE" and returns 1 (pp-run's exit code for errors).
int fail(const Status &status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return 1;
}

/// `value` as printf's %g writes it.
std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// Samples per step: axis 0 of the first manifest input of rank >= 1 (1
/// when there is none).
int64_t batchSize(const rt::program::Manifest &manifest) {
  for (const rt::program::ManifestTensor &t : manifest.inputs())
    if (t.type().shape_size() > 0)
      return t.type().shape(0);
  return 1;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Removes the --trace file on destruction unless `keep()` was called: a
/// run that fails leaves no empty or partial trace behind.
class TraceFileGuard {
public:
  explicit TraceFileGuard(std::string path) : path_(std::move(path)) {}
  ~TraceFileGuard() {
    if (!path_.empty())
      std::remove(path_.c_str());
  }
  void keep() { path_.clear(); }

private:
  std::string path_;
};

/// What the run trains: "parameters: 4 trained (17802 elements), 2 frozen
/// (fc1.weight: option, fc1.bias: option)", with BatchNorm's running
/// statistics as state. A parameter several stages hold counts once.
void printParameterSummary(const rt::ProgramDirectory &dir) {
  std::set<std::string> seen;
  int64_t trained = 0, elements = 0, state = 0;
  std::string frozen;
  int64_t numFrozen = 0;
  for (const rt::StageProgram &stage : dir.stages)
    for (const program::Parameter &parameter : stage.program.parameters()) {
      if (!seen.insert(parameter.source_name()).second)
        continue;
      if (parameter.trainable()) {
        ++trained;
        int64_t n = 1;
        for (int64_t d : parameter.type().shape())
          n *= d;
        elements += n;
      } else if (parameter.state()) {
        ++state;
      } else if (!parameter.frozen().empty()) {
        frozen += std::string(numFrozen++ ? ", " : "") +
                  parameter.source_name() + ": " + parameter.frozen();
      }
    }
  std::printf("parameters: %lld trained (%lld elements)", (long long)trained,
              (long long)elements);
  if (numFrozen)
    std::printf(", %lld frozen (%s)", (long long)numFrozen, frozen.c_str());
  if (state)
    std::printf(", %lld state (BatchNorm running statistics)",
                (long long)state);
  std::printf("\n");
}

int train(const Options &opts, rt::ProgramDirectory &dir, Driver &driver) {
  bool root = driver.isRoot();
  // A model that cannot be saved should fail before the training, not after.
  if (!opts.savePath.empty()) {
    const std::string &source = dir.manifest.source_model();
    if (source.empty() || !std::ifstream(source))
      return driver.fail(Status::error(
          "--save: " + dir.manifestPath + "'s source_model '" + source +
          "' cannot be read, so there is no model to save the weights into"));
  }
  // ... and so should a directory the model cannot be saved into.
  if (!opts.savePath.empty()) {
    std::string dir = opts.savePath;
    size_t slash = dir.find_last_of('/');
    dir = slash == std::string::npos ? "." : dir.substr(0, slash + 1);
    struct stat info;
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
      return driver.fail(Status::error("--save: the directory '" + dir +
                                       "' of '" + opts.savePath +
                                       "' does not exist"));
    if (::access(dir.c_str(), W_OK) != 0)
      return driver.fail(Status::error("--save: cannot write into '" + dir +
                                       "' (" + std::strerror(errno) + ")"));
  }
  // Likewise a trace that cannot be written; a failed run leaves none.
  std::ofstream trace;
  TraceFileGuard traceGuard(root ? opts.tracePath : "");
  if (root && !opts.tracePath.empty()) {
    trace.open(opts.tracePath, std::ios::binary | std::ios::trunc);
    if (!trace)
      return driver.fail(
          Status::error("--trace: cannot write '" + opts.tracePath + "'"));
  }
  rt::Batch batch;
  if (Status s = rt::loadBatch(dir.manifest, opts.dataDir, batch))
    return driver.fail(s);

  // The metrics file grows a line per step, so that a long run can be
  // plotted as it goes; like the trace, it is checked before the first step.
  std::ofstream metrics;
  if (root && !opts.metricsPath.empty()) {
    metrics.open(opts.metricsPath, std::ios::binary | std::ios::trunc);
    if (!metrics)
      return driver.fail(
          Status::error("--metrics: cannot write '" + opts.metricsPath + "'"));
  }
  if (root)
    printParameterSummary(dir);

  StepReporter reporter(root ? opts.steps : 0, batchSize(dir.manifest));
  if (metrics.is_open())
    reporter.setMetrics(&metrics);
  double loss = 0;
  for (int64_t step = 1; step <= opts.steps; ++step) {
    if (root)
      reporter.stepStarting(step);
    auto start = std::chrono::steady_clock::now();
    if (Status s = driver.trainStep(step, batch, loss)) {
      reporter.finish();
      std::string message = "step " + std::to_string(step) + ": " + s.message();
      if (!opts.detectAnomaly &&
          (message.find("loss is ") != std::string::npos ||
           message.find("holds NaN") != std::string::npos))
        message += " (rerun with --detect-anomaly to stop at the op that "
                   "first makes a NaN or infinity)";
      return driver.fail(Status::error(message));
    }
    if (root)
      reporter.stepDone(step, loss, secondsSince(start));
  }
  reporter.finish();

  std::vector<StageSummary> summaries;
  if (Status s = driver.gatherSummaries(summaries))
    return driver.fail(s);
  std::vector<std::pair<std::string, rt::Tensor>> gradients;
  if (!opts.dumpDir.empty())
    if (Status s = driver.gatherGradients(gradients))
      return driver.fail(s);
  if (!opts.savePath.empty())
    if (Status s = driver.gatherParameters())
      return driver.fail(s);
  LinkMeasurement link;
  if (!opts.profilePath.empty())
    if (Status s = driver.measureLink(link.latency, link.bandwidth))
      return driver.fail(s);
  if (!root)
    return 0;

  bool several = summaries.size() > 1;
  if (opts.profile)
    for (size_t s = 0; s < summaries.size(); ++s) {
      if (several)
        std::fprintf(stderr, "%sstage %zu:\n", s ? "\n" : "", s);
      std::fputs(rt::formatProfile(rt::summarizeProfile(*summaries[s].profiler))
                     .c_str(),
                 stderr);
      std::fputs(rt::formatMemoryPeaks(summaries[s].memory).c_str(), stderr);
    }
  if (opts.planReport)
    std::fputs(formatPlanReport(optimizerStateCount(opts.optimizer),
                                dir.manifest, summaries)
                   .c_str(),
               stderr);
  if (!opts.reportPath.empty())
    if (Status s = writeMemoryReport(dir.manifest, summaries, opts))
      return fail(s);
  if (!opts.profilePath.empty())
    if (Status s = writeCalibratedProfile(
            opts.profilePath,
            opts.deviceMemory ? "cuda-measured" : "cpu-measured",
            opts.deviceMemory ? opts.deviceMemory->describe() : "the CPU", dir,
            summaries, link))
      return fail(s);
  if (trace.is_open()) {
    std::vector<const rt::Profiler *> profilers;
    for (const StageSummary &s : summaries)
      profilers.push_back(s.profiler.get());
    rt::writePipelineTrace(trace, profilers, "pp-run " + opts.programDir,
                           rt::chunksPerStage(dir.manifest));
    trace.close();
    if (!trace)
      return fail(
          Status::error("--trace: writing '" + opts.tracePath + "' failed"));
    traceGuard.keep();
  }
  if (!opts.dumpDir.empty())
    if (Status s =
            writeTrainingDump(opts.dumpDir, driver.lossType(), loss, gradients))
      return fail(s);
  if (!opts.savePath.empty())
    if (Status s = rt::saveTrainedModel(dir, opts.savePath))
      return fail(s);
  return 0;
}

int infer(const Options &opts, rt::ProgramDirectory &dir, Driver &driver) {
  rt::Batch batch;
  if (Status s = rt::loadBatch(dir.manifest, opts.dataDir, batch))
    return driver.fail(s);
  auto start = std::chrono::steady_clock::now();
  std::map<std::string, rt::Tensor> outputs;
  if (Status s = driver.infer(batch, outputs))
    return driver.fail(s);
  double seconds = secondsSince(start);
  if (!driver.isRoot())
    return 0;
  for (const auto &[name, tensor] : outputs)
    std::printf("output %s: %s\n", name.c_str(), tensor.type().str().c_str());
  std::printf("forward in %.3f ms, %.1f samples/s\n", seconds * 1e3,
              seconds > 0 ? double(batchSize(dir.manifest)) / seconds : 0.0);
  if (!opts.dumpDir.empty())
    if (Status s = writeOutputsDump(opts.dumpDir, outputs))
      return fail(s);
  return 0;
}

int gradcheck(const Options &opts, rt::ProgramDirectory &dir,
              const rt::KernelRegistry &registry) {
  std::unique_ptr<rt::StepRunner> runner;
  if (Status s = rt::StepRunner::create(dir, registry, opts.seed,
                                        /*training=*/true, runner))
    return fail(s);
  runner->context().blasThreads = opts.threads;
  runner->context().detectAnomaly = opts.detectAnomaly;
  rt::Batch batch;
  if (!opts.dataDir.empty()) {
    if (Status s = rt::loadBatch(dir.manifest, opts.dataDir, batch))
      return fail(s);
  } else {
    if (Status s = rt::makeRandomBatch(dir.manifest, runner->program(),
                                       opts.seed, batch))
      return fail(s);
    rt::randomizeParameters(*runner, opts.seed);
  }
  if (runner->lossType() != rt::DType::F64)
    std::fprintf(stderr,
                 "warning: the program computes in %s: finite differences "
                 "need f64 for a meaningful check (export an f64 model)\n",
                 rt::dtypeName(runner->lossType()));

  std::vector<rt::TensorGradCheck> checks;
  if (Status s = rt::gradCheck(*runner, batch, checks))
    return fail(s);
  std::printf("gradcheck: %zu tensors, %s, tolerance %g\n", checks.size(),
              rt::dtypeName(runner->lossType()), opts.gradcheckTolerance);
  size_t failed = 0;
  const rt::TensorGradCheck *worst = nullptr;
  for (const rt::TensorGradCheck &c : checks) {
    bool bad = !(c.worstError <= opts.gradcheckTolerance);
    failed += bad;
    if (!worst || !(c.worstError <= worst->worstError))
      worst = &c;
    std::printf("  %s %s: %s, worst error %.3g", c.input ? "input" : "param",
                c.name.c_str(), c.type.str().c_str(), c.worstError);
    if (c.worstIndex >= 0)
      std::printf(" at element %lld (analytic %.9g, numeric %.9g)",
                  (long long)c.worstIndex, c.analytic, c.numeric);
    std::printf("%s\n", bad ? "  FAIL" : "");
  }
  std::fflush(stdout);
  if (failed)
    return fail(Status::error("gradcheck: " + std::to_string(failed) + " of " +
                              std::to_string(checks.size()) +
                              " tensors have errors above " +
                              formatNumber(opts.gradcheckTolerance) +
                              " (worst: " + worst->name + ")"));
  std::printf("gradcheck: passed\n");
  return 0;
}

/// The process's rank among those of its node under mpirun (Open MPI,
/// MPICH, Slurm), which picks its GPU; 0 outside one.
int localRank() {
  for (const char *name :
       {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"})
    if (const char *value = std::getenv(name))
      return std::atoi(value);
  return 0;
}

int runTool(int argc, char **argv) {
  Options opts;
  if (Status s = parseOptions(argc, argv, opts)) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return 2;
  }
  if (opts.help) {
    std::fputs(usage(), stdout);
    return 0;
  }
  // Over MPI every process reads the same directory and fails the same
  // way: rank 0 alone reports what fails before the stages run.
  std::unique_ptr<rt::MpiTransport> mpi;
  if (opts.transport != TransportKind::Threads)
    if (Status s = rt::MpiTransport::create(&argc, &argv, mpi))
      return fail(s);
  // A failure every rank meets alike (the directory, the process count):
  // rank 0 reports it, and the others wait for it to have done so, or
  // mpirun could stop rank 0 before it prints.
  auto failEarly = [&](const Status &s) {
    if (!mpi)
      return fail(s);
    if (mpi->stage() == 0)
      fail(s);
    (void)mpi->barrier();
    return 1;
  };
  openblas_set_num_threads(opts.threads);
  if ((!mpi || mpi->stage() == 0) && opts.backend != BackendKind::Cuda)
    std::fputs(run::blasCoreWarning().c_str(), stderr);

  rt::ProgramDirectory dir;
  if (Status s = rt::loadProgramDirectory(opts.programDir, dir))
    return failEarly(s);
  rt::KernelRegistry registry;
  rt::registerCpuKernels(registry);
  if (opts.mode == Mode::GradCheck)
    return gradcheck(opts, dir, registry);
  std::unique_ptr<rt::Device> device;
  if (opts.backend == BackendKind::Cuda) {
    int ordinal = opts.device >= 0 ? opts.device : mpi ? localRank() : 0;
    if (Status s = rt::openCudaDevice(ordinal, device))
      return failEarly(Status::error("--backend=cuda: " + s.message()));
    rt::registerCudaKernels(registry);
    opts.deviceMemory = device.get();
  } else if (opts.backend == BackendKind::CudaEmulation) {
    rt::registerEmulatedCudaKernels(registry);
    opts.deviceMemory = &rt::emulatedDevice();
  }

  bool training = opts.mode == Mode::Train;
  if (opts.deviceMemory && training) {
    // The stages that share this process's device must fit its memory at
    // the peaks the plan predicts for training: say so now rather than run
    // out mid-step.
    std::vector<uint32_t> here;
    for (uint32_t s = 0; s < dir.stages.size(); ++s)
      if (!mpi || s == mpi->stage())
        here.push_back(s);
    if (Status s = checkPlanFitsDevice(dir.manifest, here, opts.optimizer,
                                       *opts.deviceMemory)) {
      if (!mpi)
        return fail(s);
      std::fprintf(stderr, "error: stage %u: %s\n", mpi->stage(),
                   s.message().c_str());
      std::fflush(stderr);
      mpi->abort(s.message());
    }
  }
  if (!mpi && dir.stages.size() > 1 && opts.threads > 1 &&
      opts.backend == BackendKind::Cpu) {
    // OpenBLAS's thread count is process-wide: stages that share a process
    // compute on one thread each.
    std::fprintf(stderr,
                 "note: --threads %d applies per process; the %zu stages "
                 "running as threads use one BLAS thread each (use "
                 "--transport=mpi for more)\n",
                 opts.threads, dir.stages.size());
    openblas_set_num_threads(1);
  }
  if (mpi && mpi->numStages() != dir.stages.size())
    return failEarly(Status::error(dir.manifestPath + ": the program has " +
                                   std::to_string(dir.stages.size()) +
                                   " stages, but mpirun started " +
                                   std::to_string(mpi->numStages()) +
                                   " processes: run it with mpirun -np " +
                                   std::to_string(dir.stages.size())));
  std::unique_ptr<Driver> driver;
  if (mpi) {
    // Creating this rank's stage reports and aborts its own failures.
    if (Status s = createMpiDriver(opts, std::move(mpi), dir, registry,
                                   training, driver))
      return 1;
  } else if (Status s =
                 createThreadDriver(opts, dir, registry, training, driver)) {
    return fail(s);
  }
  return training ? train(opts, dir, *driver) : infer(opts, dir, *driver);
}

} // namespace

int main(int argc, char **argv) {
  try {
    return runTool(argc, argv);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "error: out of memory\n");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 1;
}
