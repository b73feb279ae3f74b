//===- ProfileReplay.cpp - Steps without the runtime's waits --------------===//

#include "pp/Runtime/ProfileReplay.h"

#include <algorithm>
#include <map>
#include <tuple>

using namespace pp::rt;

namespace {

using Kind = program::Action; // its action kinds

bool isReceive(const ProfileEvent &e) {
  return e.kind == ProfileEvent::Kind::Action &&
         (e.action == Kind::RECV_FORWARD || e.action == Kind::RECV_BACKWARD);
}
bool isSend(const ProfileEvent &e) {
  return e.kind == ProfileEvent::Kind::Action &&
         (e.action == Kind::SEND_FORWARD || e.action == Kind::SEND_BACKWARD);
}
bool isTied(const ProfileEvent &e) {
  return e.kind == ProfileEvent::Kind::Action && e.action == Kind::REDUCE_TIED;
}

/// The actions of `step` on one stage, in the order they ran: runs inside
/// a fused backward belong to it.
std::vector<const ProfileEvent *> actionsOf(const Profiler &p, int64_t step) {
  std::vector<const ProfileEvent *> out;
  for (const ProfileEvent &e : p.events())
    if (e.step == step && (e.kind == ProfileEvent::Kind::Action ||
                           e.kind == ProfileEvent::Kind::Function ||
                           e.kind == ProfileEvent::Kind::Optimizer))
      out.push_back(&e);
  std::sort(out.begin(), out.end(),
            [](const ProfileEvent *a, const ProfileEvent *b) {
              return std::make_pair(a->startNs, -a->endNs) <
                     std::make_pair(b->startNs, -b->endNs);
            });
  std::vector<const ProfileEvent *> kept;
  int64_t outerEnd = -1;
  for (const ProfileEvent *e : out) {
    if (e->endNs <= outerEnd && e->kind == ProfileEvent::Kind::Function)
      continue;
    kept.push_back(e);
    outerEnd = std::max(outerEnd, e->endNs);
  }
  return kept;
}

/// The step replayed, in seconds; negative when it cannot be.
double replayStep(const std::vector<std::vector<const ProfileEvent *>> &lists) {
  size_t p = lists.size();
  // Match sends to receives and tied reductions to their peers' by
  // occurrence: (from, to, kind of the send, microbatch) -> count.
  std::map<std::tuple<size_t, size_t, int, int32_t>, std::vector<double *>>
      sendEnds;
  std::vector<std::vector<double>> ends(p);
  for (size_t s = 0; s < p; ++s)
    ends[s].assign(lists[s].size(), -1);
  std::vector<size_t> at(p, 0);
  std::vector<double> clock(p, 0);
  std::map<std::tuple<size_t, size_t, int, int32_t>, size_t> receivedCount;
  // Per (stage, peer): each reduction's arrival and measured duration.
  std::map<std::pair<size_t, size_t>, std::vector<std::pair<double, double>>>
      tiedArrivals;
  std::map<std::pair<size_t, size_t>, size_t> tiedCount;
  bool moved = true;
  while (moved) {
    moved = false;
    for (size_t s = 0; s < p; ++s) {
      while (at[s] < lists[s].size()) {
        const ProfileEvent &e = *lists[s][at[s]];
        if (isReceive(e)) {
          size_t from = size_t(e.peer);
          int sendKind = e.action == Kind::RECV_FORWARD
                             ? int(Kind::SEND_FORWARD)
                             : int(Kind::SEND_BACKWARD);
          auto key = std::make_tuple(from, s, sendKind, e.microbatch);
          size_t n = receivedCount[key];
          auto it = sendEnds.find(key);
          if (it == sendEnds.end() || it->second.size() <= n)
            break; // its send has not been replayed yet
          clock[s] = std::max(clock[s], *it->second[n]);
          ++receivedCount[key];
        } else if (isTied(e)) {
          size_t peer = size_t(e.peer);
          size_t n = tiedCount[{s, peer}];
          auto &mine = tiedArrivals[{s, peer}];
          if (mine.size() <= n)
            mine.emplace_back(clock[s], e.seconds());
          auto &theirs = tiedArrivals[{peer, s}];
          if (theirs.size() <= n)
            break; // the peer has not reached it yet
          // Both measured durations hold the exchange, the earlier
          // arrival's its wait too: the shorter is the exchange.
          clock[s] = std::max(mine[n].first, theirs[n].first) +
                     std::min(mine[n].second, theirs[n].second);
          ++tiedCount[{s, peer}];
        } else {
          clock[s] += e.seconds();
        }
        ends[s][at[s]] = clock[s];
        if (isSend(e))
          sendEnds[std::make_tuple(s, size_t(e.peer), int(e.action),
                                   e.microbatch)]
              .push_back(&ends[s][at[s]]);
        ++at[s];
        moved = true;
      }
    }
  }
  for (size_t s = 0; s < p; ++s)
    if (at[s] != lists[s].size())
      return -1;
  return *std::max_element(clock.begin(), clock.end());
}

} // namespace

std::vector<ReplayedStep>
pp::rt::replaySteps(const std::vector<const Profiler *> &stages) {
  // The steps every stage recorded, with their span over the stages.
  std::map<int64_t, std::pair<int64_t, int64_t>> spans;
  std::map<int64_t, size_t> seen;
  for (const Profiler *p : stages)
    for (const ProfileEvent &e : p->events())
      if (e.kind == ProfileEvent::Kind::Step) {
        auto [it, added] = spans.try_emplace(e.step, e.startNs, e.endNs);
        it->second.first = std::min(it->second.first, e.startNs);
        it->second.second = std::max(it->second.second, e.endNs);
        ++seen[e.step];
      }
  std::vector<ReplayedStep> out;
  for (const auto &[step, span] : spans) {
    if (seen[step] != stages.size())
      continue;
    std::vector<std::vector<const ProfileEvent *>> lists;
    for (const Profiler *p : stages)
      lists.push_back(actionsOf(*p, step));
    double replayed = replayStep(lists);
    if (replayed < 0)
      continue;
    out.push_back({step, double(span.second - span.first) * 1e-9, replayed});
  }
  return out;
}
