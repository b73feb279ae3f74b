//===- ProfileTrace.cpp - Measured timeline as a Perfetto trace -----------===//
//
// A small JSON writer for the one shape the trace has: an object with an
// array of flat event objects whose `args` hold strings and numbers.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/ProfileTrace.h"

#include "pp/Runtime/PipelineStage.h"
#include "pp/Runtime/ProfileReport.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

using namespace pp::rt;

std::string pp::rt::jsonString(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\u%04x", u);
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

/// A JSON number: integers exactly, others to 9 significant digits.
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

/// Nanoseconds as a JSON number of microseconds, exactly.
std::string microseconds(int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof(text), "%s%lld.%03lld", ns < 0 ? "-" : "",
                (long long)(ns < 0 ? -ns : ns) / 1000,
                (long long)(ns < 0 ? -ns : ns) % 1000);
  return text;
}
std::string number(int64_t value) { return std::to_string(value); }

/// The members of one JSON object, written in order.
class Object {
public:
  Object &add(const char *key, const std::string &value) {
    return raw(key, jsonString(value));
  }
  Object &add(const char *key, const char *value) {
    return raw(key, jsonString(value));
  }
  Object &add(const char *key, int64_t value) {
    return raw(key, number(value));
  }
  Object &add(const char *key, double value) { return raw(key, number(value)); }
  Object &add(const char *key, const Object &value) {
    return raw(key, value.str());
  }
  /// A member whose value is already JSON text.
  Object &raw(const char *key, const std::string &json) {
    if (!members_.empty())
      members_ += ",";
    members_ += jsonString(key) + ":" + json;
    return *this;
  }
  std::string str() const { return "{" + members_ + "}"; }

private:
  std::string members_;
};

/// The action kind of a function role, as the simulator's categories name
/// it, and its Chrome colour name (as pp-simulate's traces colour it).
std::pair<const char *, const char *> kindOf(program::FunctionRole role) {
  switch (role) {
  case program::FORWARD:
    return {"forward", "thread_state_running"};
  case program::BACKWARD_INPUT:
    return {"backward-input", "thread_state_iowait"};
  case program::BACKWARD_WEIGHT:
    return {"backward-weight", "rail_response"};
  default:
    return {"unspecified", "generic_work"};
  }
}

/// The category (as the simulator names action kinds) and Chrome colour of
/// a pipeline action that is no single function run.
std::pair<const char *, const char *> kindOf(program::Action::Kind kind) {
  switch (kind) {
  case program::Action::BACKWARD:
    return {"full-backward", "thread_state_uninterruptible"};
  case program::Action::SEND_FORWARD:
    return {"send-forward", "cq_build_passed"};
  case program::Action::RECV_FORWARD:
    return {"recv-forward", "cq_build_passed"};
  case program::Action::SEND_BACKWARD:
    return {"send-backward", "cq_build_passed"};
  case program::Action::RECV_BACKWARD:
    return {"recv-backward", "cq_build_passed"};
  case program::Action::REDUCE_TIED:
    return {"tied-grad-reduce", "yellow"};
  default:
    return {"unspecified", "generic_work"};
  }
}

/// The complete ("X") event of `e` on track `tid`, names suffixed with the
/// chunk when stages have several.
Object completeEvent(const ProfileEvent &e, const Profiler &profiler,
                     int64_t tid, uint32_t chunks) {
  std::string chunk = chunks > 1 ? "." + std::to_string(e.chunk) : "";
  Object event, args;
  args.add("step", e.step);
  switch (e.kind) {
  case ProfileEvent::Kind::Step:
    event.add("name", "step " + std::to_string(e.step))
        .add("cat", "step")
        .add("cname", "generic_work");
    break;
  case ProfileEvent::Kind::Optimizer:
    event.add("name", "OPT").add("cat", "optimizer-step").add("cname", "grey");
    break;
  case ProfileEvent::Kind::Function: {
    auto [category, colour] = kindOf(e.role);
    event
        .add("name", std::string(roleMnemonic(e.role)) +
                         std::to_string(e.microbatch) + chunk)
        .add("cat", category)
        .add("cname", colour);
    args.add("microbatch", int64_t(e.microbatch))
        .add("chunk", int64_t(e.chunk));
    break;
  }
  case ProfileEvent::Kind::Action: {
    auto [category, colour] = kindOf(e.action);
    program::Action action;
    action.set_kind(e.action);
    action.set_microbatch(uint32_t(std::max(0, e.microbatch)));
    action.set_chunk(uint32_t(e.chunk));
    action.set_peer(e.peer);
    event.add("name", actionText(action, chunks))
        .add("cat", category)
        .add("cname", colour);
    args.add("microbatch", int64_t(e.microbatch))
        .add("chunk", int64_t(e.chunk));
    if (e.peer >= 0)
      args.add("peer", int64_t(e.peer));
    break;
  }
  case ProfileEvent::Kind::Kernel: {
    const ProfiledKernel &kernel = profiler.kernels().at(e.kernel);
    event.add("name", kernel.op).add("cat", "kernel");
    args.add("microbatch", int64_t(e.microbatch))
        .add("function", roleMnemonic(e.role));
    if (!kernel.location.empty())
      args.add("location", kernel.location);
    if (kernel.flops > 0) {
      args.add("gflop", kernel.flops * 1e-9);
      if (e.endNs > e.startNs)
        args.add("gflop_per_s", kernel.flops / double(e.endNs - e.startNs));
    }
    break;
  }
  }
  event.add("ph", "X")
      .add("pid", int64_t(0))
      .add("tid", tid)
      .raw("ts", microseconds(e.startNs))
      .raw("dur", microseconds(e.endNs - e.startNs))
      .add("args", args);
  return event;
}

/// A metadata ("M") event of the process or, with `tid` >= 0, a track.
Object metadata(const char *name, const Object &args, int64_t tid) {
  Object event;
  event.add("name", name).add("ph", "M").add("pid", int64_t(0));
  if (tid >= 0)
    event.add("tid", tid);
  return event.add("args", args);
}

} // namespace

void pp::rt::writeProfileTrace(std::ostream &os, const Profiler &profiler,
                               const std::string &processName) {
  writePipelineTrace(os, {&profiler}, processName, 1);
}

void pp::rt::writePipelineTrace(std::ostream &os,
                                const std::vector<const Profiler *> &stages,
                                const std::string &processName,
                                uint32_t chunks) {
  // Parents before their children: by start, then the longer first, then
  // steps before functions before kernels (equal times at the clock's
  // resolution).
  // Actions (a fused backward) hold their function runs.
  auto depth = [](const ProfileEvent *e) {
    return e->kind == ProfileEvent::Kind::Step     ? 0
           : e->kind == ProfileEvent::Kind::Action ? 1
           : e->kind == ProfileEvent::Kind::Kernel ? 3
                                                   : 2;
  };
  os << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  os << metadata("process_name", Object().add("name", processName), -1).str();
  for (size_t s = 0; s < stages.size(); ++s) {
    int64_t tid = int64_t(s);
    os << ",\n"
       << metadata("thread_name",
                   Object().add("name", "stage " + std::to_string(s)), tid)
              .str();
    os << ",\n"
       << metadata("thread_sort_index", Object().add("sort_index", tid), tid)
              .str();
  }
  for (size_t s = 0; s < stages.size(); ++s) {
    std::vector<const ProfileEvent *> order;
    for (const ProfileEvent &e : stages[s]->events())
      order.push_back(&e);
    std::stable_sort(order.begin(), order.end(),
                     [&](const ProfileEvent *a, const ProfileEvent *b) {
                       if (a->startNs != b->startNs)
                         return a->startNs < b->startNs;
                       if (a->endNs != b->endNs)
                         return a->endNs > b->endNs;
                       return depth(a) < depth(b);
                     });
    for (const ProfileEvent *e : order)
      os << ",\n" << completeEvent(*e, *stages[s], int64_t(s), chunks).str();
  }
  os << "\n]}\n";
}
