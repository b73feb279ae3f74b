//===- ThreadDriver.cpp - Every stage as a thread of this process ---------===//

#include "Driver.h"

#include "Calibration.h"

#include "pp/Runtime/LocalPipeline.h"

#include <cstdio>
#include <set>

using namespace pp;
using namespace pp::run;
using rt::Status;

Driver::~Driver() = default;

rt::StageOptions pp::run::stageOptions(const Options &opts, bool training) {
  rt::StageOptions options;
  options.seed = opts.seed;
  options.training = training;
  options.blasThreads = opts.threads;
  options.checkNaN = opts.checkNaN;
  options.detectAnomaly = opts.detectAnomaly;
  options.flushDenormals = !opts.keepDenormals;
  options.optimizer = opts.optimizer;
  options.fault = opts.fault;
  if (opts.backend != BackendKind::Cpu) {
    options.backend = rt::Backend::CUDA;
    options.device = opts.deviceMemory;
    options.allowTF32 = opts.tf32;
    // Fused chains give the same bits with fewer kernels, but a profiled
    // run times each op and --detect-anomaly checks each op's output.
    bool profiled = opts.profile || !opts.tracePath.empty() || opts.planReport;
    options.fuseElementwise =
        opts.fuseElementwise && !profiled && !opts.detectAnomaly;
  }
  return options;
}

namespace {

class ThreadDriver final : public Driver {
public:
  ThreadDriver(rt::ProgramDirectory &dir, bool profiled)
      : dir_(dir), profiled_(profiled) {}

  Status prepare(const Options &opts, const rt::KernelRegistry &registry,
                 bool training) {
    device_ = opts.deviceMemory;
    if (Status s = rt::LocalPipeline::create(
            dir_, registry, stageOptions(opts, training), pipeline_))
      return s;
    if (profiled_) {
      // One clock for every stage: their timelines line up.
      rt::ProfileClock::time_point origin = rt::ProfileClock::now();
      for (const auto &stage : pipeline_->stages()) {
        profilers_.push_back(std::make_unique<rt::Profiler>(origin));
        stage->setProfiler(profilers_.back().get());
      }
    }
    return Status::ok();
  }

  bool isRoot() const override { return true; }
  uint32_t numStages() const override {
    return uint32_t(pipeline_->stages().size());
  }
  rt::DType lossType() const override {
    for (const auto &stage : pipeline_->stages())
      if (stage->holdsLoss())
        return stage->lossType();
    return rt::DType::F32;
  }

  Status trainStep(int64_t step, const rt::Batch &batch,
                   double &loss) override {
    return pipeline_->trainStep(step, batch, loss);
  }
  Status infer(const rt::Batch &batch,
               std::map<std::string, rt::Tensor> &outputs) override {
    return pipeline_->infer(batch, outputs);
  }

  Status gatherGradients(
      std::vector<std::pair<std::string, rt::Tensor>> &out) override {
    out.clear();
    std::set<std::string> seen; // a tied weight once: its copies agree
    for (const auto &stage : pipeline_->stages())
      for (size_t t = 0; t < stage->trainable().size(); ++t) {
        const std::string &name = stage->program()
                                      .parameters(int(stage->trainable()[t]))
                                      .source_name();
        if (seen.insert(name).second)
          out.push_back(
              {name, rt::toHost(stage->gradients()[t], stage->queue())});
      }
    return Status::ok();
  }
  Status gatherParameters() override {
    // Host stages updated the directory's parameters; device stages copy
    // theirs back.
    for (const auto &stage : pipeline_->stages())
      if (Status s = stage->syncParameters())
        return s;
    return Status::ok();
  }
  Status gatherSummaries(std::vector<StageSummary> &out) override {
    out.clear();
    for (size_t s = 0; s < pipeline_->stages().size(); ++s) {
      StageSummary summary;
      summary.memory = pipeline_->stages()[s]->memoryStats();
      if (profiled_)
        summary.profiler = std::move(profilers_[s]);
      out.push_back(std::move(summary));
    }
    return Status::ok();
  }

  Status measureLink(double &latency, double &bandwidth) override {
    LinkMeasurement link;
    if (Status s = measureThreadLink(device_, link))
      return s;
    latency = link.latency;
    bandwidth = link.bandwidth;
    return Status::ok();
  }

  int fail(const Status &status) override {
    std::fprintf(stderr, "error: %s\n", status.message().c_str());
    for (const std::string &note : pipeline_->notes())
      std::fprintf(stderr, "note: %s\n", note.c_str());
    return 1;
  }

private:
  rt::ProgramDirectory &dir_;
  bool profiled_;
  rt::Device *device_ = nullptr; // where the stages' tensors live
  std::unique_ptr<rt::LocalPipeline> pipeline_;
  std::vector<std::unique_ptr<rt::Profiler>> profilers_;
};

} // namespace

Status pp::run::createThreadDriver(const Options &opts,
                                   rt::ProgramDirectory &dir,
                                   const rt::KernelRegistry &registry,
                                   bool training,
                                   std::unique_ptr<Driver> &out) {
  bool profiled = opts.profile || !opts.tracePath.empty() || opts.planReport;
  auto driver = std::make_unique<ThreadDriver>(dir, profiled);
  if (Status s = driver->prepare(opts, registry, training))
    return s;
  out = std::move(driver);
  return Status::ok();
}
