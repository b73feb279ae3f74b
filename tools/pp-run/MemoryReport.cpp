//===- MemoryReport.cpp - pp-run --report: memory, measured and planned ---===//

#include "MemoryReport.h"

#include "pp/Runtime/ProfileReport.h"
#include "pp/Runtime/ProfileTrace.h"
#include "pp/Support/AtomicFile.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

using namespace pp;
using namespace pp::run;

int pp::run::optimizerStateCount(const rt::OptimizerOptions &optimizer) {
  if (optimizer.kind == rt::OptimizerKind::AdamW)
    return 2;
  return optimizer.momentum != 0 ? 1 : 0;
}

double pp::run::predictedPeakBytes(const rt::program::Manifest &manifest,
                                   uint32_t stage,
                                   const rt::OptimizerOptions &optimizer) {
  if (stage >= uint32_t(manifest.memory_size()))
    return -1;
  const rt::program::StageMemoryPlan &plan = manifest.memory(int(stage));
  return double(plan.peak_bytes()) +
         optimizerStateCount(optimizer) * double(plan.state_bytes());
}

rt::Status pp::run::checkPlanFitsDevice(const rt::program::Manifest &manifest,
                                        const std::vector<uint32_t> &stages,
                                        const rt::OptimizerOptions &optimizer,
                                        const rt::Device &device) {
  size_t freeBytes = 0, totalBytes = 0;
  if (!device.memoryInfo(freeBytes, totalBytes))
    return rt::Status::ok();
  double needed = 0;
  std::string peaks;
  for (uint32_t s : stages) {
    double peak = predictedPeakBytes(manifest, s, optimizer);
    if (peak < 0)
      return rt::Status::ok();
    needed += peak;
    peaks += (peaks.empty() ? "stage " : ", stage ") + std::to_string(s) + " " +
             rt::formatBytes(int64_t(peak));
  }
  if (needed <= double(freeBytes))
    return rt::Status::ok();
  return rt::Status::error(
      "the plan's peak memory does not fit on " + device.describe() + ": " +
      peaks +
      (stages.size() > 1
           ? " (" + rt::formatBytes(int64_t(needed)) + " together)"
           : "") +
      ", but " + rt::formatBytes(int64_t(freeBytes)) +
      " free: export the program with a memory limit (pp-opt "
      "--pp-pipeline=\"... recompute=auto memory-limit=BYTES\") or on more "
      "stages");
}

static std::string number(double value) {
  if (!std::isfinite(value))
    return "null";
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string pp::run::formatMemoryReport(const rt::program::Manifest &manifest,
                                        const std::vector<StageSummary> &stages,
                                        const Options &opts) {
  static const char *const kKinds[] = {"workspace",       "activations",
                                       "gradients",       "parameters",
                                       "optimizer_state", "communication"};
  static_assert(sizeof(kKinds) / sizeof(kKinds[0]) == rt::kNumMemoryKinds);
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  int states = optimizerStateCount(opts.optimizer);
  std::ostringstream os;
  os << "{\n  \"steps\": " << opts.steps << ",\n  \"optimizer\": "
     << rt::jsonString(opts.optimizer.kind == rt::OptimizerKind::AdamW ? "adamw"
                       : states ? "momentum"
                                : "sgd")
     << ",\n  \"transport\": "
     << rt::jsonString(opts.transport == TransportKind::Mpi    ? "mpi"
                       : opts.transport == TransportKind::Nccl ? "nccl"
                                                               : "threads")
     << ",\n  \"process_peak_rss_bytes\": " << int64_t(usage.ru_maxrss) * 1024
     << ",\n  \"stages\": [";
  for (size_t s = 0; s < stages.size(); ++s) {
    const rt::MemoryStats &m = stages[s].memory;
    os << (s ? ",\n" : "\n") << "    {\"stage\": " << s
       << ", \"peak_bytes\": " << m.peakTotal << ", \"predicted_peak_bytes\": ";
    double predicted =
        predictedPeakBytes(manifest, uint32_t(s), opts.optimizer);
    if (predicted >= 0) {
      const rt::program::StageMemoryPlan &plan = manifest.memory(int(s));
      os << number(predicted) << ", \"predicted_peak_action\": "
         << rt::jsonString(plan.peak_action()) << ", \"error\": "
         << number(predicted > 0 ? (m.peakTotal - predicted) / predicted : NAN);
    } else {
      os << "null";
    }
    os << ", \"peak_by_kind\": {";
    for (size_t k = 0; k < rt::kNumMemoryKinds; ++k)
      os << (k ? ", " : "") << '"' << kKinds[k] << "\": " << m.peak[k];
    os << "}}";
  }
  os << "\n  ]\n}\n";
  return os.str();
}

rt::Status pp::run::writeMemoryReport(const rt::program::Manifest &manifest,
                                      const std::vector<StageSummary> &stages,
                                      const Options &opts) {
  std::string text = formatMemoryReport(manifest, stages, opts);
  std::string error;
  std::unique_ptr<AtomicFile> file = AtomicFile::create(opts.reportPath, error);
  if (!file)
    return rt::Status::error("--report: cannot write '" + opts.reportPath +
                             "': " + error);
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(file->fd(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return rt::Status::error("--report: writing '" + opts.reportPath +
                               "' failed: " + std::strerror(errno));
    done += size_t(n);
  }
  if (!file->commit(error))
    return rt::Status::error("--report: " + error);
  return rt::Status::ok();
}
