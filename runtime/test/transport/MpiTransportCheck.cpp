//===- MpiTransportCheck.cpp - The MPI transport under mpirun -------------===//
//
// mpirun -np N PPMpiTransportCheck MODE, where MODE is
//
//   exchange  tensors ring-wise in both directions, pairwise, bytes gathered
//             to rank 0, a tag too large to pack, allReduceSum and barrier;
//             then the ring again with payloads split into 1000-byte pieces;
//             rank 0 prints the round-trip time of a small message.
//   mismatch  (even rank r sends to r + 1) a wrong tag, a wrong tensor count,
//             a wrong type, bytes for tensors and tensors for bytes, each
//             reported with its exact message; then a matching message still
//             arrives intact.
//   abort     (N >= 3) rank 2 calls abort() while the others wait for it.
//   sigkill   (N >= 3) rank 2 kills itself with SIGKILL while the others
//             wait for it.
//
// A failed check prints "stage R: CHECK FAILED: ..." and aborts the job.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/MpiTransport.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace pp::rt;

namespace {

MpiTransport *transport = nullptr;

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "stage %u: CHECK FAILED: %s\n", transport->stage(),
               what.c_str());
  std::fflush(stderr);
  transport->abort(what);
  std::abort(); // abort() does not return
}

void ok(const Status &s, const std::string &what) {
  if (s)
    fail(what + ": " + s.message());
}

void expect(bool condition, const std::string &what) {
  if (!condition)
    fail(what);
}

/// The error `s` carries exactly `message`.
void expectError(const Status &s, const std::string &message) {
  if (!s)
    fail("expected the error \"" + message + "\", got success");
  if (s.message() != message)
    fail("expected the error\n  \"" + message + "\"\ngot\n  \"" + s.message() +
         "\"");
}

/// Tensors of `types` whose bytes follow from `seed`.
std::vector<Tensor> makeTensors(const std::vector<TensorType> &types,
                                uint32_t seed) {
  std::vector<Tensor> tensors;
  for (size_t k = 0; k < types.size(); ++k) {
    Tensor t = Tensor::empty(types[k]);
    auto *bytes = static_cast<unsigned char *>(t.raw());
    uint32_t x = seed * 2654435761u + uint32_t(k) * 40503u + 1;
    for (size_t i = 0; i < t.bytes(); ++i) {
      x = x * 1664525u + 1013904223u;
      bytes[i] = static_cast<unsigned char>(x >> 24);
    }
    tensors.push_back(t);
  }
  return tensors;
}

std::vector<Tensor> allocate(const std::vector<TensorType> &types) {
  std::vector<Tensor> tensors;
  for (const TensorType &t : types)
    tensors.push_back(Tensor::zeros(t));
  return tensors;
}

void expectContents(const std::vector<Tensor> &got, uint32_t seed,
                    const std::string &what) {
  std::vector<TensorType> types;
  for (const Tensor &t : got)
    types.push_back(t.type());
  std::vector<Tensor> want = makeTensors(types, seed);
  for (size_t k = 0; k < got.size(); ++k)
    if (got[k].bytes() &&
        std::memcmp(got[k].raw(), want[k].raw(), got[k].bytes()) != 0)
      fail(what + ": tensor " + std::to_string(k) + " has the wrong contents");
}

const std::vector<TensorType> kBoundaryTypes = {
    {DType::F32, {4, 8}},
    {DType::I64, {3}},
    {DType::F64, {300, 300}}, // 720 kB: past the eager limit
    {DType::U8, {0}},         // empty
};

uint32_t seedOf(const MessageTag &tag, uint32_t from) {
  return from * 1000003u + uint32_t(tag.kind) * 10007u + tag.microbatch * 101u +
         tag.index;
}

void sendChecked(uint32_t peer, const MessageTag &tag,
                 const std::vector<TensorType> &types) {
  ok(transport->send(peer, tag,
                     makeTensors(types, seedOf(tag, transport->stage()))),
     "sending " + tag.str() + " to stage " + std::to_string(peer));
}

void recvChecked(uint32_t peer, const MessageTag &tag,
                 const std::vector<TensorType> &types) {
  std::vector<Tensor> into = allocate(types);
  std::string what =
      "receiving " + tag.str() + " from stage " + std::to_string(peer);
  ok(transport->recv(peer, tag, into), what);
  expectContents(into, seedOf(tag, peer), what);
}

/// Activations around the ring 0 -> 1 -> ... -> p-1 -> 0, then gradients the
/// other way. Rank 0 sends first, every other rank receives first: no cycle
/// of blocked sends even when a send waits for its receiver.
void ring(uint32_t microbatches, uint32_t firstMicrobatch) {
  uint32_t r = transport->stage(), p = transport->numStages();
  uint32_t next = (r + 1) % p, prev = (r + p - 1) % p;
  for (uint32_t m = firstMicrobatch; m < firstMicrobatch + microbatches; ++m) {
    MessageTag out = MessageTag::activations(m, r);
    MessageTag in = MessageTag::activations(m, prev);
    if (r == 0) {
      sendChecked(next, out, kBoundaryTypes);
      recvChecked(prev, in, kBoundaryTypes);
    } else {
      recvChecked(prev, in, kBoundaryTypes);
      sendChecked(next, out, kBoundaryTypes);
    }
  }
  for (uint32_t m = firstMicrobatch; m < firstMicrobatch + microbatches; ++m) {
    MessageTag out = MessageTag::gradients(m, prev);
    MessageTag in = MessageTag::gradients(m, r);
    if (r == 0) {
      sendChecked(prev, out, kBoundaryTypes);
      recvChecked(next, in, kBoundaryTypes);
    } else {
      recvChecked(next, in, kBoundaryTypes);
      sendChecked(prev, out, kBoundaryTypes);
    }
  }
}

void exchange() {
  uint32_t r = transport->stage(), p = transport->numStages();
  expect(p >= 2, "exchange needs at least 2 ranks");

  // Tag packing: kind << 29 | index << 20 | microbatch, 0 when too large.
  expect(transport->mpiTag(MessageTag::activations(3, 1)) == (1 << 20) + 3,
         "mpiTag(activations 3 at 1)");
  expect(transport->mpiTag(MessageTag::gradients(5, 2)) ==
             (1 << 29) + (2 << 20) + 5,
         "mpiTag(gradients 5 at 2)");
  expect(transport->mpiTag(MessageTag::tiedGradients(7)) ==
             (2 << 29) + (7 << 20),
         "mpiTag(tied gradients 7)");
  expect(transport->mpiTag(MessageTag::activations(1u << 20, 0)) == 0,
         "mpiTag of a microbatch past 20 bits");
  expect(transport->mpiTag(MessageTag::gather(512)) == 0,
         "mpiTag of an index past 9 bits");

  ring(/*microbatches=*/4, /*firstMicrobatch=*/0);

  // Tied gradients between pairs (0, 1), (2, 3): the lower rank sends first.
  uint32_t partner = r ^ 1;
  if (partner < p) {
    std::vector<TensorType> tie = {{DType::F32, {1000}},
                                   {DType::F32, {100000}}};
    MessageTag tag = MessageTag::tiedGradients(r / 2);
    if (r < partner) {
      sendChecked(partner, tag, tie);
      recvChecked(partner, tag, tie);
    } else {
      recvChecked(partner, tag, tie);
      sendChecked(partner, tag, tie);
    }
  }

  // Bytes gathered to rank 0, one empty message each as well.
  auto bytesOf = [](uint32_t rank) {
    std::string s(rank * 1000 + 3, '\0');
    for (size_t i = 0; i < s.size(); ++i)
      s[i] = char((i * 7 + rank) % 251);
    return s;
  };
  if (r == 0) {
    for (uint32_t from = 1; from < p; ++from) {
      std::string got = "stale";
      ok(transport->recvBytes(from, MessageTag::gather(from), got),
         "receiving bytes from stage " + std::to_string(from));
      expect(got == bytesOf(from), "bytes from stage " + std::to_string(from));
      ok(transport->recvBytes(from, MessageTag::gather(100 + from), got),
         "receiving empty bytes from stage " + std::to_string(from));
      expect(got.empty(), "empty bytes from stage " + std::to_string(from));
    }
  } else {
    ok(transport->sendBytes(0, MessageTag::gather(r), bytesOf(r)),
       "sending bytes");
    ok(transport->sendBytes(0, MessageTag::gather(100 + r), ""),
       "sending empty bytes");
  }

  // A tag whose fields do not fit the MPI tag: the header carries it.
  MessageTag wide = MessageTag::activations(1u << 21, 600);
  if (r == 0)
    sendChecked(1, wide, {{DType::F32, {16}}});
  else if (r == 1)
    recvChecked(0, wide, {{DType::F32, {16}}});

  // The sum in rank order, the same bits everywhere: 1e16 + 1 rounds back
  // to 1e16, so the order shows in the result.
  const double parts[] = {1e16, 1.0, -1e16, 1.0};
  double expected = parts[0];
  for (uint32_t s = 1; s < p; ++s)
    expected += parts[s % 4];
  double value = parts[r % 4];
  ok(transport->allReduceSum(value), "allReduceSum");
  expect(value == expected, "allReduceSum gave " + std::to_string(value) +
                                ", expected " + std::to_string(expected));
  value = r + 0.25;
  ok(transport->allReduceSum(value), "allReduceSum");
  expect(value == p * (p - 1) / 2.0 + 0.25 * p, "second allReduceSum");
  ok(transport->barrier(), "barrier");

  // The ring again, every payload split into 1000-byte MPI messages.
  transport->setMaxMessageBytes(1000);
  ring(/*microbatches=*/2, /*firstMicrobatch=*/100);
  transport->setMaxMessageBytes(size_t(1) << 30);
  ok(transport->barrier(), "barrier");

  // Round trips of a small message between ranks 0 and 1.
  const int rounds = 300;
  std::vector<TensorType> small = {{DType::F32, {16}}};
  std::vector<Tensor> out = makeTensors(small, 1), in = allocate(small);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds && r < 2; ++i) {
    MessageTag tag = MessageTag::activations(uint32_t(i), 0);
    if (r == 0) {
      ok(transport->send(1, tag, out), "ping");
      ok(transport->recv(1, tag, in), "pong");
    } else {
      ok(transport->recv(0, tag, in), "ping");
      ok(transport->send(0, tag, in), "pong");
    }
  }
  double micros = std::chrono::duration<double, std::micro>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  ok(transport->barrier(), "barrier");
  if (r == 0)
    std::printf("exchange: ok on %u ranks; a round trip of one 64-byte "
                "tensor takes %.1f us\n",
                p, micros / rounds);
}

void mismatch() {
  uint32_t r = transport->stage(), p = transport->numStages();
  uint32_t sender = r & ~1u, receiver = sender + 1;
  std::string from = " from stage " + std::to_string(sender);
  std::string self = "stage " + std::to_string(receiver);
  std::vector<TensorType> one = {{DType::F32, {4, 8}}};
  std::vector<TensorType> two = {{DType::F32, {4, 8}}, {DType::F32, {2}}};
  std::vector<TensorType> three = {
      {DType::F32, {4, 8}}, {DType::F32, {2}}, {DType::I64, {1}}};
  std::vector<TensorType> tie = {{DType::F32, {4, 8}},
                                 {DType::F64, {300, 300}}};
  std::vector<TensorType> tieWrong = {{DType::F32, {8, 4}},
                                      {DType::F64, {300, 300}}};
  if (receiver >= p) {
    // An odd rank out has no partner.
  } else if (r == sender) {
    sendChecked(receiver, MessageTag::activations(5, 0), one);
    sendChecked(receiver, MessageTag::gradients(1, 0), three);
    sendChecked(receiver, MessageTag::tiedGradients(0), tieWrong);
    ok(transport->sendBytes(receiver, MessageTag::gather(0), "hello"),
       "sending bytes");
    sendChecked(receiver, MessageTag::gather(1), one);
    sendChecked(receiver, MessageTag::activations(7, 0), two);
  } else {
    std::vector<Tensor> into = allocate(one);
    expectError(
        transport->recv(sender, MessageTag::activations(6, 0), into),
        self +
            " expected activations of microbatch 6 at boundary 0 holding 1 "
            "tensor (4x8xf32)" +
            from +
            ", but received activations of microbatch 5 at boundary 0 "
            "holding 1 tensor (4x8xf32)");
    into = allocate(two);
    expectError(transport->recv(sender, MessageTag::gradients(1, 0), into),
                self +
                    " expected gradients of microbatch 1 at boundary 0 "
                    "holding 2 tensors (4x8xf32, 2xf32)" +
                    from +
                    ", but received gradients of microbatch 1 at boundary 0 "
                    "holding 3 tensors (4x8xf32, 2xf32, 1xi64)");
    into = allocate(tie);
    expectError(transport->recv(sender, MessageTag::tiedGradients(0), into),
                self +
                    " expected tied gradients 0 holding 2 tensors "
                    "(4x8xf32, 300x300xf64)" +
                    from +
                    ", but received tied gradients 0 holding 2 tensors "
                    "(8x4xf32, 300x300xf64) (tensor 0 differs)");
    into = allocate(one);
    expectError(transport->recv(sender, MessageTag::gather(0), into),
                self + " expected gathered item 0 holding 1 tensor (4x8xf32)" +
                    from + ", but received gathered item 0 holding 5 bytes");
    std::string bytes;
    expectError(transport->recvBytes(sender, MessageTag::gather(1), bytes),
                self + " expected gathered item 1 holding bytes" + from +
                    ", but received gathered item 1 holding 1 tensor "
                    "(4x8xf32)");
    // Every mismatched payload was taken: the next message pairs up.
    recvChecked(sender, MessageTag::activations(7, 0), two);
  }
  ok(transport->barrier(), "barrier");
  if (r == 0)
    std::printf("mismatch: ok on %u ranks\n", p);
}

/// Rank 2 fails while every other rank waits to receive from it.
void failure(bool byAbort) {
  uint32_t r = transport->stage(), p = transport->numStages();
  expect(p >= 3, "failure modes need at least 3 ranks");
  ok(transport->barrier(), "barrier");
  if (r == 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (byAbort) {
      std::fprintf(stderr, "stage 2: failing on purpose (abort)\n");
      std::fflush(stderr);
      transport->abort("stage 2: failing on purpose");
    }
    std::fprintf(stderr, "stage 2: killing itself with SIGKILL\n");
    std::fflush(stderr);
    std::raise(SIGKILL);
  }
  MessageTag tag = MessageTag::activations(0, 2);
  transport->setActivity("stage " + std::to_string(r) + ": receiving " +
                         tag.str() + " from stage 2");
  std::vector<Tensor> into = allocate({{DType::F32, {4}}});
  Status s = transport->recv(2, tag, into);
  fail("the receive from stage 2 returned: " +
       (s ? s.message() : std::string("success")));
}

} // namespace

int main(int argc, char **argv) {
  std::unique_ptr<MpiTransport> t;
  if (Status s = MpiTransport::create(&argc, &argv, t)) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  transport = t.get();
  std::string mode = argc == 2 ? argv[1] : "";
  if (mode == "exchange")
    exchange();
  else if (mode == "mismatch")
    mismatch();
  else if (mode == "abort" || mode == "sigkill")
    failure(mode == "abort");
  else
    fail("usage: PPMpiTransportCheck exchange|mismatch|abort|sigkill");
  return 0;
}
