//===- Transport.h - How pipeline stages exchange tensors -------*- C++ -*-===//
//
// A `Transport` is one pipeline stage's endpoint for the messages of a
// pipelined step: the activations and gradients that cross a stage boundary
// per microbatch, the tied-weight gradients that stages exchange pairwise,
// and opaque bytes gathered to stage 0. Stages run as threads of one process
// (ThreadTransport.h) or as one MPI process each (MpiTransport.h).
//
// Contract shared by every implementation:
//
// - Messages from one peer are received in the order that peer sent them.
//   The k-th message that stage s sends to stage t must be the k-th message
//   that t receives from s, with the same tag, tensor count and tensor types;
//   anything else is an error that names what was expected and what came. A
//   mismatched message is consumed and dropped.
// - Tensors may be in host or device memory (Device.h); device tensors are
//   copied in order on the endpoint's queue (setQueue).
// - `send` returns once the caller's buffers are no longer needed. The
//   sender must not write a tensor after sending it: a transport may hand the
//   buffer itself to the receiver, which reads it until its `recv` returns.
// - Errors are `Status` values with complete user-facing messages; nothing
//   throws across the API.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TRANSPORT_H
#define PP_RUNTIME_TRANSPORT_H

#include "pp/Runtime/Status.h"
#include "pp/Runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::rt {

/// What a message is: matched on receipt and named in errors.
struct MessageTag {
  enum class Kind : uint8_t { Activations, Gradients, TiedGradients, Gather };
  Kind kind = Kind::Activations;
  /// Activations, Gradients: the microbatch. Unused (and not compared)
  /// otherwise.
  uint32_t microbatch = 0;
  /// Activations, Gradients: the boundary, named by its sending virtual
  /// stage (the boundary after virtual stage `index`). TiedGradients: the
  /// tie. Gather: the item.
  uint32_t index = 0;

  static MessageTag activations(uint32_t microbatch, uint32_t boundary) {
    return {Kind::Activations, microbatch, boundary};
  }
  static MessageTag gradients(uint32_t microbatch, uint32_t boundary) {
    return {Kind::Gradients, microbatch, boundary};
  }
  static MessageTag tiedGradients(uint32_t tie) {
    return {Kind::TiedGradients, 0, tie};
  }
  static MessageTag gather(uint32_t item) { return {Kind::Gather, 0, item}; }

  /// Compares the fields that `kind` uses.
  bool operator==(const MessageTag &other) const;
  bool operator!=(const MessageTag &other) const { return !(*this == other); }
  /// "activations of microbatch 3 at boundary 1", "gradients of microbatch 0
  /// at boundary 2", "tied gradients 0", "gathered item 1".
  std::string str() const;
};

/// "2 tensors (4x8xf32, 4xf32)", "no tensors".
std::string describeTensorTypes(const std::vector<TensorType> &types);

/// One stage's endpoint. Used by that stage's thread only, except `abort`.
class Transport {
public:
  virtual ~Transport();

  virtual uint32_t stage() const = 0;
  virtual uint32_t numStages() const = 0;

  /// Sends `tensors` to `peer`. Returns once the data no longer needs the
  /// caller's buffers (copied or delivered).
  virtual Status send(uint32_t peer, const MessageTag &tag,
                      const std::vector<Tensor> &tensors) = 0;
  /// Receives message `tag` from `peer` into `tensors`, which the caller
  /// allocated with the expected types (data is copied in). Messages from
  /// one peer are received in the order they were sent; a message whose
  /// tag, tensor count or types differ is an error naming what was expected
  /// and what came.
  virtual Status recv(uint32_t peer, const MessageTag &tag,
                      std::vector<Tensor> &tensors) = 0;

  /// Opaque bytes (e.g. a stage's trace events gathered to stage 0), in the
  /// same order as tensor messages; a bytes message received as tensors, or
  /// the reverse, is a mismatch.
  virtual Status sendBytes(uint32_t peer, const MessageTag &tag,
                           const std::string &bytes) = 0;
  virtual Status recvBytes(uint32_t peer, const MessageTag &tag,
                           std::string &bytes) = 0;

  /// Every stage's sum of `value` (e.g. the step's loss, held by one stage),
  /// returned to all. The sum is taken in stage order, so every stage gets
  /// the same bits, run after run.
  virtual Status allReduceSum(double &value) = 0;
  virtual Status barrier() = 0;

  /// This stage failed: `message` says how (it names the stage, action,
  /// microbatch). Every other stage's blocked and later calls fail promptly
  /// with an error that names this stage and carries the message. Thread
  /// transport: returns. MPI transport: prints nothing itself, calls
  /// MPI_Abort (does not return).
  virtual void abort(const std::string &message) = 0;

  /// What this stage is doing now ("stage 1: RF3<0, receiving activations of
  /// microbatch 3 from stage 0"), for messages when the stage is stopped
  /// from outside (MPI: a SIGTERM from mpirun after another rank died prints
  /// it to stderr, async-signal-safe). The thread transport names it in its
  /// deadlock report. The default keeps nothing.
  virtual void setActivity(const std::string &text);

  /// The queue of the stage that uses this endpoint (Device.h): copies of
  /// device tensors in and out of messages are ordered on it. Null (the
  /// default) for host stages.
  void setQueue(void *queue) { queue_ = queue; }

protected:
  void *queue_ = nullptr;
};

} // namespace pp::rt

#endif // PP_RUNTIME_TRANSPORT_H
