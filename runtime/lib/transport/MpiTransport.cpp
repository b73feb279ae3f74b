//===- MpiTransport.cpp - One stage per MPI process -----------------------===//

#include "pp/Runtime/MpiTransport.h"
#include "pp/Runtime/Device.h"

#include "MessageCheck.h"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace pp::rt;
using namespace pp::rt::transport;

//===----------------------------------------------------------------------===//
// The SIGTERM handler and the activity it prints
//===----------------------------------------------------------------------===//

namespace {

constexpr size_t kActivityCapacity = 1024;

/// Two buffers: setActivity fills the one not published, then publishes it.
/// The handler reads the published one, which setActivity would overwrite
/// only after publishing the other one in between.
char activityText[2][kActivityCapacity];
size_t activityLength[2];
std::atomic<int> activityCurrent{0};
static_assert(std::atomic<int>::is_always_lock_free,
              "the SIGTERM handler reads an atomic int");

struct sigaction previousSigterm;
bool sigtermInstalled = false;

void publishActivity(const char *text, size_t length) {
  int next = 1 - activityCurrent.load(std::memory_order_relaxed);
  if (length > kActivityCapacity)
    length = kActivityCapacity;
  std::memcpy(activityText[next], text, length);
  activityLength[next] = length;
  activityCurrent.store(next, std::memory_order_release);
}

void writeAll(int fd, const char *data, size_t length) {
  while (length) {
    ssize_t n = ::write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    data += n;
    length -= size_t(n);
  }
}

/// Only async-signal-safe calls: memcpy, write, nanosleep, _exit.
extern "C" void onSigterm(int) {
  static const char suffix[] = " (stopped by SIGTERM)\n";
  char line[kActivityCapacity + sizeof(suffix)];
  int current = activityCurrent.load(std::memory_order_acquire);
  size_t length = activityLength[current];
  std::memcpy(line, activityText[current], length);
  std::memcpy(line + length, suffix, sizeof(suffix) - 1);
  writeAll(STDERR_FILENO, line, length + sizeof(suffix) - 1);
  // mpirun (Open MPI 4.1) sends SIGTERM to every surviving rank, then
  // SIGKILL as soon as the first of them exits. Lingering a moment lets the
  // other ranks print their activity too.
  struct timespec linger = {0, 250 * 1000 * 1000};
  while (nanosleep(&linger, &linger) != 0 && errno == EINTR) {
  }
  _exit(143);
}

std::string stageName(uint32_t stage) {
  return "stage " + std::to_string(stage);
}

Status mpiError(int code, const std::string &what) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return Status::error(what + ": MPI error " + std::to_string(code));
  return Status::error(what + ": " + std::string(text, size_t(length)));
}

//===----------------------------------------------------------------------===//
// Headers
//===----------------------------------------------------------------------===//

constexpr uint32_t kHeaderMagic = 0x31547070; // "ppT1"

template <typename T> void put(std::string &out, T value) {
  out.append(reinterpret_cast<const char *>(&value), sizeof(T));
}

template <typename T> bool get(const std::string &in, size_t &at, T &value) {
  if (in.size() - at < sizeof(T))
    return false;
  std::memcpy(&value, in.data() + at, sizeof(T));
  at += sizeof(T);
  return true;
}

/// magic u32, kind u8, isBytes u8, microbatch u32, index u32, then the byte
/// length (u64) or the tensor count (u64) and per tensor its dtype (u8),
/// rank (u32) and dimensions (i64 each).
std::string encodeHeader(const ArrivedMessage &m) {
  std::string out;
  put(out, kHeaderMagic);
  put(out, uint8_t(m.tag.kind));
  put(out, uint8_t(m.isBytes));
  put(out, m.tag.microbatch);
  put(out, m.tag.index);
  if (m.isBytes) {
    put(out, uint64_t(m.byteCount));
    return out;
  }
  put(out, uint64_t(m.types.size()));
  for (const TensorType &t : m.types) {
    put(out, uint8_t(t.dtype));
    put(out, uint32_t(t.shape.size()));
    for (int64_t d : t.shape)
      put(out, d);
  }
  return out;
}

bool decodeHeader(const std::string &in, ArrivedMessage &m) {
  size_t at = 0;
  uint32_t magic;
  uint8_t kind, isBytes;
  uint64_t count;
  if (!get(in, at, magic) || magic != kHeaderMagic || !get(in, at, kind) ||
      kind > uint8_t(MessageTag::Kind::Gather) || !get(in, at, isBytes) ||
      isBytes > 1 || !get(in, at, m.tag.microbatch) ||
      !get(in, at, m.tag.index) || !get(in, at, count))
    return false;
  m.tag.kind = MessageTag::Kind(kind);
  m.isBytes = isBytes;
  if (m.isBytes) {
    m.byteCount = count;
    return at == in.size();
  }
  // Each tensor takes at least 5 bytes: refuse counts the header cannot
  // hold before reserving anything.
  if (count > (in.size() - at) / 5)
    return false;
  m.types.resize(size_t(count));
  for (TensorType &t : m.types) {
    uint8_t dtype;
    uint32_t rank;
    if (!get(in, at, dtype) || dtype > uint8_t(DType::U16) ||
        !get(in, at, rank) || rank > (in.size() - at) / sizeof(int64_t))
      return false;
    t.dtype = DType(dtype);
    t.shape.resize(rank);
    for (int64_t &d : t.shape)
      if (!get(in, at, d) || d < 0)
        return false;
  }
  return at == in.size();
}

/// The payload sizes of a described message, in order.
std::vector<size_t> payloadSizes(const ArrivedMessage &m) {
  if (m.isBytes)
    return {size_t(m.byteCount)};
  std::vector<size_t> sizes;
  for (const TensorType &t : m.types)
    sizes.push_back(t.bytes());
  return sizes;
}

} // namespace

//===----------------------------------------------------------------------===//
// MpiTransport
//===----------------------------------------------------------------------===//

struct MpiTransport::Comm {
  MPI_Comm comm = MPI_COMM_NULL;
};

struct MpiTransport::Arrived : ArrivedMessage {};

Status MpiTransport::create(int *argc, char ***argv,
                            std::unique_ptr<MpiTransport> &out) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized)
    return Status::error("cannot start the MPI transport: MPI is already "
                         "initialised in this process");
  int provided = 0;
  int rc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  if (rc != MPI_SUCCESS)
    return mpiError(rc, "cannot start the MPI transport: MPI_Init_thread");
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    return Status::error("cannot start the MPI transport: the MPI library "
                         "does not support threads (MPI_THREAD_FUNNELED)");
  }

  std::unique_ptr<MpiTransport> t(new MpiTransport());
  t->comm_ = std::make_unique<Comm>();
  // A communicator of our own, so that our messages never match anyone
  // else's, with errors returned as codes instead of aborting the job.
  rc = MPI_Comm_dup(MPI_COMM_WORLD, &t->comm_->comm);
  if (rc == MPI_SUCCESS)
    rc = MPI_Comm_set_errhandler(t->comm_->comm, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  if (rc == MPI_SUCCESS)
    rc = MPI_Comm_rank(t->comm_->comm, &rank);
  if (rc == MPI_SUCCESS)
    rc = MPI_Comm_size(t->comm_->comm, &size);
  if (rc != MPI_SUCCESS)
    return mpiError(rc, "cannot start the MPI transport"); // `t` finalises
  t->stage_ = uint32_t(rank);
  t->numStages_ = uint32_t(size);
  void *tagUb = nullptr;
  int found = 0;
  if (MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tagUb, &found) ==
          MPI_SUCCESS &&
      found && tagUb)
    t->tagUpperBound_ = *static_cast<int *>(tagUb);

  std::string idle = stageName(t->stage_) + ": no activity recorded";
  publishActivity(idle.data(), idle.size());
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = onSigterm;
  sigfillset(&action.sa_mask);
  sigtermInstalled = sigaction(SIGTERM, &action, &previousSigterm) == 0;

  out = std::move(t);
  return Status::ok();
}

MpiTransport::~MpiTransport() {
  if (comm_ && comm_->comm != MPI_COMM_NULL)
    MPI_Comm_free(&comm_->comm);
  MPI_Finalize();
  if (sigtermInstalled) {
    sigaction(SIGTERM, &previousSigterm, nullptr);
    sigtermInstalled = false;
  }
}

int MpiTransport::mpiTag(const MessageTag &tag) const {
  bool usesMicrobatch = tag.kind == MessageTag::Kind::Activations ||
                        tag.kind == MessageTag::Kind::Gradients;
  uint64_t microbatch = usesMicrobatch ? tag.microbatch : 0;
  if (microbatch >= (uint64_t(1) << 20) || tag.index >= (uint32_t(1) << 9))
    return 0;
  uint64_t packed =
      (uint64_t(tag.kind) << 29) | (uint64_t(tag.index) << 20) | microbatch;
  return packed <= uint64_t(tagUpperBound_) ? int(packed) : 0;
}

size_t MpiTransport::pieceBytes() const {
  return std::min<size_t>(maxMessageBytes_, INT_MAX);
}

namespace {

/// How a rank waits for MPI: polling without pause for the first 50 us
/// (a message about to arrive costs no sleep), then sleeping between polls,
/// 5 us doubling up to 100 us. Open MPI's blocking calls spin instead, which
/// takes a core from the work the rank waits for whenever there are fewer
/// cores than busy threads: ranks with BLAS threads, or more ranks than
/// cores (the MPI tests, a second or two on an idle 2-core machine, took up
/// to a minute with blocking calls on a loaded one, and at most 6 s polled).
/// A wait ends at most about 150 us (the last sleep and the kernel's timer
/// slack) after its message arrives, which a pipeline stage that waits for
/// a microbatch's computation does not notice.
class Backoff {
public:
  void pause() {
    auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      start_ = now;
      return;
    }
    if (now - start_ < std::chrono::microseconds(50))
      return;
    sleep_ = sleep_.count()
                 ? std::min(sleep_ * 2, std::chrono::microseconds(100))
                 : std::chrono::microseconds(5);
    std::this_thread::sleep_for(sleep_);
  }

private:
  bool started_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::microseconds sleep_{0};
};

/// Waits for every request; the first error's code, or MPI_SUCCESS.
int waitAll(std::vector<MPI_Request> &requests,
            std::vector<MPI_Status> &statuses) {
  statuses.resize(requests.size());
  Backoff backoff;
  while (!requests.empty()) {
    int done = 0;
    int rc = MPI_Testall(int(requests.size()), requests.data(), &done,
                         statuses.data());
    if (rc == MPI_ERR_IN_STATUS) {
      for (const MPI_Status &status : statuses)
        if (status.MPI_ERROR != MPI_SUCCESS &&
            status.MPI_ERROR != MPI_ERR_PENDING)
          return status.MPI_ERROR;
    }
    if (rc != MPI_SUCCESS)
      return rc;
    if (done)
      return MPI_SUCCESS;
    backoff.pause();
  }
  return MPI_SUCCESS;
}

int waitOne(MPI_Request &request, MPI_Status &status) {
  std::vector<MPI_Request> requests = {request};
  std::vector<MPI_Status> statuses;
  int rc = waitAll(requests, statuses);
  request = requests[0];
  if (!statuses.empty())
    status = statuses[0];
  return rc;
}

} // namespace

Status MpiTransport::sendMessage(uint32_t peer, const MessageTag &tag,
                                 const std::string &header,
                                 const std::vector<Payload> &payloads) {
  if (Status s = checkPeer(stage_, numStages_, peer, "send to"))
    return s;
  int mpiTagValue = mpiTag(tag);
  // Post the header and every piece at once (MPI keeps them in order), then
  // wait until none of them needs the caller's buffers any more.
  std::vector<MPI_Request> requests;
  auto post = [&](const void *data, size_t bytes) {
    MPI_Request request;
    int rc = MPI_Isend(data, int(bytes), MPI_BYTE, int(peer), mpiTagValue,
                       comm_->comm, &request);
    if (rc == MPI_SUCCESS)
      requests.push_back(request);
    return rc;
  };
  int rc = post(header.data(), header.size());
  size_t piece = pieceBytes();
  for (const Payload &p : payloads) {
    const char *data = static_cast<const char *>(p.data);
    for (size_t done = 0; done < p.bytes && rc == MPI_SUCCESS; done += piece)
      rc = post(data + done, std::min(piece, p.bytes - done));
  }
  std::vector<MPI_Status> statuses;
  int waited = waitAll(requests, statuses);
  if (rc == MPI_SUCCESS)
    rc = waited;
  if (rc != MPI_SUCCESS)
    return mpiError(rc, stageName(stage_) + " could not send " + tag.str() +
                            " to " + stageName(peer));
  return Status::ok();
}

Status MpiTransport::send(uint32_t peer, const MessageTag &tag,
                          const std::vector<Tensor> &tensors) {
  ArrivedMessage m;
  m.tag = tag;
  std::vector<Payload> payloads;
  // Device tensors travel through host copies (the NCCL transport moves
  // them between GPUs directly).
  std::vector<Tensor> staged;
  staged.reserve(tensors.size());
  for (const Tensor &t : tensors) {
    m.types.push_back(t.type());
    staged.push_back(toHost(t, queue_));
    payloads.push_back({staged.back().raw(), t.bytes()});
  }
  return sendMessage(peer, tag, encodeHeader(m), payloads);
}

Status MpiTransport::sendBytes(uint32_t peer, const MessageTag &tag,
                               const std::string &bytes) {
  ArrivedMessage m;
  m.tag = tag;
  m.isBytes = true;
  m.byteCount = bytes.size();
  return sendMessage(peer, tag, encodeHeader(m),
                     {{bytes.data(), bytes.size()}});
}

Status MpiTransport::recvHeader(uint32_t peer, const MessageTag &expected,
                                Arrived &got, int &mpiTagValue) {
  std::string context = stageName(stage_) + " could not receive " +
                        expected.str() + " from " + stageName(peer);
  // The next message from the peer, whatever its tag: MPI keeps one
  // sender's messages in order, and every message starts with its header.
  MPI_Message handle;
  MPI_Status status;
  int found = 0;
  Backoff backoff;
  int rc;
  while ((rc = MPI_Improbe(int(peer), MPI_ANY_TAG, comm_->comm, &found, &handle,
                           &status)) == MPI_SUCCESS &&
         !found)
    backoff.pause();
  int length = 0;
  if (rc == MPI_SUCCESS)
    rc = MPI_Get_count(&status, MPI_BYTE, &length);
  std::string header(size_t(length), '\0');
  MPI_Request request;
  if (rc == MPI_SUCCESS)
    rc = MPI_Imrecv(header.data(), length, MPI_BYTE, &handle, &request);
  if (rc == MPI_SUCCESS)
    rc = waitOne(request, status);
  if (rc != MPI_SUCCESS)
    return mpiError(rc, context);
  mpiTagValue = status.MPI_TAG;
  if (!decodeHeader(header, got))
    return Status::error(context + ": the next message from " +
                         stageName(peer) + " (" + std::to_string(length) +
                         " bytes, MPI tag " + std::to_string(mpiTagValue) +
                         ") is not a message header; the two stages' "
                         "messages are out of step");
  return Status::ok();
}

Status MpiTransport::recvPayloads(uint32_t peer, int mpiTagValue,
                                  const std::vector<Payload> &into,
                                  const MessageTag &what) {
  std::vector<MPI_Request> requests;
  std::vector<int> expected;
  int rc = MPI_SUCCESS;
  size_t piece = pieceBytes();
  for (const Payload &p : into) {
    char *data = static_cast<char *>(const_cast<void *>(p.data));
    for (size_t done = 0; done < p.bytes && rc == MPI_SUCCESS; done += piece) {
      int count = int(std::min(piece, p.bytes - done));
      MPI_Request request;
      rc = MPI_Irecv(data + done, count, MPI_BYTE, int(peer), mpiTagValue,
                     comm_->comm, &request);
      if (rc == MPI_SUCCESS) {
        requests.push_back(request);
        expected.push_back(count);
      }
    }
  }
  std::vector<MPI_Status> statuses;
  int waited = waitAll(requests, statuses);
  if (rc == MPI_SUCCESS)
    rc = waited;
  if (rc != MPI_SUCCESS)
    return mpiError(rc, stageName(stage_) + " could not receive " + what.str() +
                            " from " + stageName(peer));
  for (size_t i = 0; i < statuses.size(); ++i) {
    int received = 0;
    MPI_Get_count(&statuses[i], MPI_BYTE, &received);
    if (received != expected[i])
      return Status::error(stageName(stage_) + " received a piece of " +
                           std::to_string(received) + " bytes of " +
                           what.str() + " from " + stageName(peer) +
                           " where its header announced " +
                           std::to_string(expected[i]));
  }
  return Status::ok();
}

Status MpiTransport::dropPayloads(uint32_t peer, int mpiTagValue,
                                  const Arrived &got, const Status &mismatch) {
  std::vector<size_t> sizes = payloadSizes(got);
  size_t largest =
      sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
  std::vector<char> scratch(std::min(largest, pieceBytes()));
  for (size_t bytes : sizes)
    for (size_t done = 0; done < bytes; done += scratch.size()) {
      size_t piece = std::min(scratch.size(), bytes - done);
      if (Status s = recvPayloads(peer, mpiTagValue, {{scratch.data(), piece}},
                                  got.tag))
        return Status::error(mismatch.message() + "; then " + s.message());
    }
  return mismatch;
}

Status MpiTransport::recv(uint32_t peer, const MessageTag &tag,
                          std::vector<Tensor> &tensors) {
  if (Status s = checkPeer(stage_, numStages_, peer, "receive from"))
    return s;
  Arrived got;
  int mpiTagValue = 0;
  if (Status s = recvHeader(peer, tag, got, mpiTagValue))
    return s;
  // A mismatched message's payload is taken anyway, so that the next
  // message pairs up.
  if (Status mismatch = checkTensorMessage(stage_, peer, tag, tensors, got))
    return dropPayloads(peer, mpiTagValue, got, mismatch);
  std::vector<Payload> into;
  std::vector<Tensor> staged(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    Tensor &t = tensors[i];
    if (t.space() != MemorySpace::Host)
      staged[i] = Tensor::empty(t.type());
    bool device = t.space() != MemorySpace::Host;
    into.push_back({device ? staged[i].raw() : t.raw(), t.bytes()});
  }
  if (Status s = recvPayloads(peer, mpiTagValue, into, tag))
    return s;
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].space() != MemorySpace::Host)
      if (Status s = copyTensor(staged[i], tensors[i], queue_))
        return s;
  return Status::ok();
}

Status MpiTransport::recvBytes(uint32_t peer, const MessageTag &tag,
                               std::string &bytes) {
  if (Status s = checkPeer(stage_, numStages_, peer, "receive from"))
    return s;
  Arrived got;
  int mpiTagValue = 0;
  if (Status s = recvHeader(peer, tag, got, mpiTagValue))
    return s;
  if (Status mismatch = checkBytesMessage(stage_, peer, tag, got))
    return dropPayloads(peer, mpiTagValue, got, mismatch);
  std::string payload(size_t(got.byteCount), '\0');
  if (Status s = recvPayloads(peer, mpiTagValue,
                              {{payload.data(), payload.size()}}, tag))
    return s;
  bytes = std::move(payload);
  return Status::ok();
}

Status MpiTransport::allReduceSum(double &value) {
  std::vector<double> all(numStages_);
  MPI_Request request;
  MPI_Status status;
  int rc = MPI_Iallgather(&value, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE,
                          comm_->comm, &request);
  if (rc == MPI_SUCCESS)
    rc = waitOne(request, status);
  if (rc != MPI_SUCCESS)
    return mpiError(rc, stageName(stage_) + " could not complete allReduceSum");
  double sum = all[0];
  for (size_t i = 1; i < all.size(); ++i)
    sum += all[i];
  value = sum;
  return Status::ok();
}

Status MpiTransport::barrier() {
  MPI_Request request;
  MPI_Status status;
  int rc = MPI_Ibarrier(comm_->comm, &request);
  if (rc == MPI_SUCCESS)
    rc = waitOne(request, status);
  if (rc != MPI_SUCCESS)
    return mpiError(rc, stageName(stage_) + " could not complete barrier");
  return Status::ok();
}

void MpiTransport::abort(const std::string &) {
  MPI_Abort(MPI_COMM_WORLD, 1);
  _exit(1); // MPI_Abort does not return; should it, stop anyway.
}

void MpiTransport::setActivity(const std::string &text) {
  publishActivity(text.data(), text.size());
}
