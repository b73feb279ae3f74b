//===- ThreadTransport.h - Stages as threads of one process -----*- C++ -*-===//
//
// `ThreadTransport` connects p stages that run as threads of one process.
// Each ordered pair of stages (src, dst) has a FIFO mailbox. `send` enqueues
// copies of the caller's tensors in the transport's own memory and never
// blocks; `recv` waits for the head of its mailbox, checks its tag and
// types, copies the data into the caller's tensors and drops the message.
// As with MPI's buffered sends, a message in flight belongs to neither
// stage: the sender's tensors are free once `send` returns, so each stage's
// memory is what its own actions hold, whatever its peer's pace (the memory
// plan predicts exactly that, docs/Memory.md).
//
// Failures end every wait promptly:
// - `abort` records the first failing stage and its message and wakes every
//   waiter; their calls, and all later ones, fail with "stopped: stage S
//   failed: MESSAGE".
// - A `recv` from a stage that has called `finish` with nothing queued from
//   it fails at once, and so does a barrier or allReduceSum that a finished
//   stage can no longer join.
// - Deadlock detection (a safety net: compiled schedules never deadlock):
//   when every stage that has not finished is blocked in recv, barrier or
//   allReduceSum and nothing queued can satisfy any of them, all of them
//   fail with a report that lists each stage's wait.
//
// One mutex guards all mailboxes and wait records, so the deadlock check
// sees one consistent state; it is held only to move references, never
// while data is copied. Each stage waits on its own condition variable.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_THREADTRANSPORT_H
#define PP_RUNTIME_THREADTRANSPORT_H

#include "pp/Runtime/Transport.h"

#include <memory>
#include <vector>

namespace pp::rt {

class ThreadTransport {
  struct State;

public:
  /// One stage's endpoint.
  class Endpoint final : public Transport {
  public:
    uint32_t stage() const override { return stage_; }
    uint32_t numStages() const override;
    Status send(uint32_t peer, const MessageTag &tag,
                const std::vector<Tensor> &tensors) override;
    Status recv(uint32_t peer, const MessageTag &tag,
                std::vector<Tensor> &tensors) override;
    Status sendBytes(uint32_t peer, const MessageTag &tag,
                     const std::string &bytes) override;
    Status recvBytes(uint32_t peer, const MessageTag &tag,
                     std::string &bytes) override;
    Status allReduceSum(double &value) override;
    Status barrier() override;
    void abort(const std::string &message) override;
    void setActivity(const std::string &text) override;

    /// The stage's thread is done (whether it succeeded or failed): it sends
    /// and receives nothing more. Receives from it that nothing queued can
    /// satisfy fail, and so do sends to it. Idempotent.
    void finish();

  private:
    friend class ThreadTransport;
    Endpoint(State &state, uint32_t stage) : state_(state), stage_(stage) {}
    Status collective(bool isAllReduce, double &value);

    State &state_;
    uint32_t stage_;
  };

  explicit ThreadTransport(uint32_t numStages);
  ~ThreadTransport();
  ThreadTransport(const ThreadTransport &) = delete;
  ThreadTransport &operator=(const ThreadTransport &) = delete;

  uint32_t numStages() const;
  Endpoint &endpoint(uint32_t stage);

  /// Meant for after every stage has finished: an error listing every
  /// message that was sent but never received (a schedule whose sends and
  /// receives do not pair up), OK when none is left.
  Status checkAllDelivered() const;

private:
  std::unique_ptr<State> state_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
};

} // namespace pp::rt

#endif // PP_RUNTIME_THREADTRANSPORT_H
