//===- NcclTransport.cpp - Tensors between GPUs through NCCL --------------===//
//
// One process per GPU. Every ordered pair of ranks (a, b) gets a two-rank
// communicator split off the world's, with a stream of its own on each side:
// the messages from a to b flow on it in order and never wait for traffic
// in the other direction or with another peer, which gives NCCL's blocking
// point-to-point operations the buffered-send semantics that pp's schedules
// are verified under (docs/Runtime.md).
//
// A send orders the pair's stream after the stage's queue (the tensors are
// ready), posts one ncclSend per tensor in a group and keeps the tensors
// alive until the stream has sent them; the stage's queue never waits on a
// send. A receive orders the pair's stream after the stage's queue (the
// buffers' earlier readers are done), posts the ncclRecvs, and orders the
// stage's queue after them. The message's header (tag and tensor types)
// goes through MPI first, so every mismatch the Transport contract names is
// still caught, and caught before NCCL could hang on it.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/NcclTransport.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <sstream>

using namespace pp::rt;

namespace {

Status ncclFailure(const std::string &what, ncclResult_t result) {
  return Status::error(what + ": " + ncclGetErrorString(result));
}

Status cudaFailure(const std::string &what, cudaError_t err) {
  return Status::error(what + ": " + cudaGetErrorString(err));
}

/// "f32:2x3,f64:scalar": the types of a message, as its header carries them.
std::string encodeTypes(const std::vector<TensorType> &types) {
  std::string text;
  for (const TensorType &t : types)
    text += (text.empty() ? "" : ",") + t.str();
  return text;
}

class NcclTransport final : public Transport {
public:
  explicit NcclTransport(std::unique_ptr<MpiTransport> mpi)
      : mpi_(std::move(mpi)) {}

  ~NcclTransport() override {
    for (auto &pending : pending_)
      cudaEventSynchronize(pending.done);
    reap();
    for (auto &[peer, link] : links_) {
      if (link.comm)
        ncclCommDestroy(link.comm);
      if (link.stream)
        cudaStreamDestroy(link.stream);
    }
    if (world_)
      ncclCommDestroy(world_);
  }

  Status init() {
    uint32_t p = mpi_->numStages(), me = mpi_->stage();
    // Rank 0's unique id reaches every rank over MPI.
    ncclUniqueId id;
    MessageTag tag = MessageTag::gather(kBootstrapItem);
    if (me == 0) {
      if (ncclResult_t r = ncclGetUniqueId(&id))
        return ncclFailure("ncclGetUniqueId", r);
      std::string bytes(reinterpret_cast<const char *>(&id), sizeof id);
      for (uint32_t r = 1; r < p; ++r)
        if (Status s = mpi_->sendBytes(r, tag, bytes))
          return s;
    } else {
      std::string bytes;
      if (Status s = mpi_->recvBytes(0, tag, bytes))
        return s;
      if (bytes.size() != sizeof id)
        return Status::error("NCCL bootstrap: a malformed unique id");
      std::memcpy(&id, bytes.data(), sizeof id);
    }
    if (ncclResult_t r = ncclCommInitRank(&world_, int(p), id, int(me)))
      return ncclFailure("ncclCommInitRank", r);
    // A two-rank communicator per ordered pair, split in the same order on
    // every rank (ncclCommSplit is collective over the world).
    for (uint32_t a = 0; a < p; ++a)
      for (uint32_t b = 0; b < p; ++b) {
        if (a == b)
          continue;
        bool member = me == a || me == b;
        ncclComm_t comm = nullptr;
        if (ncclResult_t r =
                ncclCommSplit(world_, member ? 1 : NCCL_SPLIT_NOCOLOR,
                              me == a ? 0 : 1, &comm, nullptr))
          return ncclFailure("ncclCommSplit", r);
        if (!member)
          continue;
        Link &link = links_[key(a == me, a == me ? b : a)];
        link.comm = comm;
        link.peerRank = me == a ? 1 : 0;
        if (cudaError_t err =
                cudaStreamCreateWithFlags(&link.stream, cudaStreamNonBlocking))
          return cudaFailure("cudaStreamCreate", err);
      }
    return Status::ok();
  }

  uint32_t stage() const override { return mpi_->stage(); }
  uint32_t numStages() const override { return mpi_->numStages(); }

  Status send(uint32_t peer, const MessageTag &tag,
              const std::vector<Tensor> &tensors) override {
    reap();
    auto it = links_.find(key(true, peer));
    if (it == links_.end())
      return Status::error("stage " + std::to_string(stage()) +
                           " has no NCCL link to stage " +
                           std::to_string(peer));
    std::vector<TensorType> types;
    for (const Tensor &t : tensors) {
      if (t.space() != MemorySpace::Device)
        return Status::error("the NCCL transport sends device tensors; " +
                             t.type().str() + " is in host memory");
      types.push_back(t.type());
    }
    if (Status s = mpi_->sendBytes(peer, tag, encodeTypes(types)))
      return s;
    Link &link = it->second;
    if (Status s = follow(link.stream, queue_))
      return s;
    ncclGroupStart();
    for (const Tensor &t : tensors)
      if (t.bytes())
        if (ncclResult_t r = ncclSend(t.raw(), t.bytes(), ncclUint8,
                                      link.peerRank, link.comm, link.stream)) {
          ncclGroupEnd();
          return ncclFailure("ncclSend to stage " + std::to_string(peer), r);
        }
    if (ncclResult_t r = ncclGroupEnd())
      return ncclFailure("ncclSend to stage " + std::to_string(peer), r);
    Pending pending{nullptr, tensors};
    if (cudaError_t err =
            cudaEventCreateWithFlags(&pending.done, cudaEventDisableTiming))
      return cudaFailure("cudaEventCreate", err);
    cudaEventRecord(pending.done, link.stream);
    pending_.push_back(std::move(pending));
    return Status::ok();
  }

  Status recv(uint32_t peer, const MessageTag &tag,
              std::vector<Tensor> &tensors) override {
    reap();
    auto it = links_.find(key(false, peer));
    if (it == links_.end())
      return Status::error("stage " + std::to_string(stage()) +
                           " has no NCCL link from stage " +
                           std::to_string(peer));
    std::string header;
    if (Status s = mpi_->recvBytes(peer, tag, header))
      return s;
    std::vector<TensorType> types;
    for (const Tensor &t : tensors)
      types.push_back(t.type());
    if (header != encodeTypes(types))
      return Status::error(
          "stage " + std::to_string(stage()) + " expected " + tag.str() +
          " from stage " + std::to_string(peer) + " holding " +
          describeTensorTypes(types) + ", but the message holds " +
          (header.empty() ? std::string("no tensors") : header));
    Link &link = it->second;
    if (Status s = follow(link.stream, queue_))
      return s;
    ncclGroupStart();
    for (Tensor &t : tensors)
      if (t.bytes())
        if (ncclResult_t r = ncclRecv(t.raw(), t.bytes(), ncclUint8,
                                      link.peerRank, link.comm, link.stream)) {
          ncclGroupEnd();
          return ncclFailure("ncclRecv from stage " + std::to_string(peer), r);
        }
    if (ncclResult_t r = ncclGroupEnd())
      return ncclFailure("ncclRecv from stage " + std::to_string(peer), r);
    return follow(static_cast<cudaStream_t>(queue_), link.stream);
  }

  Status sendBytes(uint32_t peer, const MessageTag &tag,
                   const std::string &bytes) override {
    return mpi_->sendBytes(peer, tag, bytes);
  }
  Status recvBytes(uint32_t peer, const MessageTag &tag,
                   std::string &bytes) override {
    return mpi_->recvBytes(peer, tag, bytes);
  }
  Status allReduceSum(double &value) override {
    return mpi_->allReduceSum(value);
  }
  Status barrier() override { return mpi_->barrier(); }
  void abort(const std::string &message) override { mpi_->abort(message); }
  void setActivity(const std::string &text) override {
    mpi_->setActivity(text);
  }

private:
  /// The item number of the bootstrap message (above any real gather).
  static constexpr uint32_t kBootstrapItem = 0xFFFF0000u;

  struct Link {
    ncclComm_t comm = nullptr;
    cudaStream_t stream = nullptr;
    int peerRank = 0; // the peer's rank in the pair's communicator
  };
  /// Sent tensors, kept until the stream that sends them has passed `done`.
  struct Pending {
    cudaEvent_t done;
    std::vector<Tensor> tensors;
  };

  static uint64_t key(bool outgoing, uint32_t peer) {
    return uint64_t(peer) << 1 | (outgoing ? 1 : 0);
  }

  /// Orders `stream` after everything ordered on `after` so far.
  static Status follow(void *stream, void *after) {
    return follow(static_cast<cudaStream_t>(stream),
                  static_cast<cudaStream_t>(after));
  }
  static Status follow(cudaStream_t stream, cudaStream_t after) {
    cudaEvent_t event;
    if (cudaError_t err =
            cudaEventCreateWithFlags(&event, cudaEventDisableTiming))
      return cudaFailure("cudaEventCreate", err);
    cudaEventRecord(event, after);
    cudaError_t err = cudaStreamWaitEvent(stream, event, 0);
    cudaEventDestroy(event); // released once the wait is satisfied
    if (err != cudaSuccess)
      return cudaFailure("cudaStreamWaitEvent", err);
    return Status::ok();
  }

  /// Releases the tensors of sends that have completed, oldest first.
  void reap() {
    while (!pending_.empty() &&
           cudaEventQuery(pending_.front().done) == cudaSuccess) {
      cudaEventDestroy(pending_.front().done);
      pending_.pop_front();
    }
  }

  std::unique_ptr<MpiTransport> mpi_;
  ncclComm_t world_ = nullptr;
  std::map<uint64_t, Link> links_;
  std::deque<Pending> pending_;
};

} // namespace

Status pp::rt::createNcclTransport(std::unique_ptr<MpiTransport> &mpi,
                                   Device &device,
                                   std::unique_ptr<Transport> &out) {
  if (device.space() != MemorySpace::Device)
    return Status::error("the NCCL transport needs a CUDA device");
  // Initialisation is collective: a rank that fails aborts the others.
  MpiTransport *endpoint = mpi.get();
  auto transport = std::make_unique<NcclTransport>(std::move(mpi));
  if (Status s = transport->init()) {
    std::fprintf(stderr, "error: stage %u: --transport=nccl: %s\n",
                 endpoint->stage(), s.message().c_str());
    std::fflush(stderr);
    endpoint->abort("NCCL initialisation failed: " + s.message());
    return s; // not reached: the abort stops every rank
  }
  out = std::move(transport);
  return Status::ok();
}
