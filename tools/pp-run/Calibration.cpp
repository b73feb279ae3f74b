//===- Calibration.cpp - pp-run --profile=FILE.json: a measured device ----===//

#include "Calibration.h"

#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Device.h"

#include "pp/Runtime/ProfileTrace.h"
#include "pp/Runtime/ThreadTransport.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace pp;
using namespace pp::run;
using rt::Status;

namespace {

/// Ops the executor runs as reinterpretations of their input (no kernel).
bool isView(const std::string &op) {
  return op == "nn.reshape" || op == "nn.flatten" || op == "nn.squeeze" ||
         op == "nn.unsqueeze";
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

/// Seconds per phase of one node's op.
struct Phases {
  double forward = 0, backwardInput = 0, backwardWeight = 0;
};

} // namespace

Status pp::run::writeCalibratedProfile(const std::string &path,
                                       const std::string &name,
                                       const std::string &device,
                                       const rt::ProgramDirectory &dir,
                                       const std::vector<StageSummary> &stages,
                                       const LinkMeasurement &link) {
  // The forward ops of every node, by kind (views apart), from the programs.
  std::map<std::string, std::map<std::string, int>> kernelsAt, viewsAt;
  for (const rt::StageProgram &stage : dir.stages)
    for (const rt::program::Function &fn : stage.program.functions())
      if (fn.role() == rt::program::FORWARD)
        for (const rt::program::Kernel &k : fn.kernels())
          if (!k.location().empty())
            ++(isView(k.op()) ? viewsAt : kernelsAt)[k.location()][k.op()];

  // Measured seconds by (location, role, forward op kind) over the counted
  // steps, with each run's time outside kernels spread over its kernels.
  int64_t first = 0, last = 0;
  for (const StageSummary &s : stages)
    for (const rt::ProfileEvent &e : s.profiler->events())
      if (e.kind == rt::ProfileEvent::Kind::Step) {
        last = std::max(last, e.step);
        first = first ? std::min(first, e.step) : e.step;
      }
  if (!last)
    return Status::error("--profile=" + path + ": no step was measured");
  int64_t from = last > first ? first + 1 : first;
  double steps = double(last - from + 1);
  double kernelCount = 0, outside = 0;
  double productFlops = 0, productSeconds = 0, otherBytes = 0, otherSeconds = 0;
  std::map<std::string, Phases> byNode; // location -> seconds
  for (const StageSummary &s : stages) {
    const rt::Profiler &profiler = *s.profiler;
    // Kernels nest in their run: pair them by time on each stage.
    std::vector<const rt::ProfileEvent *> functions, kernels;
    for (const rt::ProfileEvent &e : profiler.events()) {
      if (e.step < from || e.step > last)
        continue;
      if (e.kind == rt::ProfileEvent::Kind::Function)
        functions.push_back(&e);
      else if (e.kind == rt::ProfileEvent::Kind::Kernel)
        kernels.push_back(&e);
    }
    auto byStart = [](const rt::ProfileEvent *a, const rt::ProfileEvent *b) {
      return a->startNs < b->startNs;
    };
    std::sort(functions.begin(), functions.end(), byStart);
    std::sort(kernels.begin(), kernels.end(), byStart);
    size_t k = 0;
    for (const rt::ProfileEvent *run : functions) {
      while (k < kernels.size() && kernels[k]->startNs < run->startNs)
        ++k; // a kernel outside any run: not attributed
      size_t begin = k;
      double inKernels = 0;
      while (k < kernels.size() && kernels[k]->startNs < run->endNs) {
        inKernels += kernels[k]->seconds();
        ++k;
      }
      size_t count = k - begin;
      double overhead =
          count ? std::max(0.0, run->seconds() - inKernels) / double(count) : 0;
      kernelCount += double(count);
      outside += std::max(0.0, run->seconds() - inKernels);
      for (size_t i = begin; i < k; ++i) {
        const rt::ProfileEvent &e = *kernels[i];
        const rt::ProfiledKernel &kernel = profiler.kernels().at(e.kernel);
        if (kernel.flops > 0) {
          productFlops += kernel.flops;
          productSeconds += e.seconds();
        } else {
          otherBytes += kernel.bytes;
          otherSeconds += e.seconds();
        }
        if (kernel.location.empty())
          continue;
        Phases &node = byNode[kernel.location];
        double seconds = e.seconds() + overhead;
        if (e.role == rt::program::FORWARD)
          node.forward += seconds;
        else if (e.role == rt::program::BACKWARD_INPUT)
          node.backwardInput += seconds;
        else
          node.backwardWeight += seconds;
      }
    }
  }
  double perMicrobatch = 1.0 / (steps * dir.manifest.microbatches());

  std::string ops;
  auto entry = [&](const std::string &key, const Phases &t) {
    ops += ops.empty() ? "\n" : ",\n";
    ops += "    " + rt::jsonString(key) +
           ": {\"forward\": " + number(t.forward) +
           ", \"backward_input\": " + number(t.backwardInput) +
           ", \"backward_weight\": " + number(t.backwardWeight) + "}";
  };
  std::set<std::string> locations;
  for (auto &[location, kinds] : kernelsAt)
    locations.insert(location);
  for (auto &[location, kinds] : viewsAt)
    locations.insert(location);
  for (const std::string &location : locations) {
    // A node's kernels share its forward time by kind, its B and W time
    // evenly; its views take none.
    auto kinds = kernelsAt.find(location);
    const Phases measured = byNode[location];
    if (kinds != kernelsAt.end()) {
      int total = 0;
      for (auto &[op, count] : kinds->second)
        total += count;
      for (auto &[op, count] : kinds->second) {
        Phases t;
        t.forward = measured.forward * perMicrobatch / total;
        t.backwardInput = measured.backwardInput * perMicrobatch / total;
        t.backwardWeight = measured.backwardWeight * perMicrobatch / total;
        entry(op + "@" + location, t);
      }
    }
    auto views = viewsAt.find(location);
    if (views != viewsAt.end())
      for (auto &[op, count] : views->second)
        entry(op + "@" + location, Phases());
  }

  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d", std::gmtime(&now));
  double flops = productSeconds > 0 ? productFlops / productSeconds : 0;
  double bandwidth = otherSeconds > 0 ? otherBytes / otherSeconds : 0;
  if (flops <= 0 || bandwidth <= 0)
    return Status::error("--profile=" + path +
                         ": the run timed no matrix product or no other "
                         "kernel, so it gives no peak speeds to write");
  std::string json =
      "{\n  \"format\": \"pp-device-profile\",\n  \"version\": 1,\n"
      "  \"name\": " +
      rt::jsonString(name) + ",\n  \"description\": " +
      rt::jsonString("pp-run --profile on " + dir.dir + ", steps " +
                     std::to_string(from) + "-" + std::to_string(last) + ", " +
                     device) +
      ",\n  \"peak_flops\": {\"f32\": " + number(flops) +
      ", \"default\": " + number(flops) +
      "},\n  \"memory_bandwidth\": " + number(bandwidth) +
      ",\n  \"launch_overhead\": " +
      number(kernelCount > 0 ? outside / kernelCount : 0) +
      ",\n  \"link\": {\"bandwidth\": " + number(link.bandwidth) +
      ", \"latency\": " + number(link.latency) + "},\n  \"ops\": {" + ops +
      "\n  },\n  \"measured\": {\"tool\": \"pp-run --profile\", \"date\": " +
      rt::jsonString(date) + "}\n}\n";

  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << json;
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return Status::error("--profile=" + path + ": cannot write '" +
                           temporary + "'");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::error("--profile=" + path + ": cannot write the file");
  }
  return Status::ok();
}

Status pp::run::pingPong(rt::Transport &transport, uint32_t peer, bool leader,
                         rt::Device *device, LinkMeasurement &out) {
  // Latency: round trips of one float; bandwidth: one-way transfers of
  // 64 MiB (the receiver's copy included, as in a real transfer).
  const int trips = 200, transfers = 4;
  rt::BufferPool pool(device ? *device : rt::hostDevice());
  rt::Tensor small = rt::Tensor::zeros({rt::DType::F32, {1}}, pool);
  rt::Tensor big = rt::Tensor::zeros({rt::DType::F32, {16 << 20}}, pool);
  std::vector<rt::Tensor> one{small}, many{big};
  rt::MessageTag tag = rt::MessageTag::gather(7);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < trips; ++i) {
    Status s = leader ? transport.send(peer, tag, one)
                      : transport.recv(peer, tag, one);
    if (!s)
      s = leader ? transport.recv(peer, tag, one)
                 : transport.send(peer, tag, one);
    if (s)
      return s;
  }
  auto middle = std::chrono::steady_clock::now();
  for (int i = 0; i < transfers; ++i) {
    Status s = leader ? transport.send(peer, tag, many)
                      : transport.recv(peer, tag, many);
    if (!s)
      s = leader ? transport.recv(peer, tag, one)
                 : transport.send(peer, tag, one);
    if (s)
      return s;
  }
  auto end = std::chrono::steady_clock::now();
  double latency =
      std::chrono::duration<double>(middle - start).count() / (2 * trips);
  double perTransfer =
      std::chrono::duration<double>(end - middle).count() / transfers -
      2 * latency;
  out.latency = latency;
  out.bandwidth = double(big.bytes()) / std::max(perTransfer, 1e-9);
  return Status::ok();
}

Status pp::run::measureThreadLink(rt::Device *device, LinkMeasurement &out) {
  rt::ThreadTransport transport(2);
  LinkMeasurement other;
  Status peer = Status::ok();
  std::thread thread([&] {
    peer = pingPong(transport.endpoint(1), 0, false, device, other);
    transport.endpoint(1).finish();
  });
  Status s = pingPong(transport.endpoint(0), 1, true, device, out);
  transport.endpoint(0).finish();
  thread.join();
  return s ? s : peer;
}
