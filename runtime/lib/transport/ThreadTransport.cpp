//===- ThreadTransport.cpp - Stages as threads of one process -------------===//

#include "pp/Runtime/ThreadTransport.h"
#include "pp/Runtime/Device.h"

#include "MessageCheck.h"
#include "pp/Runtime/BufferPool.h"

#include <cassert>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>

using namespace pp::rt;
using namespace pp::rt::transport;

namespace {

struct Message {
  MessageTag tag;
  bool isBytes = false;
  std::vector<Tensor> tensors; // copies in the transport's memory
  std::string bytes;
  /// Device tensors: the marker of their copies on the sender's queue.
  std::shared_ptr<void> copied;

  ArrivedMessage describe() const {
    ArrivedMessage got;
    got.tag = tag;
    got.isBytes = isBytes;
    got.byteCount = bytes.size();
    for (const Tensor &t : tensors)
      got.types.push_back(t.type());
    return got;
  }
};

enum class WaitKind : uint8_t { None, Recv, Barrier, AllReduce };

/// What a call that may block is waiting for.
struct Wait {
  WaitKind kind = WaitKind::None;
  uint32_t peer = 0;    // Recv
  MessageTag tag;       // Recv
  bool isBytes = false; // Recv
  uint64_t round = 0;   // Barrier, AllReduce: the collective's round
};

enum class Progress : uint8_t { Blocked, Ready, Failed };

std::string stageName(uint32_t stage) {
  return "stage " + std::to_string(stage);
}

const char *collectiveName(WaitKind kind) {
  return kind == WaitKind::Barrier ? "barrier" : "allReduceSum";
}

} // namespace

struct ThreadTransport::State {
  struct Stage {
    std::condition_variable wakeup;
    bool finished = false;
    Wait wait;
    std::string activity;
  };

  explicit State(uint32_t numStages)
      : numStages(numStages), mailboxes(size_t(numStages) * numStages),
        stages(numStages), joined(numStages, false), values(numStages, 0.0) {}

  std::deque<Message> &mailbox(uint32_t src, uint32_t dst) {
    return mailboxes[size_t(src) * numStages + dst];
  }

  void wakeAll() {
    for (Stage &s : stages)
      s.wakeup.notify_all();
  }

  /// Stops the transport: every wait and every later call fails with
  /// `message`. The first stop wins.
  void stop(std::string message) {
    if (stopped)
      return;
    stopped = true;
    stopMessage = std::move(message);
    wakeAll();
  }

  /// Whether stage `s`'s wait can end (successfully or not), and the error
  /// when it ends in failure.
  Progress progress(uint32_t s, std::string *error = nullptr) {
    const Wait &w = stages[s].wait;
    switch (w.kind) {
    case WaitKind::None:
      return Progress::Ready;
    case WaitKind::Recv:
      if (!mailbox(w.peer, s).empty())
        return Progress::Ready;
      if (stages[w.peer].finished) {
        if (error)
          *error = stageName(s) + " cannot receive " + w.tag.str() + " from " +
                   stageName(w.peer) + ": " + stageName(w.peer) +
                   " has finished and sent nothing more";
        return Progress::Failed;
      }
      return Progress::Blocked;
    case WaitKind::Barrier:
    case WaitKind::AllReduce:
      if (round != w.round)
        return Progress::Ready;
      for (uint32_t t = 0; t < numStages; ++t)
        if (stages[t].finished && !joined[t]) {
          if (error)
            *error = stageName(s) + " cannot complete " +
                     collectiveName(w.kind) + ": " + stageName(t) +
                     " has finished without joining it";
          return Progress::Failed;
        }
      return Progress::Blocked;
    }
    return Progress::Blocked;
  }

  std::string describeWait(uint32_t s) {
    const Stage &st = stages[s];
    std::string line = "  " + stageName(s) + ": ";
    if (st.finished)
      return line + "finished";
    const Wait &w = st.wait;
    switch (w.kind) {
    case WaitKind::None:
      line += "running";
      break;
    case WaitKind::Recv:
      line += "receiving " + w.tag.str() + (w.isBytes ? " (bytes)" : "") +
              " from " + stageName(w.peer) + " (nothing queued)";
      break;
    case WaitKind::Barrier:
    case WaitKind::AllReduce:
      line += std::string("in ") + collectiveName(w.kind) + " (" +
              std::to_string(arrived) + " of " + std::to_string(numStages) +
              " stages arrived)";
      break;
    }
    if (!st.activity.empty())
      line += " [activity: " + st.activity + "]";
    return line;
  }

  /// Stops the transport with a report when every stage that has not
  /// finished waits and no wait can end.
  void detectDeadlock() {
    if (stopped)
      return;
    bool anyRunning = false;
    for (uint32_t s = 0; s < numStages; ++s) {
      if (stages[s].finished)
        continue;
      if (stages[s].wait.kind == WaitKind::None ||
          progress(s) != Progress::Blocked)
        return;
      anyRunning = true;
    }
    if (!anyRunning)
      return;
    std::string report = "deadlock: every stage that has not finished is "
                         "waiting, and nothing queued can satisfy any of "
                         "them:";
    for (uint32_t s = 0; s < numStages; ++s)
      report += "\n" + describeWait(s);
    stop(std::move(report));
  }

  /// Blocks stage `s` until its wait (already recorded) can end, and clears
  /// the record. The caller holds `lock`.
  Status waitFor(std::unique_lock<std::mutex> &lock, uint32_t s) {
    Stage &st = stages[s];
    for (;;) {
      if (stopped) {
        st.wait = Wait();
        return Status::error(stopMessage);
      }
      std::string error;
      Progress p = progress(s, &error);
      if (p != Progress::Blocked) {
        st.wait = Wait();
        return p == Progress::Ready ? Status::ok()
                                    : Status::error(std::move(error));
      }
      detectDeadlock();
      if (stopped)
        continue;
      st.wakeup.wait(lock);
    }
  }

  /// The error for calls made after the stage finished, or after the
  /// transport stopped; OK otherwise.
  Status checkUsable(uint32_t s, const char *call) {
    if (stopped)
      return Status::error(stopMessage);
    if (stages[s].finished)
      return Status::error(stageName(s) + " called " + call +
                           " after it finished");
    return Status::ok();
  }

  Status enqueue(uint32_t src, uint32_t dst, Message message) {
    if (Status s = checkPeer(src, numStages, dst, "send to"))
      return s;
    std::lock_guard<std::mutex> lock(mutex);
    if (Status s = checkUsable(src, "send"))
      return s;
    if (stages[dst].finished)
      return Status::error(stageName(src) + " cannot send " +
                           message.tag.str() + " to " + stageName(dst) + ": " +
                           stageName(dst) + " has finished");
    mailbox(src, dst).push_back(std::move(message));
    stages[dst].wakeup.notify_all();
    return Status::ok();
  }

  /// Waits for the next message from `src` to `dst` and takes it.
  Status dequeue(uint32_t dst, uint32_t src, const MessageTag &tag,
                 bool isBytes, Message &out) {
    if (Status s = checkPeer(dst, numStages, src, "receive from"))
      return s;
    std::unique_lock<std::mutex> lock(mutex);
    if (Status s = checkUsable(dst, isBytes ? "recvBytes" : "recv"))
      return s;
    Wait &w = stages[dst].wait;
    w.kind = WaitKind::Recv;
    w.peer = src;
    w.tag = tag;
    w.isBytes = isBytes;
    if (Status s = waitFor(lock, dst))
      return s;
    std::deque<Message> &box = mailbox(src, dst);
    out = std::move(box.front());
    box.pop_front();
    return Status::ok();
  }

  const uint32_t numStages;
  std::mutex mutex;
  std::vector<std::deque<Message>> mailboxes; // [src * numStages + dst]
  std::vector<Stage> stages;

  // The collective in progress: its round, its kind, which stages have
  // joined it, and their values. `lastSum` is the previous round's result,
  // which its waiters read before the next round can complete.
  uint64_t round = 0;
  WaitKind roundKind = WaitKind::None;
  uint32_t arrived = 0;
  std::vector<bool> joined;
  std::vector<double> values;
  double lastSum = 0;

  bool stopped = false;
  std::string stopMessage;
};

//===----------------------------------------------------------------------===//
// ThreadTransport
//===----------------------------------------------------------------------===//

ThreadTransport::ThreadTransport(uint32_t numStages)
    : state_(std::make_unique<State>(numStages)) {
  assert(numStages >= 1 && "a pipeline has at least one stage");
  for (uint32_t s = 0; s < numStages; ++s)
    endpoints_.push_back(std::unique_ptr<Endpoint>(new Endpoint(*state_, s)));
}

ThreadTransport::~ThreadTransport() = default;

uint32_t ThreadTransport::numStages() const { return state_->numStages; }

ThreadTransport::Endpoint &ThreadTransport::endpoint(uint32_t stage) {
  assert(stage < endpoints_.size() && "no such stage");
  return *endpoints_[stage];
}

Status ThreadTransport::checkAllDelivered() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::string lines;
  size_t count = 0;
  uint32_t p = state_->numStages;
  for (uint32_t src = 0; src < p; ++src)
    for (uint32_t dst = 0; dst < p; ++dst)
      for (const Message &m : state_->mailbox(src, dst)) {
        ArrivedMessage d = m.describe();
        lines += "\n  " + stageName(src) + " to " + stageName(dst) + ": " +
                 m.tag.str() + " holding " +
                 (m.isBytes ? std::to_string(d.byteCount) + " bytes"
                            : describeTensorTypes(d.types));
        ++count;
      }
  if (!count)
    return Status::ok();
  return Status::error(std::to_string(count) +
                       (count == 1 ? " message was" : " messages were") +
                       " sent but never received:" + lines);
}

//===----------------------------------------------------------------------===//
// Endpoint
//===----------------------------------------------------------------------===//

/// Device memory for messages between device stages: one pool per process,
/// of the process's device. A buffer is taken on a sender's queue and given
/// back only after the receiver's copy out of it has run, so the next
/// sender may overwrite it at once.
static BufferPool &messagePool() {
  static BufferPool *pool = new BufferPool(deviceFor(MemorySpace::Device));
  return *pool;
}

uint32_t ThreadTransport::Endpoint::numStages() const {
  return state_.numStages;
}

Status ThreadTransport::Endpoint::send(uint32_t peer, const MessageTag &tag,
                                       const std::vector<Tensor> &tensors) {
  Message message;
  message.tag = tag;
  // In the transport's memory, not the sender's pool (see the header).
  message.tensors.reserve(tensors.size());
  bool device = false;
  for (const Tensor &t : tensors) {
    if (t.space() == MemorySpace::Host) {
      message.tensors.push_back(t.clone(defaultBufferPool()));
      continue;
    }
    // A device tensor: copied on the sender's queue into device memory of
    // the transport; the receiver's queue waits for the copy.
    Tensor copy;
    if (Status s = copyToPool(t, messagePool(), copy, queue_))
      return s;
    message.tensors.push_back(std::move(copy));
    device = true;
  }
  if (device) {
    Device &dev = messagePool().device();
    void *marker = nullptr;
    if (Status s = dev.record(queue_, marker))
      return s;
    message.copied = std::shared_ptr<void>(
        marker, [&dev](void *m) { dev.releaseMarker(m); });
  }
  return state_.enqueue(stage_, peer, std::move(message));
}

Status ThreadTransport::Endpoint::sendBytes(uint32_t peer,
                                            const MessageTag &tag,
                                            const std::string &bytes) {
  Message message;
  message.tag = tag;
  message.isBytes = true;
  message.bytes = bytes;
  return state_.enqueue(stage_, peer, std::move(message));
}

Status ThreadTransport::Endpoint::recv(uint32_t peer, const MessageTag &tag,
                                       std::vector<Tensor> &tensors) {
  Message message;
  if (Status s = state_.dequeue(stage_, peer, tag, /*isBytes=*/false, message))
    return s;
  // The message is ours now: check and copy without the lock.
  if (Status s =
          checkTensorMessage(stage_, peer, tag, tensors, message.describe()))
    return s;
  if (message.copied) {
    // Device messages: the copies run on this stage's queue after the
    // sender's; the message's buffers go back to the transport only once
    // they have run.
    Device &dev = messagePool().device();
    if (Status s = dev.wait(queue_, message.copied.get()))
      return s;
    for (size_t i = 0; i < tensors.size(); ++i)
      if (Status s = copyTensor(message.tensors[i], tensors[i], queue_))
        return s;
    void *done = nullptr;
    if (Status s = dev.record(queue_, done))
      return s;
    Status s = dev.waitHost(done);
    dev.releaseMarker(done);
    return s;
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor &from = message.tensors[i];
    if (from.space() != MemorySpace::Host ||
        tensors[i].space() != MemorySpace::Host) {
      if (Status s = copyTensor(from, tensors[i], queue_))
        return s;
      continue;
    }
    if (from.bytes() && from.raw() != tensors[i].raw())
      std::memcpy(tensors[i].raw(), from.raw(), from.bytes());
  }
  return Status::ok();
}

Status ThreadTransport::Endpoint::recvBytes(uint32_t peer,
                                            const MessageTag &tag,
                                            std::string &bytes) {
  Message message;
  if (Status s = state_.dequeue(stage_, peer, tag, /*isBytes=*/true, message))
    return s;
  if (Status s = checkBytesMessage(stage_, peer, tag, message.describe()))
    return s;
  bytes = std::move(message.bytes);
  return Status::ok();
}

Status ThreadTransport::Endpoint::collective(bool isAllReduce, double &value) {
  WaitKind kind = isAllReduce ? WaitKind::AllReduce : WaitKind::Barrier;
  State &st = state_;
  std::unique_lock<std::mutex> lock(st.mutex);
  if (Status s = st.checkUsable(stage_, collectiveName(kind)))
    return s;
  if (st.arrived && st.roundKind != kind) {
    std::string waiting;
    for (uint32_t s = 0; s < st.numStages; ++s)
      if (st.stages[s].wait.kind == st.roundKind)
        waiting += (waiting.empty() ? "" : ", ") + std::to_string(s);
    return Status::error(stageName(stage_) + " called " + collectiveName(kind) +
                         " while stages " + waiting + " wait in " +
                         collectiveName(st.roundKind));
  }
  st.roundKind = kind;
  st.joined[stage_] = true;
  st.values[stage_] = value;
  if (++st.arrived == st.numStages) {
    // The last to arrive completes the round: sum in stage order, so that
    // the result does not depend on the order of arrival.
    double sum = st.values[0];
    for (uint32_t s = 1; s < st.numStages; ++s)
      sum += st.values[s];
    st.lastSum = sum;
    st.arrived = 0;
    st.joined.assign(st.numStages, false);
    st.roundKind = WaitKind::None;
    ++st.round;
    st.wakeAll();
    value = sum;
    return Status::ok();
  }
  Wait &w = st.stages[stage_].wait;
  w.kind = kind;
  w.round = st.round;
  if (Status s = st.waitFor(lock, stage_))
    return s;
  value = st.lastSum;
  return Status::ok();
}

Status ThreadTransport::Endpoint::allReduceSum(double &value) {
  return collective(/*isAllReduce=*/true, value);
}

Status ThreadTransport::Endpoint::barrier() {
  double unused = 0;
  return collective(/*isAllReduce=*/false, unused);
}

void ThreadTransport::Endpoint::abort(const std::string &message) {
  std::lock_guard<std::mutex> lock(state_.mutex);
  state_.stop("stopped: " + stageName(stage_) + " failed: " + message);
}

void ThreadTransport::Endpoint::setActivity(const std::string &text) {
  std::lock_guard<std::mutex> lock(state_.mutex);
  state_.stages[stage_].activity = text;
}

void ThreadTransport::Endpoint::finish() {
  std::lock_guard<std::mutex> lock(state_.mutex);
  if (state_.stages[stage_].finished)
    return;
  state_.stages[stage_].finished = true;
  state_.wakeAll();
  state_.detectDeadlock();
}
