//===- ProgramReplay.cpp - Sends, receives and deadlocks across stages ----===//
//
// Between every two stages s and t, the messages s sends to t (SF, SB) and
// the ones t receives from s (RF, RB) must be the same sequence: the
// transports deliver them in order. The n-th TR~t of stage s pairs with the
// n-th TR~s of stage t. Then all lists are replayed with blocking rendezvous
// semantics (a send completes together with its receive, a reduction with
// its partner's; F and B wait for their inputs, received or produced
// earlier on the stage) and must all run to the end. Each action is looked
// at a constant number of times: the checks are linear in the total number
// of actions (plus stages squared).
//
// Both checks see only the actions the executor runs (`actionRuns`).
//
//===----------------------------------------------------------------------===//

#include "ProgramChecks.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

using namespace pp::rt;
using Action = program::Action;

namespace {
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

std::string ordinal(size_t n) {
  const char *suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1)
      suffix = "st";
    else if (n % 10 == 2)
      suffix = "nd";
    else if (n % 10 == 3)
      suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

class Replay {
public:
  explicit Replay(const ProgramDirectory &dir)
      : dir_(dir), m_(dir.manifest), stages_(m_.num_stages()),
        chunks_(chunksPerStage(m_)), numVirtual_(numVirtualStages(m_)) {}

  Status run() {
    if (Status s = collect())
      return s;
    // Only the pairs of stages that exchange anything, in (s, t) order: a
    // p x p table would grow with the square of the stage count.
    std::set<std::pair<uint32_t, uint32_t>> pairs;
    for (const auto &entry : sends_)
      pairs.insert(entry.first);
    for (const auto &entry : recvs_)
      pairs.insert({entry.first.second, entry.first.first});
    for (const auto &entry : reductions_)
      pairs.insert({std::min(entry.first.first, entry.first.second),
                    std::max(entry.first.first, entry.first.second)});
    for (auto [s, t] : pairs) {
      if (Status st = pairMessages(s, t))
        return st;
      if (s < t)
        if (Status st = pairReductions(s, t))
          return st;
    }
    return replay();
  }

private:
  const Action &action(uint32_t s, uint32_t i) const { return *lists_[s][i]; }
  const std::string &path(uint32_t s) const {
    return dir_.stages[s].programPath;
  }

  /// The actions each stage runs, and its sends, receives and reductions
  /// by peer.
  Status collect() {
    lists_.resize(stages_);
    partner_.resize(stages_);
    sends_.clear();
    recvs_.clear();
    reductions_.clear();
    indices_.resize(stages_);
    for (uint32_t s = 0; s < stages_; ++s) {
      const program::Program &prog = dir_.stages[s].program;
      for (int i = 0; i < prog.actions_size(); ++i) {
        const Action &a = prog.actions(i);
        if (!actionRuns(a, m_))
          continue;
        uint32_t index = uint32_t(lists_[s].size());
        bool comm =
            a.kind() >= Action::SEND_FORWARD && a.kind() <= Action::REDUCE_TIED;
        bool outside =
            (comm && (a.peer() < 0 || uint32_t(a.peer()) >= stages_)) ||
            (a.kind() < Action::REDUCE_TIED &&
             (a.microbatch() >= m_.microbatches() || a.chunk() >= chunks_));
        if (outside) // verifyActions says which and why
          return Status::error(path(s) + ": action " + std::to_string(i) +
                               " is out of range (the stage's actions are "
                               "not verified)");
        if (a.kind() == Action::SEND_FORWARD ||
            a.kind() == Action::SEND_BACKWARD)
          sends_[{s, uint32_t(a.peer())}].push_back(index);
        else if (a.kind() == Action::RECV_FORWARD ||
                 a.kind() == Action::RECV_BACKWARD)
          recvs_[{s, uint32_t(a.peer())}].push_back(index);
        else if (a.kind() == Action::REDUCE_TIED)
          reductions_[{s, uint32_t(a.peer())}].push_back(index);
        lists_[s].push_back(&a);
        indices_[s].push_back(uint32_t(i));
      }
      partner_[s].assign(lists_[s].size(), kNone);
    }
    return Status::ok();
  }

  /// Messages are equal when both carry the activations (or gradients) of
  /// the same microbatch across the same boundary.
  struct Message {
    bool grad;
    uint32_t microbatch, boundary;
    bool operator==(const Message &o) const {
      return grad == o.grad && microbatch == o.microbatch &&
             boundary == o.boundary;
    }
  };
  Message message(uint32_t s, const Action &a) const {
    uint32_t k = virtualStageOf(m_, s, a.chunk());
    switch (a.kind()) {
    case Action::SEND_FORWARD:
      return {false, a.microbatch(), k};
    case Action::RECV_FORWARD:
      return {false, a.microbatch(), k - 1};
    case Action::SEND_BACKWARD:
      return {true, a.microbatch(), k - 1};
    default: // RECV_BACKWARD
      return {true, a.microbatch(), k};
    }
  }
  /// The index in the program's own list, for messages.
  std::string where(uint32_t s, uint32_t i) const {
    return "action " + std::to_string(indices_[s][i]) + " '" +
           actionText(action(s, i), chunks_) + "'";
  }

  Status pairMessages(uint32_t s, uint32_t t) {
    const std::vector<uint32_t> &sent = byPair(sends_, s, t),
                                &received = byPair(recvs_, t, s);
    std::string between =
        " from stage " + std::to_string(s) + " to stage " + std::to_string(t);
    for (size_t n = 0; n < sent.size() || n < received.size(); ++n) {
      std::string nth = "the " + ordinal(n + 1) + " message" + between;
      if (n >= received.size())
        return Status::error(path(s) + ": " + where(s, sent[n]) + " is " + nth +
                             ", but stage " + std::to_string(t) + " (" +
                             path(t) + ") receives only " +
                             std::to_string(received.size()));
      if (n >= sent.size())
        return Status::error(path(t) + ": " + where(t, received[n]) + " is " +
                             nth + ", but stage " + std::to_string(s) + " (" +
                             path(s) + ") sends only " +
                             std::to_string(sent.size()));
      if (!(message(s, action(s, sent[n])) ==
            message(t, action(t, received[n]))))
        return Status::error(path(s) + ": " + where(s, sent[n]) + " is " + nth +
                             ", but the " + ordinal(n + 1) + " that stage " +
                             std::to_string(t) + " receives from stage " +
                             std::to_string(s) + " is " +
                             where(t, received[n]) + " (" + path(t) +
                             "); receives must come in the order of the sends");
      partner_[s][sent[n]] = received[n];
      partner_[t][received[n]] = sent[n];
    }
    return Status::ok();
  }

  Status pairReductions(uint32_t s, uint32_t t) {
    const std::vector<uint32_t> &mine = byPair(reductions_, s, t),
                                &theirs = byPair(reductions_, t, s);
    for (size_t n = 0; n < mine.size() || n < theirs.size(); ++n) {
      bool extraMine = n >= theirs.size();
      if (extraMine || n >= mine.size()) {
        uint32_t from = extraMine ? s : t, to = extraMine ? t : s;
        uint32_t i = extraMine ? mine[n] : theirs[n];
        return Status::error(path(from) + ": " + where(from, i) +
                             " has no matching 'TR~" + std::to_string(from) +
                             "' on stage " + std::to_string(to) + " (" +
                             path(to) + "): the " + ordinal(n + 1) +
                             " TR~t of stage s pairs with the " +
                             ordinal(n + 1) + " TR~s of stage t");
      }
      partner_[s][mine[n]] = theirs[n];
      partner_[t][theirs[n]] = mine[n];
    }
    return Status::ok();
  }

  enum : uint8_t { kActivations = 1, kGradients = 2 };
  uint8_t &inputs(uint32_t s, const Action &a) {
    return ready_[s][size_t(a.microbatch()) * chunks_ + a.chunk()];
  }
  /// Marks what a received message or a computed pass provides on stage s.
  void provide(uint32_t s, const Action &a) {
    uint32_t k = virtualStageOf(m_, s, a.chunk());
    if (a.kind() == Action::RECV_FORWARD)
      inputs(s, a) |= kActivations;
    else if (a.kind() == Action::RECV_BACKWARD)
      inputs(s, a) |= kGradients;
    else if (a.kind() == Action::FORWARD && k + 1 < numVirtual_) {
      auto [next, chunk] = locateVirtualStage(m_, k + 1);
      if (next == s)
        ready_[s][size_t(a.microbatch()) * chunks_ + chunk] |= kActivations;
    } else if ((a.kind() == Action::BACKWARD_INPUT ||
                a.kind() == Action::BACKWARD) &&
               k > 0) {
      auto [prev, chunk] = locateVirtualStage(m_, k - 1);
      if (prev == s)
        ready_[s][size_t(a.microbatch()) * chunks_ + chunk] |= kGradients;
    }
  }
  /// What F, B or BW of stage s waits for; 0 for other actions.
  uint8_t needs(uint32_t s, const Action &a) const {
    uint32_t k = virtualStageOf(m_, s, a.chunk());
    if (a.kind() == Action::FORWARD && k > 0)
      return kActivations;
    if ((a.kind() == Action::BACKWARD_INPUT || a.kind() == Action::BACKWARD) &&
        k + 1 < numVirtual_)
      return kGradients;
    return 0;
  }

  /// Runs stage s until it blocks; wakes the peers it completes pairs with.
  void advance(uint32_t s, std::vector<uint32_t> &work) {
    size_t &pc = pc_[s];
    while (pc < lists_[s].size()) {
      const Action &a = action(s, uint32_t(pc));
      uint32_t j = partner_[s][pc];
      if (j != kNone) {
        uint32_t t = uint32_t(a.peer());
        if (pc_[t] != j)
          return; // t completes the pair when it gets there
        provide(s, a);
        provide(t, action(t, j));
        ++pc_[t];
        ++pc;
        work.push_back(t);
        continue;
      }
      uint8_t need = needs(s, a);
      if (need && !(inputs(s, a) & need))
        return; // only this stage's earlier actions could provide it
      provide(s, a);
      ++pc;
    }
  }

  Status replay() {
    pc_.assign(stages_, 0);
    ready_.assign(stages_,
                  std::vector<uint8_t>(size_t(m_.microbatches()) * chunks_));
    std::vector<uint32_t> work;
    for (uint32_t s = stages_; s-- > 0;)
      work.push_back(s);
    while (!work.empty()) {
      uint32_t s = work.back();
      work.pop_back();
      advance(s, work);
    }
    std::string stuck;
    for (uint32_t s = 0; s < stages_; ++s) {
      if (pc_[s] == lists_[s].size())
        continue;
      uint32_t i = uint32_t(pc_[s]);
      const Action &a = action(s, i);
      std::string line = "stage " + std::to_string(s) + " (" + path(s) +
                         ") is stuck at " + where(s, i);
      if (partner_[s][i] != kNone)
        line += ", waiting for stage " + std::to_string(a.peer()) +
                " to reach " + where(uint32_t(a.peer()), partner_[s][i]);
      else
        line += std::string(": its ") +
                (needs(s, a) == kActivations ? "activations" : "gradients") +
                " were neither received nor produced before it";
      stuck += (stuck.empty() ? "" : "; ") + line;
    }
    if (stuck.empty())
      return Status::ok();
    return Status::error(dir_.manifestPath +
                         ": the stages' action lists deadlock: " + stuck);
  }

  const ProgramDirectory &dir_;
  const program::Manifest &m_;
  uint32_t stages_, chunks_, numVirtual_;
  std::vector<std::vector<const Action *>> lists_; // the actions that run
  std::vector<std::vector<uint32_t>> indices_;     // their program indices
  std::vector<std::vector<uint32_t>> partner_;     // the paired action's index
  // [s][t]: indices into lists_[s] of the sends to t, the receives from t,
  // the reductions with t.
  /// Action indices by (stage, peer), for the pairs that have any.
  using ByPair = std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>>;
  ByPair sends_, recvs_, reductions_;
  static const std::vector<uint32_t> &byPair(const ByPair &table, uint32_t s,
                                             uint32_t t) {
    static const std::vector<uint32_t> none;
    auto it = table.find({s, t});
    return it == table.end() ? none : it->second;
  }
  std::vector<size_t> pc_;
  std::vector<std::vector<uint8_t>> ready_; // per (microbatch, chunk)
};
} // namespace

Status detail::verifyCommunication(const ProgramDirectory &dir) {
  return Replay(dir).run();
}

Status pp::rt::verifyAcrossStages(const ProgramDirectory &dir) {
  if (dir.stages.size() != dir.manifest.num_stages())
    return Status::error(dir.manifestPath + ": " +
                         std::to_string(dir.stages.size()) + " programs for " +
                         std::to_string(dir.manifest.num_stages()) + " stages");
  if (Status s = detail::verifyTiedParameters(dir))
    return s;
  return detail::verifyCommunication(dir);
}
