//===- MpiDriver.cpp - This process's stage of an MPI job -----------------===//
//
// `mpirun -np P pp-run DIR --transport=mpi`: rank r runs stage r. The loss
// is summed over the ranks every step (only the last virtual stage's rank
// has one); what the root prints or writes after training (gradients,
// parameters, profiles, memory) is gathered to rank 0 as bytes of ONNX
// TensorProtos or serialized profiles.
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"
#include "Driver.h"

#include "pp/Runtime/NcclTransport.h"

#include "pp/Runtime/TensorIO.h"

#include "onnx/onnx_pb.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>

using namespace pp;
using namespace pp::run;
using rt::Status;

namespace {

using NamedTensors = std::vector<std::pair<std::string, rt::Tensor>>;

/// Tensors as length-prefixed TensorProto bytes, and back.
std::string encodeTensors(const NamedTensors &tensors) {
  std::string out;
  for (const auto &[name, tensor] : tensors) {
    onnx::TensorProto proto;
    rt::tensorToProto(tensor, name, proto);
    std::string bytes = proto.SerializeAsString();
    uint64_t size = bytes.size();
    out.append(reinterpret_cast<const char *>(&size), sizeof(size));
    out += bytes;
  }
  return out;
}

Status decodeTensors(const std::string &bytes, NamedTensors &out) {
  size_t at = 0;
  while (at < bytes.size()) {
    uint64_t size = 0;
    if (bytes.size() - at < sizeof(size))
      return Status::error("gathered tensors are truncated");
    std::memcpy(&size, bytes.data() + at, sizeof(size));
    at += sizeof(size);
    if (bytes.size() - at < size)
      return Status::error("gathered tensors are truncated");
    onnx::TensorProto proto;
    if (!proto.ParseFromArray(bytes.data() + at, int(size)))
      return Status::error("a gathered tensor is not a TensorProto");
    at += size;
    rt::Tensor tensor;
    if (Status s = rt::tensorFromProto(
            proto, tensor, "gathered tensor '" + proto.name() + "'"))
      return s;
    out.push_back({proto.name(), tensor});
  }
  return Status::ok();
}

class MpiDriver final : public Driver {
public:
  MpiDriver(std::unique_ptr<rt::Transport> transport, rt::ProgramDirectory &dir,
            bool profiled)
      : transport_(std::move(transport)), dir_(dir), profiled_(profiled) {}

  /// Prepares this rank's stage. A failure here is this rank's alone: it
  /// is reported and the job aborted (fail()), so no other rank waits.
  Status prepare(const Options &opts, const rt::KernelRegistry &registry,
                 bool training) {
    device_ = opts.deviceMemory;
    if (Status s =
            rt::PipelineStage::create(dir_, transport_->stage(), registry,
                                      stageOptions(opts, training), stage_))
      return Status::error("stage " + std::to_string(transport_->stage()) +
                           ": " + s.message());
    if (profiled_) {
      rt::ProfileClock::time_point origin;
      if (Status s = alignClocks(origin))
        return s;
      profiler_ = std::make_unique<rt::Profiler>(origin);
      stage_->setProfiler(profiler_.get());
    }
    return Status::ok();
  }

  /// One origin for every rank's profiler, so that their timelines line
  /// up: rank 0 measures each rank's clock offset by round trips (taken at
  /// the middle of the shortest, within half its time) and sends its
  /// origin in that rank's clock.
  Status alignClocks(rt::ProfileClock::time_point &origin) {
    using Clock = rt::ProfileClock;
    auto ticks = [](Clock::time_point t) -> int64_t {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 t.time_since_epoch())
          .count();
    };
    auto pack = [](int64_t value) {
      return std::string(reinterpret_cast<const char *>(&value), sizeof(value));
    };
    auto unpack = [](const std::string &bytes, int64_t &value) {
      if (bytes.size() != sizeof(value))
        return Status::error("a clock message has the wrong size");
      std::memcpy(&value, bytes.data(), sizeof(value));
      return Status::ok();
    };
    rt::MessageTag tag = rt::MessageTag::gather(4);
    uint32_t me = transport_->stage();
    const int trips = 8; // the shortest round trip gives the offset
    if (me != 0) {
      std::string bytes;
      for (int i = 0; i < trips; ++i) {
        if (Status s = transport_->recvBytes(0, tag, bytes))
          return s;
        if (Status s = transport_->sendBytes(0, tag, pack(ticks(Clock::now()))))
          return s;
      }
      int64_t mine = 0;
      if (Status s = transport_->recvBytes(0, tag, bytes))
        return s;
      if (Status s = unpack(bytes, mine))
        return s;
      origin = Clock::time_point(std::chrono::nanoseconds(mine));
      return Status::ok();
    }
    std::vector<int64_t> offsets(numStages(), 0);
    for (uint32_t r = 1; r < numStages(); ++r) {
      int64_t best = -1;
      for (int i = 0; i < trips; ++i) {
        int64_t sent = ticks(Clock::now()), theirs = 0;
        std::string bytes;
        if (Status s = transport_->sendBytes(r, tag, pack(sent)))
          return s;
        if (Status s = transport_->recvBytes(r, tag, bytes))
          return s;
        int64_t received = ticks(Clock::now());
        if (Status s = unpack(bytes, theirs))
          return s;
        if (best < 0 || received - sent < best) {
          best = received - sent;
          offsets[r] = theirs - (sent + received) / 2;
        }
      }
    }
    origin = Clock::now();
    for (uint32_t r = 1; r < numStages(); ++r)
      if (Status s =
              transport_->sendBytes(r, tag, pack(ticks(origin) + offsets[r])))
        return s;
    return Status::ok();
  }

  bool isRoot() const override { return transport_->stage() == 0; }
  uint32_t numStages() const override { return transport_->numStages(); }
  rt::DType lossType() const override { return lossType_; }

  Status trainStep(int64_t step, const rt::Batch &batch,
                   double &loss) override {
    double sum = 0;
    if (Status s = stage_->trainStep(step, batch, *transport_, sum))
      return s;
    // The loss and its type live on the last virtual stage's rank.
    double code = stage_->holdsLoss() && stage_->lossType() == rt::DType::F64;
    if (Status s = transport_->allReduceSum(code))
      return s;
    lossType_ = code > 0 ? rt::DType::F64 : rt::DType::F32;
    if (Status s = transport_->allReduceSum(sum))
      return s;
    loss = sum / dir_.manifest.microbatches();
    return Status::ok();
  }

  Status infer(const rt::Batch &batch,
               std::map<std::string, rt::Tensor> &outputs) override {
    std::map<std::string, rt::Tensor> mine;
    if (Status s = stage_->infer(batch, *transport_, mine))
      return s;
    NamedTensors named(mine.begin(), mine.end());
    NamedTensors all;
    if (Status s = gather(named, all, 0))
      return s;
    outputs.clear();
    for (auto &[name, tensor] : all)
      outputs[name] = tensor;
    return Status::ok();
  }

  Status gatherGradients(NamedTensors &out) override {
    NamedTensors mine;
    for (size_t t = 0; t < stage_->trainable().size(); ++t)
      mine.push_back({stage_->program()
                          .parameters(int(stage_->trainable()[t]))
                          .source_name(),
                      rt::toHost(stage_->gradients()[t], stage_->queue())});
    NamedTensors all;
    if (Status s = gather(mine, all, 1))
      return s;
    out.clear();
    std::set<std::string> seen; // a tied weight once: its copies agree
    for (auto &[name, tensor] : all)
      if (seen.insert(name).second)
        out.push_back({name, tensor});
    return Status::ok();
  }

  Status gatherParameters() override {
    // Every rank sends its trained and state parameters by program name;
    // the root writes them into its copy of that stage's storage.
    if (Status s = stage_->syncParameters())
      return s;
    const rt::StageProgram &sp = dir_.stages[transport_->stage()];
    NamedTensors mine;
    for (int i = 0; i < sp.program.parameters_size(); ++i)
      if (sp.program.parameters(i).trainable() ||
          sp.program.parameters(i).state())
        mine.push_back(
            {sp.program.parameters(i).name(), sp.parameters[size_t(i)]});
    if (!isRoot())
      return transport_->sendBytes(0, rt::MessageTag::gather(2),
                                   encodeTensors(mine));
    for (uint32_t r = 1; r < numStages(); ++r) {
      std::string bytes;
      if (Status s = transport_->recvBytes(r, rt::MessageTag::gather(2), bytes))
        return s;
      NamedTensors theirs;
      if (Status s = decodeTensors(bytes, theirs))
        return s;
      rt::StageProgram &stage = dir_.stages[r];
      for (auto &[name, tensor] : theirs) {
        int index = -1;
        for (int i = 0; i < stage.program.parameters_size(); ++i)
          if (stage.program.parameters(i).name() == name)
            index = i;
        rt::Tensor &into = stage.parameters[size_t(std::max(0, index))];
        if (index < 0 || into.type() != tensor.type())
          return Status::error("stage " + std::to_string(r) +
                               " sent parameter '" + name +
                               "', which its "
                               "program does not hold with that type");
        std::memcpy(into.raw(), tensor.raw(), tensor.bytes());
      }
    }
    return Status::ok();
  }

  Status gatherSummaries(std::vector<StageSummary> &out) override {
    std::string mine(reinterpret_cast<const char *>(&memory()),
                     sizeof(rt::MemoryStats));
    if (profiler_)
      mine += profiler_->serialize();
    if (!isRoot())
      return transport_->sendBytes(0, rt::MessageTag::gather(3), mine);
    out.clear();
    for (uint32_t r = 0; r < numStages(); ++r) {
      std::string bytes = mine;
      if (r > 0)
        if (Status s =
                transport_->recvBytes(r, rt::MessageTag::gather(3), bytes))
          return s;
      StageSummary summary;
      if (bytes.size() < sizeof(rt::MemoryStats))
        return Status::error("a gathered summary is truncated");
      std::memcpy(&summary.memory, bytes.data(), sizeof(rt::MemoryStats));
      if (profiled_) {
        summary.profiler = std::make_unique<rt::Profiler>();
        if (Status s = summary.profiler->deserialize(
                bytes.substr(sizeof(rt::MemoryStats))))
          return s;
      }
      out.push_back(std::move(summary));
    }
    return Status::ok();
  }

  Status measureLink(double &latency, double &bandwidth) override {
    // Ranks 0 and 1 measure; the others wait at the barrier. One rank
    // alone has no link: it measures one between threads.
    LinkMeasurement link;
    if (numStages() == 1) {
      if (Status s = measureThreadLink(device_, link))
        return s;
    } else if (transport_->stage() < 2)
      if (Status s = pingPong(*transport_, 1 - transport_->stage(),
                              transport_->stage() == 0, device_, link))
        return s;
    if (Status s = transport_->barrier())
      return s;
    latency = link.latency;
    bandwidth = link.bandwidth;
    return Status::ok();
  }

  int fail(const Status &status) override {
    std::fprintf(stderr, "error: %s\n", status.message().c_str());
    std::fflush(stderr);
    transport_->abort(status.message());
    return 1; // not reached: the job is aborted
  }

private:
  const rt::MemoryStats &memory() {
    memory_ = stage_->memoryStats();
    return memory_;
  }

  /// Every rank's `mine` concatenated on the root, in rank order.
  Status gather(const NamedTensors &mine, NamedTensors &all, uint32_t item) {
    if (!isRoot())
      return transport_->sendBytes(0, rt::MessageTag::gather(item),
                                   encodeTensors(mine));
    all = mine;
    for (uint32_t r = 1; r < numStages(); ++r) {
      std::string bytes;
      if (Status s =
              transport_->recvBytes(r, rt::MessageTag::gather(item), bytes))
        return s;
      if (Status s = decodeTensors(bytes, all))
        return s;
    }
    return Status::ok();
  }

  std::unique_ptr<rt::Transport> transport_; // MPI, or NCCL over MPI
  rt::ProgramDirectory &dir_;
  bool profiled_;
  std::unique_ptr<rt::PipelineStage> stage_;
  rt::Device *device_ = nullptr; // where the stage's tensors live
  std::unique_ptr<rt::Profiler> profiler_;
  rt::MemoryStats memory_;
  rt::DType lossType_ = rt::DType::F32;
};

} // namespace

Status pp::run::createMpiDriver(const Options &opts,
                                std::unique_ptr<rt::MpiTransport> transport,
                                rt::ProgramDirectory &dir,
                                const rt::KernelRegistry &registry,
                                bool training, std::unique_ptr<Driver> &out) {
  bool profiled = opts.profile || !opts.tracePath.empty() || opts.planReport;
  std::unique_ptr<rt::Transport> endpoint;
  if (opts.transport == TransportKind::Nccl) {
    // A rank whose NCCL set-up fails reports it and aborts the job.
    if (Status s =
            rt::createNcclTransport(transport, *opts.deviceMemory, endpoint))
      return s;
  } else {
    endpoint = std::move(transport);
  }
  auto driver = std::make_unique<MpiDriver>(std::move(endpoint), dir, profiled);
  if (Status s = driver->prepare(opts, registry, training))
    return Status::error(std::to_string(driver->fail(s)));
  out = std::move(driver);
  return Status::ok();
}
