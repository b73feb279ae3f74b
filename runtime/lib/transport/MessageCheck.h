//===- MessageCheck.h - Checks shared by the transports ---------*- C++ -*-===//
//
// Both transports check what arrived against what the receiver expected with
// these functions, so that their errors read the same.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TRANSPORT_MESSAGECHECK_H
#define PP_RUNTIME_TRANSPORT_MESSAGECHECK_H

#include "pp/Runtime/Transport.h"

#include <cstdint>
#include <vector>

namespace pp::rt::transport {

/// The description of a message that arrived (the payload not included).
struct ArrivedMessage {
  MessageTag tag;
  bool isBytes = false;
  std::vector<TensorType> types; // tensor messages
  uint64_t byteCount = 0;        // bytes messages
};

/// `peer` is a stage other than `self` among `numStages`. `verb` is "send
/// to" or "receive from".
Status checkPeer(uint32_t self, uint32_t numStages, uint32_t peer,
                 const char *verb);

/// `got` is message `expected` holding tensors of the types of `into`, and
/// every tensor of `into` is allocated.
Status checkTensorMessage(uint32_t self, uint32_t peer,
                          const MessageTag &expected,
                          const std::vector<Tensor> &into,
                          const ArrivedMessage &got);

/// `got` is bytes message `expected`.
Status checkBytesMessage(uint32_t self, uint32_t peer,
                         const MessageTag &expected, const ArrivedMessage &got);

} // namespace pp::rt::transport

#endif // PP_RUNTIME_TRANSPORT_MESSAGECHECK_H
