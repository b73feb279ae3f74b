//===- ProgramActions.cpp - One stage's action list -----------------------===//
//
// The checks of a stage's schedule on its own (the pairing with the other
// stages and the deadlock replay are in ProgramReplay.cpp): known kinds,
// microbatches and chunks in range, each send and receive on the boundary
// its chunk's virtual stage has with a neighbour on another stage, one F per
// chunk and microbatch and, with a loss, one BW or one B and a later W, each
// after what it consumes on this stage, and OPT last. Also the text form of
// actions for messages, and the list a one-stage program without one runs.
//
//===----------------------------------------------------------------------===//

#include "ProgramChecks.h"

using namespace pp::rt;
using Action = program::Action;

namespace {
const char *mnemonic(Action::Kind kind) {
  switch (kind) {
  case Action::FORWARD:
    return "F";
  case Action::BACKWARD_INPUT:
    return "B";
  case Action::BACKWARD_WEIGHT:
    return "W";
  case Action::BACKWARD:
    return "BW";
  case Action::SEND_FORWARD:
    return "SF";
  case Action::RECV_FORWARD:
    return "RF";
  case Action::SEND_BACKWARD:
    return "SB";
  case Action::RECV_BACKWARD:
    return "RB";
  case Action::REDUCE_TIED:
    return "TR";
  case Action::OPTIMIZER_STEP:
    return "OPT";
  default:
    return nullptr;
  }
}

bool isSend(Action::Kind k) {
  return k == Action::SEND_FORWARD || k == Action::SEND_BACKWARD;
}
bool isRecv(Action::Kind k) {
  return k == Action::RECV_FORWARD || k == Action::RECV_BACKWARD;
}
bool isCompute(Action::Kind k) {
  return k == Action::FORWARD || k == Action::BACKWARD_INPUT ||
         k == Action::BACKWARD_WEIGHT || k == Action::BACKWARD;
}

Action makeAction(Action::Kind kind, uint32_t mb, uint32_t chunk,
                  int32_t peer = -1) {
  Action a;
  a.set_kind(kind);
  a.set_microbatch(mb);
  a.set_chunk(chunk);
  a.set_peer(peer);
  return a;
}

/// Walks one stage's list once, keeping per (microbatch, chunk) the index
/// of the action that did each step (-1: not yet).
class ActionChecker {
public:
  ActionChecker(const program::Program &prog, const program::Manifest &m,
                const std::string &manifestPath, const std::string &path)
      : prog_(prog), m_(m), manifestPath_(manifestPath), path_(path),
        stage_(prog.stage()), chunks_(chunksPerStage(m)),
        numVirtual_(numVirtualStages(m)), training_(!m.loss().empty()),
        steps_(size_t(m.microbatches()) * chunks_) {}

  Status run() {
    if (prog_.actions_size() == 0)
      return Status::error(path_ + ": the program has no actions; only a "
                                   "one-stage program may leave them out "
                                   "(the loader then fills them in)");
    for (int i = 0; i < prog_.actions_size(); ++i) {
      if (Status s = checkRange(i))
        return s;
      if (!actionRuns(prog_.actions(i), m_))
        continue;
      if (Status s = checkAction(i))
        return s;
    }
    return checkComplete();
  }

private:
  struct Steps {
    int f = -1, b = -1, w = -1, sf = -1, rf = -1, sb = -1, rb = -1;
    bool fused = false;
  };

  std::string text(const Action &a) const { return actionText(a, chunks_); }
  Status fail(int i, const std::string &message) const {
    return Status::error(path_ + ": action " + std::to_string(i) + " '" +
                         text(prog_.actions(i)) + "': " + message);
  }
  Steps &steps(uint32_t mb, uint32_t chunk) {
    return steps_[size_t(mb) * chunks_ + chunk];
  }

  Status checkPeerStage(int i) const {
    int32_t peer = prog_.actions(i).peer();
    if (peer < 0 || uint32_t(peer) >= m_.num_stages() ||
        uint32_t(peer) == stage_)
      return fail(i, "peer stage " + std::to_string(peer) +
                         " is not another stage of the " +
                         std::to_string(m_.num_stages()));
    return Status::ok();
  }

  /// Kind, microbatch, chunk and peer in range (also for skipped actions).
  Status checkRange(int i) const {
    const Action &a = prog_.actions(i);
    if (!mnemonic(a.kind()))
      return Status::error(path_ + ": action " + std::to_string(i) +
                           " has unknown kind " + std::to_string(a.kind()));
    if (a.kind() == Action::OPTIMIZER_STEP)
      return Status::ok();
    if (a.kind() == Action::REDUCE_TIED)
      return checkPeerStage(i);
    if (a.microbatch() >= m_.microbatches())
      return fail(i, "microbatch " + std::to_string(a.microbatch()) +
                         " is out of range (the manifest has " +
                         std::to_string(m_.microbatches()) + " microbatches)");
    if (a.chunk() >= chunks_)
      return fail(i, "chunk " + std::to_string(a.chunk()) +
                         " is out of range (the manifest has " +
                         std::to_string(chunks_) + " chunk(s) per stage)");
    if (isSend(a.kind()) || isRecv(a.kind()))
      return checkPeerStage(i);
    return Status::ok();
  }

  /// A send or receive crosses a boundary of its chunk's virtual stage that
  /// exists and leads to the peer's stage.
  Status checkChannel(int i) const {
    const Action &a = prog_.actions(i);
    bool send = isSend(a.kind());
    bool grad =
        a.kind() == Action::SEND_BACKWARD || a.kind() == Action::RECV_BACKWARD;
    const char *data = grad ? "gradients" : "activations";
    uint32_t k = virtualStageOf(m_, stage_, a.chunk());
    bool toNext = send != grad; // SF and RB pair with virtual stage k+1
    if (toNext && k + 1 == numVirtual_)
      return fail(i, "virtual stage " + std::to_string(k) +
                         " is the last: it " +
                         (send ? "sends no activations"
                               : "receives no "
                                 "gradients"));
    if (!toNext && k == 0)
      return fail(i, "virtual stage 0 is the first: it " +
                         std::string(send ? "sends no gradients"
                                          : "receives no activations"));
    uint32_t other = toNext ? k + 1 : k - 1;
    uint32_t at = locateVirtualStage(m_, other).first;
    if (at != stage_ && uint32_t(a.peer()) == at)
      return Status::ok();
    std::string role =
        std::string(send ? "receives" : "sends") + " the " + data;
    if (at == stage_)
      return fail(i, "virtual stage " + std::to_string(other) + ", which " +
                         role +
                         ", is on this stage too: they stay on the "
                         "stage and are not " +
                         (send ? "sent" : "received"));
    return fail(i, std::string(send ? "sends to" : "receives from") +
                       " stage " + std::to_string(a.peer()) +
                       ", but virtual stage " + std::to_string(other) +
                       ", which " + role + ", is on stage " +
                       std::to_string(at));
  }

  /// Where the input of F (`grad` false) or B/BW (`grad` true) of
  /// (mb, chunk) comes from on this stage; an error when it has not come.
  Status checkInput(int i, bool grad) {
    const Action &a = prog_.actions(i);
    uint32_t k = virtualStageOf(m_, stage_, a.chunk());
    if (grad ? k + 1 == numVirtual_ : k == 0)
      return Status::ok();
    uint32_t from = grad ? k + 1 : k - 1;
    auto [fromStage, fromChunk] = locateVirtualStage(m_, from);
    const Steps &mine = steps(a.microbatch(), a.chunk());
    if (fromStage != stage_ && (grad ? mine.rb : mine.rf) >= 0)
      return Status::ok();
    const Steps &producer = steps(a.microbatch(), fromChunk);
    if (fromStage == stage_ && (grad ? producer.b : producer.f) >= 0)
      return Status::ok();
    std::string what = std::string("needs the ") +
                       (grad ? "gradients" : "activations") +
                       " of virtual stage " + std::to_string(from);
    if (fromStage != stage_) {
      Action recv =
          makeAction(grad ? Action::RECV_BACKWARD : Action::RECV_FORWARD,
                     a.microbatch(), a.chunk(), int32_t(fromStage));
      return fail(i, what + " from stage " + std::to_string(fromStage) +
                         ", but '" + text(recv) + "' does not come before it");
    }
    Action make = makeAction(grad ? Action::BACKWARD_INPUT : Action::FORWARD,
                             a.microbatch(), fromChunk);
    return fail(i, what + ", but '" + text(make) + "'" +
                       (grad ? " (or its BW)" : "") +
                       " does not come before it on this stage");
  }

  Status checkAction(int i) {
    const Action &a = prog_.actions(i);
    if (optAt_ >= 0)
      return fail(i, "comes after the optimizer step (action " +
                         std::to_string(optAt_) + "), which must be last");
    if (a.kind() == Action::OPTIMIZER_STEP) {
      optAt_ = i;
      return Status::ok();
    }
    if (a.kind() == Action::REDUCE_TIED) {
      tiedAt_ = i;
      if (detail::shareTiedParameter(m_, stage_, uint32_t(a.peer())))
        return Status::ok();
      return fail(i, "stages " + std::to_string(stage_) + " and " +
                         std::to_string(a.peer()) +
                         " share no tied parameter (" + manifestPath_ + ")");
    }
    if (tiedAt_ >= 0 && isCompute(a.kind()))
      return fail(i, "compute after the tied-gradient reduction (action " +
                         std::to_string(tiedAt_) +
                         "), which needs every gradient done");
    if (isSend(a.kind()) || isRecv(a.kind()))
      if (Status s = checkChannel(i))
        return s;
    return checkStep(i);
  }

  /// The action's step of its (microbatch, chunk): once, after what it
  /// needs.
  Status checkStep(int i) {
    const Action &a = prog_.actions(i);
    Steps &mine = steps(a.microbatch(), a.chunk());
    auto twice = [&](int first, const std::string &what) {
      return fail(i, "a second " + what + " (the first is action " +
                         std::to_string(first) + ")");
    };
    auto pass = [&](Action::Kind kind) {
      return text(makeAction(kind, a.microbatch(), a.chunk()));
    };
    switch (a.kind()) {
    case Action::FORWARD:
      if (mine.f >= 0)
        return twice(mine.f, "forward of this microbatch and chunk");
      if (Status s = checkInput(i, /*grad=*/false))
        return s;
      mine.f = i;
      return Status::ok();
    case Action::BACKWARD_INPUT:
    case Action::BACKWARD:
      if (mine.f < 0)
        return fail(i,
                    "comes before its forward '" + pass(Action::FORWARD) + "'");
      if (mine.b >= 0)
        return twice(mine.b, "backward of this microbatch and chunk");
      if (Status s = checkInput(i, /*grad=*/true))
        return s;
      mine.b = i;
      mine.fused = a.kind() == Action::BACKWARD;
      return Status::ok();
    case Action::BACKWARD_WEIGHT:
      if (mine.fused)
        return fail(i, "the weight gradients were already computed by "
                       "action " +
                           std::to_string(mine.b) + " '" +
                           text(prog_.actions(mine.b)) + "'");
      if (mine.b < 0)
        return fail(i,
                    "comes before its '" + pass(Action::BACKWARD_INPUT) + "'");
      if (mine.w >= 0)
        return twice(mine.w, "W of this microbatch and chunk");
      mine.w = i;
      return Status::ok();
    case Action::SEND_FORWARD:
    case Action::SEND_BACKWARD: {
      bool grad = a.kind() == Action::SEND_BACKWARD;
      if ((grad ? mine.b : mine.f) < 0)
        return fail(
            i, "sends before '" +
                   pass(grad ? Action::BACKWARD_INPUT : Action::FORWARD) +
                   "' produces the " + (grad ? "gradients" : "activations"));
      int &sent = grad ? mine.sb : mine.sf;
      if (sent >= 0)
        return twice(sent, grad ? "send of these gradients"
                                : "send of these activations");
      sent = i;
      return Status::ok();
    }
    case Action::RECV_FORWARD:
    case Action::RECV_BACKWARD: {
      bool grad = a.kind() == Action::RECV_BACKWARD;
      int &received = grad ? mine.rb : mine.rf;
      if (received >= 0)
        return twice(received, grad ? "receive of these gradients"
                                    : "receive of these activations");
      received = i;
      return Status::ok();
    }
    default:
      return Status::ok();
    }
  }

  /// Every (microbatch, chunk) ran F and, with a loss, BW or B and W.
  Status checkComplete() const {
    for (uint32_t mb = 0; mb < m_.microbatches(); ++mb)
      for (uint32_t c = 0; c < chunks_; ++c) {
        const Steps &s = steps_[size_t(mb) * chunks_ + c];
        std::string which =
            "microbatch " + std::to_string(mb) + ", chunk " + std::to_string(c);
        if (s.f < 0)
          return Status::error(path_ + ": no forward of " + which + " ('" +
                               text(makeAction(Action::FORWARD, mb, c)) +
                               "'): every microbatch needs one on every chunk");
        if (!training_)
          continue;
        if (s.b < 0)
          return Status::error(
              path_ + ": no backward of " + which + " ('" +
              text(makeAction(Action::BACKWARD_INPUT, mb, c)) + "' or '" +
              text(makeAction(Action::BACKWARD, mb, c)) +
              "'): the manifest has a loss, so every microbatch needs one on "
              "every chunk");
        if (!s.fused && s.w < 0)
          return fail(
              s.b, "no '" + text(makeAction(Action::BACKWARD_WEIGHT, mb, c)) +
                       "' comes after it");
      }
    return Status::ok();
  }

  const program::Program &prog_;
  const program::Manifest &m_;
  const std::string &manifestPath_;
  const std::string &path_;
  uint32_t stage_, chunks_, numVirtual_;
  bool training_;
  std::vector<Steps> steps_;
  int optAt_ = -1, tiedAt_ = -1;
};
} // namespace

std::string pp::rt::actionText(const Action &action, uint32_t chunks) {
  const char *name = mnemonic(action.kind());
  if (!name)
    return "?" + std::to_string(int(action.kind()));
  std::string out = name;
  if (action.kind() == Action::OPTIMIZER_STEP)
    return out;
  if (action.kind() == Action::REDUCE_TIED)
    return out + "~" + std::to_string(action.peer());
  out += std::to_string(action.microbatch());
  if (chunks > 1 || action.chunk() != 0)
    out += "." + std::to_string(action.chunk());
  if (isSend(action.kind()))
    out += ">" + std::to_string(action.peer());
  else if (isRecv(action.kind()))
    out += "<" + std::to_string(action.peer());
  return out;
}

bool pp::rt::actionRuns(const Action &action,
                        const program::Manifest &manifest) {
  if (!manifest.loss().empty())
    return true;
  return action.kind() == Action::FORWARD ||
         action.kind() == Action::SEND_FORWARD ||
         action.kind() == Action::RECV_FORWARD;
}

void pp::rt::fillDefaultActions(program::Program &prog,
                                const program::Manifest &manifest) {
  if (prog.actions_size() > 0 || manifest.num_stages() != 1)
    return;
  bool training = !manifest.loss().empty();
  uint32_t numVirtual = numVirtualStages(manifest);
  for (uint32_t mb = 0; mb < manifest.microbatches(); ++mb) {
    // One stage holds every virtual stage: forwards in pipeline order,
    // backwards in reverse, each W right after its B.
    for (uint32_t k = 0; k < numVirtual; ++k)
      *prog.add_actions() = makeAction(Action::FORWARD, mb,
                                       locateVirtualStage(manifest, k).second);
    if (!training)
      continue;
    for (uint32_t k = numVirtual; k-- > 0;) {
      uint32_t chunk = locateVirtualStage(manifest, k).second;
      *prog.add_actions() = makeAction(Action::BACKWARD_INPUT, mb, chunk);
      *prog.add_actions() = makeAction(Action::BACKWARD_WEIGHT, mb, chunk);
    }
  }
  if (training)
    *prog.add_actions() = makeAction(Action::OPTIMIZER_STEP, 0, 0);
}

Status pp::rt::verifyActions(const program::Program &prog,
                             const program::Manifest &manifest,
                             const std::string &manifestPath,
                             const std::string &path) {
  if (prog.stage() >= manifest.num_stages())
    return Status::error(path + ": stage " + std::to_string(prog.stage()) +
                         ", but the manifest has " +
                         std::to_string(manifest.num_stages()) + " stages");
  return ActionChecker(prog, manifest, manifestPath, path).run();
}
