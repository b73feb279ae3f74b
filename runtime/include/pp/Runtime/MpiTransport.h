//===- MpiTransport.h - One stage per MPI process ---------------*- C++ -*-===//
//
// `MpiTransport` is the endpoint of a stage that runs as its own MPI process:
// the stage is the rank in MPI_COMM_WORLD, and there are as many stages as
// ranks (`mpirun -np 4 pp-run DIR --transport=mpi`). It lives in the library
// PPRuntimeMPI, so that the core runtime does not need MPI; this header does
// not include mpi.h.
//
// Each message goes as a small header (its tag, tensor count and types, or
// its byte length), then each tensor as one MPI message of MPI_BYTE, sent
// from and received into the tensors' own buffers (tensors over the maximum
// message size, 1 GiB, go in several pieces). All of a message's MPI
// messages carry an MPI tag packed from the MessageTag. The receiver takes
// the next header from the peer whatever its MPI tag (MPI keeps one
// sender's messages in order), so a message that differs from the expected
// one in tag, tensor count, type or kind (bytes, tensors) is reported with
// both descriptions; its payload is received into scratch memory and
// dropped, so later messages still pair up.
//
// Failure: `abort` calls MPI_Abort, and mpirun then stops every rank with
// SIGTERM (SIGKILL shortly after). `create` installs a SIGTERM handler that
// writes the stage's activity (`setActivity`) to stderr and exits with
// status 143. A rank that dies otherwise (a signal, a crash) makes mpirun
// stop the others the same way.
//
// Ranks are assumed to share one data representation (the same
// architecture), as tensors travel as raw bytes.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_MPITRANSPORT_H
#define PP_RUNTIME_MPITRANSPORT_H

#include "pp/Runtime/Transport.h"

#include <memory>

namespace pp::rt {

class MpiTransport final : public Transport {
public:
  /// Initialises MPI (MPI_Init_thread, requesting MPI_THREAD_SERIALIZED and
  /// accepting MPI_THREAD_FUNNELED: call the transport from the thread that
  /// created it, or from one thread at a time where the library provides
  /// SERIALIZED), duplicates MPI_COMM_WORLD with errors returned rather than
  /// fatal, and installs the SIGTERM handler. One per process: fails when
  /// MPI is already initialised.
  static Status create(int *argc, char ***argv,
                       std::unique_ptr<MpiTransport> &out);
  /// Frees the communicator, finalises MPI and restores the previous SIGTERM
  /// action.
  ~MpiTransport() override;

  uint32_t stage() const override { return stage_; }
  uint32_t numStages() const override { return numStages_; }
  Status send(uint32_t peer, const MessageTag &tag,
              const std::vector<Tensor> &tensors) override;
  Status recv(uint32_t peer, const MessageTag &tag,
              std::vector<Tensor> &tensors) override;
  Status sendBytes(uint32_t peer, const MessageTag &tag,
                   const std::string &bytes) override;
  Status recvBytes(uint32_t peer, const MessageTag &tag,
                   std::string &bytes) override;
  /// Gathers every rank's value and sums in rank order, like the thread
  /// transport: the same bits on every rank and in every run.
  Status allReduceSum(double &value) override;
  Status barrier() override;
  /// MPI_Abort(MPI_COMM_WORLD, 1). Prints nothing; does not return.
  void abort(const std::string &message) override;
  /// Keeps the text (truncated to 1024 bytes) where the SIGTERM handler
  /// reads it. Async-signal-safe to read: two static buffers, the current
  /// one published with an atomic index.
  void setActivity(const std::string &text) override;

  /// The largest MPI message: payloads above it go in pieces of this size
  /// (MPI counts are `int`). 1 GiB by default; tests lower it to exercise
  /// the splitting. Both sides of a message must use the same value.
  void setMaxMessageBytes(size_t bytes) {
    maxMessageBytes_ = bytes ? bytes : 1;
  }

  /// The MPI tag of message `tag`: kind (2 bits), index (9 bits) and
  /// microbatch (20 bits) packed, or 0 where a field is too large or the
  /// result exceeds MPI_TAG_UB (the header still carries the full tag).
  int mpiTag(const MessageTag &tag) const;

private:
  struct Comm;
  /// A message's header as received.
  struct Arrived;
  /// A buffer a message's payload is sent from or received into.
  struct Payload {
    const void *data;
    size_t bytes;
  };
  MpiTransport() = default;

  size_t pieceBytes() const;
  Status sendMessage(uint32_t peer, const MessageTag &tag,
                     const std::string &header,
                     const std::vector<Payload> &payloads);
  Status recvHeader(uint32_t peer, const MessageTag &expected, Arrived &got,
                    int &mpiTagValue);
  Status recvPayloads(uint32_t peer, int mpiTagValue,
                      const std::vector<Payload> &into, const MessageTag &what);
  /// Receives and drops the payload of mismatched message `got`; returns
  /// `mismatch`.
  Status dropPayloads(uint32_t peer, int mpiTagValue, const Arrived &got,
                      const Status &mismatch);

  std::unique_ptr<Comm> comm_;
  uint32_t stage_ = 0;
  uint32_t numStages_ = 1;
  long tagUpperBound_ = 32767;
  size_t maxMessageBytes_ = size_t(1) << 30;
};

} // namespace pp::rt

#endif // PP_RUNTIME_MPITRANSPORT_H
