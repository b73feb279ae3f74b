//===- Options.h - pp-run's command line ------------------------*- C++ -*-===//

#ifndef PP_TOOLS_PPRUN_OPTIONS_H
#define PP_TOOLS_PPRUN_OPTIONS_H

#include "pp/Runtime/Optimizer.h"
#include "pp/Runtime/PipelineStage.h"
#include "pp/Runtime/Status.h"

#include <cstdint>
#include <string>

namespace pp::run {

enum class Mode { Train, Infer, GradCheck };
/// How the stages of a pipeline run: threads of this process, or one MPI
/// process each (with NCCL between their GPUs).
enum class TransportKind { Threads, Mpi, Nccl };
/// Where the kernels run: the CPU, a CUDA GPU, or the CUDA backend's
/// kernels and device paths emulated on the host (a testing aid).
enum class BackendKind { Cpu, Cuda, CudaEmulation };

struct Options {
  std::string programDir;
  std::string dataDir;
  Mode mode = Mode::Train;
  int64_t steps = 1;
  rt::OptimizerOptions optimizer;
  uint64_t seed = 0;
  int threads = 1;
  std::string savePath;
  std::string dumpDir;
  bool profile = false;    // --profile: the per-op table on stderr
  std::string profilePath; // --profile=FILE.json: a measured device profile
  std::string tracePath;   // --trace: the measured timeline
  std::string metricsPath; // --metrics: one JSON line per step
  bool planReport = false; // --plan-report: measured against simulated
  std::string reportPath;  // --report: per-stage memory, measured and planned
  TransportKind transport = TransportKind::Threads;
  BackendKind backend = BackendKind::Cpu;
  int device = -1;   // --device: the CUDA device (-1: by local MPI rank)
  bool tf32 = false; // --tf32: float32 products on TF32 tensor cores
  /// --no-fusion turns off the CUDA backend's fused elementwise chains.
  bool fuseElementwise = true;
  /// The device the stages run on (set after parsing, null for the CPU).
  rt::Device *deviceMemory = nullptr;
  bool checkNaN = true;       // --no-nan-check turns it off
  bool detectAnomaly = false; // --detect-anomaly
  bool keepDenormals = false; // --keep-denormals
  rt::InjectedFault fault;    // --inject-fault STAGE:ACTION:KIND
  double gradcheckTolerance = 1e-5;
  bool help = false;
};

/// Parses argv (getopt_long). A usage error is an error Status whose
/// message names the option.
rt::Status parseOptions(int argc, char **argv, Options &out);

/// The --help text.
const char *usage();

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_OPTIONS_H
