//===- Transport.cpp - Message tags and the checks of every transport -----===//

#include "pp/Runtime/Transport.h"

#include "MessageCheck.h"

using namespace pp::rt;

bool MessageTag::operator==(const MessageTag &other) const {
  if (kind != other.kind || index != other.index)
    return false;
  switch (kind) {
  case Kind::Activations:
  case Kind::Gradients:
    return microbatch == other.microbatch;
  case Kind::TiedGradients:
  case Kind::Gather:
    return true;
  }
  return false;
}

std::string MessageTag::str() const {
  switch (kind) {
  case Kind::Activations:
    return "activations of microbatch " + std::to_string(microbatch) +
           " at boundary " + std::to_string(index);
  case Kind::Gradients:
    return "gradients of microbatch " + std::to_string(microbatch) +
           " at boundary " + std::to_string(index);
  case Kind::TiedGradients:
    return "tied gradients " + std::to_string(index);
  case Kind::Gather:
    return "gathered item " + std::to_string(index);
  }
  return "message of unknown kind " + std::to_string(unsigned(kind));
}

std::string pp::rt::describeTensorTypes(const std::vector<TensorType> &types) {
  if (types.empty())
    return "no tensors";
  std::string out = std::to_string(types.size()) +
                    (types.size() == 1 ? " tensor (" : " tensors (");
  for (size_t i = 0; i < types.size(); ++i) {
    if (i)
      out += ", ";
    out += types[i].str();
  }
  return out + ")";
}

Transport::~Transport() = default;

void Transport::setActivity(const std::string &) {}

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

using namespace pp::rt::transport;

static std::string stageName(uint32_t stage) {
  return "stage " + std::to_string(stage);
}

/// "activations of microbatch 3 at boundary 0 holding 2 tensors (4x8xf32,
/// 4xf32)", "gathered item 0 holding 120 bytes".
static std::string describeArrived(const ArrivedMessage &got) {
  if (got.isBytes)
    return got.tag.str() + " holding " + std::to_string(got.byteCount) +
           " bytes";
  return got.tag.str() + " holding " + describeTensorTypes(got.types);
}

Status transport::checkPeer(uint32_t self, uint32_t numStages, uint32_t peer,
                            const char *verb) {
  if (peer >= numStages)
    return Status::error(stageName(self) + " cannot " + verb + " " +
                         stageName(peer) + ": there are " +
                         std::to_string(numStages) + " stages");
  if (peer == self)
    return Status::error(stageName(self) + " cannot " + verb + " itself");
  return Status::ok();
}

Status transport::checkTensorMessage(uint32_t self, uint32_t peer,
                                     const MessageTag &expected,
                                     const std::vector<Tensor> &into,
                                     const ArrivedMessage &got) {
  std::vector<TensorType> wanted;
  wanted.reserve(into.size());
  for (const Tensor &t : into)
    wanted.push_back(t.type());
  bool sameTypes = !got.isBytes && got.types == wanted;
  if (got.tag != expected || !sameTypes) {
    std::string message = stageName(self) + " expected " + expected.str() +
                          " holding " + describeTensorTypes(wanted) + " from " +
                          stageName(peer) + ", but received " +
                          describeArrived(got);
    if (got.tag == expected && !got.isBytes &&
        got.types.size() == wanted.size()) {
      for (size_t i = 0; i < wanted.size(); ++i)
        if (got.types[i] != wanted[i]) {
          message += " (tensor " + std::to_string(i) + " differs)";
          break;
        }
    }
    return Status::error(message);
  }
  for (size_t i = 0; i < into.size(); ++i)
    if (!into[i].valid())
      return Status::error(stageName(self) + " cannot receive " +
                           expected.str() + " from " + stageName(peer) +
                           ": destination tensor " + std::to_string(i) +
                           " is not allocated");
  return Status::ok();
}

Status transport::checkBytesMessage(uint32_t self, uint32_t peer,
                                    const MessageTag &expected,
                                    const ArrivedMessage &got) {
  if (got.tag != expected || !got.isBytes)
    return Status::error(stageName(self) + " expected " + expected.str() +
                         " holding bytes from " + stageName(peer) +
                         ", but received " + describeArrived(got));
  return Status::ok();
}
