//===- LocalPipeline.cpp - Every stage as a thread of this process --------===//

#include "pp/Runtime/LocalPipeline.h"

#include "pp/Runtime/ThreadTransport.h"

#include <atomic>
#include <exception>
#include <thread>

using namespace pp::rt;

Status LocalPipeline::create(const ProgramDirectory &dir,
                             const KernelRegistry &registry,
                             const StageOptions &options,
                             std::unique_ptr<LocalPipeline> &out) {
  std::unique_ptr<LocalPipeline> pipeline(new LocalPipeline());
  pipeline->microbatches_ = dir.manifest.microbatches();
  for (uint32_t s = 0; s < dir.stages.size(); ++s) {
    std::unique_ptr<PipelineStage> stage;
    if (Status st = PipelineStage::create(dir, s, registry, options, stage))
      return st;
    pipeline->stages_.push_back(std::move(stage));
  }
  out = std::move(pipeline);
  return Status::ok();
}

Status LocalPipeline::runStages(
    const std::function<Status(PipelineStage &, Transport &)> &body) {
  uint32_t p = uint32_t(stages_.size());
  ThreadTransport transport(p);
  std::vector<Status> statuses(p, Status::ok());
  std::atomic<int> first{-1};
  auto work = [&](uint32_t s) {
    ThreadTransport::Endpoint &endpoint = transport.endpoint(s);
    Status status = Status::ok();
    try {
      status = body(*stages_[s], endpoint);
    } catch (const std::bad_alloc &) {
      status = Status::error("stage " + std::to_string(s) + ": out of memory");
    } catch (const std::exception &e) {
      status = Status::error("stage " + std::to_string(s) + ": " + e.what());
    }
    if (status) {
      int none = -1;
      first.compare_exchange_strong(none, int(s));
      endpoint.abort(status.message());
    }
    endpoint.finish();
    statuses[s] = std::move(status);
  };
  std::vector<std::thread> threads;
  for (uint32_t s = 1; s < p; ++s)
    threads.emplace_back(work, s);
  work(0);
  for (std::thread &t : threads)
    t.join();

  notes_.clear();
  if (first >= 0) {
    // The others stopped where they waited: say where, not the error again.
    std::string failed = "stage " + std::to_string(first) + " failed";
    for (uint32_t s = 0; s < p; ++s) {
      if (int(s) == first || !statuses[s])
        continue;
      std::string note = statuses[s].message();
      size_t cut = note.find(": stopped: " + failed);
      notes_.push_back(cut == std::string::npos
                           ? note
                           : note.substr(0, cut) + ": stopped, " + failed);
    }
    return statuses[size_t(first)];
  }
  // A schedule whose sends and receives pair up leaves nothing behind.
  return transport.checkAllDelivered();
}

Status LocalPipeline::trainStep(int64_t step, const Batch &batch,
                                double &loss) {
  std::vector<double> sums(stages_.size(), 0);
  if (Status s = runStages([&](PipelineStage &stage, Transport &transport) {
        return stage.trainStep(step, batch, transport, sums[stage.stage()]);
      }))
    return s;
  double total = 0;
  for (double sum : sums)
    total += sum;
  loss = total / microbatches_;
  return Status::ok();
}

Status LocalPipeline::infer(const Batch &batch,
                            std::map<std::string, Tensor> &outputs) {
  std::vector<std::map<std::string, Tensor>> perStage(stages_.size());
  if (Status s = runStages([&](PipelineStage &stage, Transport &transport) {
        return stage.infer(batch, transport, perStage[stage.stage()]);
      }))
    return s;
  outputs.clear();
  for (auto &stageOutputs : perStage)
    for (auto &[name, tensor] : stageOutputs)
      outputs[name] = tensor;
  return Status::ok();
}
