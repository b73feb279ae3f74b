//===- ThreadTransportTest.cpp - The thread transport ---------------------===//
//
// Built twice: as PPTransportTests, and with the transport's sources under
// ThreadSanitizer as PPTransportTsanTests.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/ThreadTransport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <random>
#include <thread>

using namespace pp::rt;
using Endpoint = ThreadTransport::Endpoint;
using Clock = std::chrono::steady_clock;

namespace {

/// A tensor of `type` whose elements (read as int32 words, or bytes for
/// smaller element types) follow from `seed`.
Tensor filled(const TensorType &type, uint32_t seed) {
  Tensor t = Tensor::empty(type);
  auto *bytes = static_cast<unsigned char *>(t.raw());
  uint32_t x = seed * 2654435761u + 12345u;
  for (size_t i = 0; i < t.bytes(); ++i) {
    x = x * 1664525u + 1013904223u;
    bytes[i] = static_cast<unsigned char>(x >> 24);
  }
  return t;
}

bool sameBytes(const Tensor &a, const Tensor &b) {
  return a.type() == b.type() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

const TensorType kF32x4x8{DType::F32, {4, 8}};
const TensorType kI64x3{DType::I64, {3}};

/// Runs `body` for every stage on its own thread, then `finish()`es the
/// stage; returns each stage's status.
std::vector<Status> runStages(ThreadTransport &transport,
                              const std::function<Status(Endpoint &)> &body) {
  std::vector<Status> results(transport.numStages());
  std::vector<std::thread> threads;
  for (uint32_t s = 0; s < transport.numStages(); ++s)
    threads.emplace_back([&, s] {
      Endpoint &e = transport.endpoint(s);
      results[s] = body(e);
      e.finish();
    });
  for (std::thread &t : threads)
    t.join();
  return results;
}

} // namespace

TEST(MessageTagTest, NamesAndComparesTheFieldsItsKindUses) {
  EXPECT_EQ(MessageTag::activations(3, 1).str(),
            "activations of microbatch 3 at boundary 1");
  EXPECT_EQ(MessageTag::gradients(0, 2).str(),
            "gradients of microbatch 0 at boundary 2");
  EXPECT_EQ(MessageTag::tiedGradients(4).str(), "tied gradients 4");
  EXPECT_EQ(MessageTag::gather(1).str(), "gathered item 1");

  EXPECT_EQ(MessageTag::activations(3, 1), MessageTag::activations(3, 1));
  EXPECT_NE(MessageTag::activations(3, 1), MessageTag::activations(4, 1));
  EXPECT_NE(MessageTag::activations(3, 1), MessageTag::activations(3, 2));
  EXPECT_NE(MessageTag::activations(3, 1), MessageTag::gradients(3, 1));
  // The microbatch is no part of a tie or gather tag.
  MessageTag tie = MessageTag::tiedGradients(2);
  tie.microbatch = 9;
  EXPECT_EQ(tie, MessageTag::tiedGradients(2));
  EXPECT_NE(MessageTag::tiedGradients(2), MessageTag::gather(2));

  EXPECT_EQ(describeTensorTypes({}), "no tensors");
  EXPECT_EQ(describeTensorTypes({kF32x4x8}), "1 tensor (4x8xf32)");
  EXPECT_EQ(describeTensorTypes({kF32x4x8, {DType::F64, {}}}),
            "2 tensors (4x8xf32, f64)");
}

TEST(ThreadTransportTest, MessagesArriveInOrderAndAreCopiedIn) {
  ThreadTransport transport(2);
  Endpoint &a = transport.endpoint(0), &b = transport.endpoint(1);
  EXPECT_EQ(a.stage(), 0u);
  EXPECT_EQ(b.stage(), 1u);
  EXPECT_EQ(b.numStages(), 2u);

  // Sends never block: all of them go before any receive, on one thread.
  std::vector<std::vector<Tensor>> sent;
  for (uint32_t m = 0; m < 50; ++m) {
    sent.push_back({filled(kF32x4x8, m), filled(kI64x3, 1000 + m)});
    ASSERT_FALSE(a.send(1, MessageTag::activations(m, 0), sent.back()));
  }
  for (uint32_t m = 0; m < 50; ++m) {
    std::vector<Tensor> into = {Tensor::zeros(kF32x4x8), Tensor::zeros(kI64x3)};
    Status s = b.recv(0, MessageTag::activations(m, 0), into);
    ASSERT_FALSE(s) << s.message();
    EXPECT_TRUE(sameBytes(into[0], sent[m][0])) << "microbatch " << m;
    EXPECT_TRUE(sameBytes(into[1], sent[m][1])) << "microbatch " << m;
    // Copied into the receiver's buffers, not aliased.
    EXPECT_NE(into[0].raw(), sent[m][0].raw());
  }
  EXPECT_FALSE(transport.checkAllDelivered());
}

TEST(ThreadTransportTest, BothDirectionsAndEmptyListsAreIndependent) {
  ThreadTransport transport(3);
  Endpoint &a = transport.endpoint(0), &b = transport.endpoint(1),
           &c = transport.endpoint(2);
  Tensor x = filled(kF32x4x8, 1), y = filled(kF32x4x8, 2),
         z = filled(kF32x4x8, 3);
  ASSERT_FALSE(a.send(1, MessageTag::activations(0, 0), {x}));
  ASSERT_FALSE(c.send(1, MessageTag::gradients(0, 1), {z}));
  ASSERT_FALSE(b.send(0, MessageTag::gradients(0, 0), {y}));
  ASSERT_FALSE(a.send(2, MessageTag::gather(0), {}));

  // Stage 1 takes from stage 2 first, whatever was queued from stage 0.
  std::vector<Tensor> into = {Tensor::zeros(kF32x4x8)};
  ASSERT_FALSE(b.recv(2, MessageTag::gradients(0, 1), into));
  EXPECT_TRUE(sameBytes(into[0], z));
  ASSERT_FALSE(b.recv(0, MessageTag::activations(0, 0), into));
  EXPECT_TRUE(sameBytes(into[0], x));
  ASSERT_FALSE(a.recv(1, MessageTag::gradients(0, 0), into));
  EXPECT_TRUE(sameBytes(into[0], y));
  std::vector<Tensor> none;
  ASSERT_FALSE(c.recv(0, MessageTag::gather(0), none));
  EXPECT_FALSE(transport.checkAllDelivered());
}

TEST(ThreadTransportTest, MismatchesNameWhatWasExpectedAndWhatCame) {
  ThreadTransport transport(2);
  Endpoint &a = transport.endpoint(0), &b = transport.endpoint(1);
  std::vector<Tensor> one = {Tensor::zeros(kF32x4x8)};
  std::vector<Tensor> two = {Tensor::zeros(kF32x4x8), Tensor::zeros(kI64x3)};

  // Tag.
  ASSERT_FALSE(a.send(1, MessageTag::activations(5, 0), one));
  Status s = b.recv(0, MessageTag::activations(6, 0), one);
  EXPECT_EQ(s.message(),
            "stage 1 expected activations of microbatch 6 at boundary 0 "
            "holding 1 tensor (4x8xf32) from stage 0, but received "
            "activations of microbatch 5 at boundary 0 holding 1 tensor "
            "(4x8xf32)");

  // Kind of tag.
  ASSERT_FALSE(a.send(1, MessageTag::gradients(6, 0), one));
  s = b.recv(0, MessageTag::activations(6, 0), one);
  EXPECT_EQ(s.message(),
            "stage 1 expected activations of microbatch 6 at boundary 0 "
            "holding 1 tensor (4x8xf32) from stage 0, but received "
            "gradients of microbatch 6 at boundary 0 holding 1 tensor "
            "(4x8xf32)");

  // Count.
  ASSERT_FALSE(a.send(1, MessageTag::tiedGradients(0), two));
  s = b.recv(0, MessageTag::tiedGradients(0), one);
  EXPECT_EQ(s.message(), "stage 1 expected tied gradients 0 holding 1 tensor "
                         "(4x8xf32) from stage 0, but received tied "
                         "gradients 0 holding 2 tensors (4x8xf32, 3xi64)");

  // Type: the same byte size, another shape.
  ASSERT_FALSE(
      a.send(1, MessageTag::tiedGradients(1),
             {Tensor::zeros(kF32x4x8), Tensor::zeros({DType::I64, {1, 3}})}));
  s = b.recv(0, MessageTag::tiedGradients(1), two);
  EXPECT_EQ(s.message(),
            "stage 1 expected tied gradients 1 holding 2 tensors (4x8xf32, "
            "3xi64) from stage 0, but received tied gradients 1 holding 2 "
            "tensors (4x8xf32, 1x3xi64) (tensor 1 differs)");

  // Bytes for tensors, and tensors for bytes.
  ASSERT_FALSE(a.sendBytes(1, MessageTag::gather(0), "hello"));
  s = b.recv(0, MessageTag::gather(0), one);
  EXPECT_EQ(s.message(), "stage 1 expected gathered item 0 holding 1 tensor "
                         "(4x8xf32) from stage 0, but received gathered item "
                         "0 holding 5 bytes");
  ASSERT_FALSE(a.send(1, MessageTag::gather(1), one));
  std::string bytes;
  s = b.recvBytes(0, MessageTag::gather(1), bytes);
  EXPECT_EQ(s.message(), "stage 1 expected gathered item 1 holding bytes from "
                         "stage 0, but received gathered item 1 holding 1 "
                         "tensor (4x8xf32)");

  // A destination the caller did not allocate.
  ASSERT_FALSE(a.send(1, MessageTag::gather(2), one));
  std::vector<Tensor> unallocated(1);
  s = b.recv(0, MessageTag::gather(2), unallocated);
  EXPECT_EQ(s.message(), "stage 1 expected gathered item 2 holding 1 tensor "
                         "(f32) from stage 0, but received gathered item 2 "
                         "holding 1 tensor (4x8xf32) (tensor 0 differs)");
  unallocated = {Tensor::view(kF32x4x8, nullptr)};
  ASSERT_FALSE(a.send(1, MessageTag::gather(3), one));
  s = b.recv(0, MessageTag::gather(3), unallocated);
  EXPECT_EQ(s.message(), "stage 1 cannot receive gathered item 3 from stage "
                         "0: destination tensor 0 is not allocated");

  // Each mismatched message was consumed: the next one pairs up.
  Tensor x = filled(kF32x4x8, 7);
  ASSERT_FALSE(a.send(1, MessageTag::activations(7, 0), {x}));
  s = b.recv(0, MessageTag::activations(7, 0), one);
  ASSERT_FALSE(s) << s.message();
  EXPECT_TRUE(sameBytes(one[0], x));
  EXPECT_FALSE(transport.checkAllDelivered());
}

TEST(ThreadTransportTest, PeersMustBeOtherStages) {
  ThreadTransport transport(2);
  Endpoint &a = transport.endpoint(0);
  std::vector<Tensor> none;
  EXPECT_EQ(a.send(0, MessageTag::gather(0), none).message(),
            "stage 0 cannot send to itself");
  EXPECT_EQ(a.send(2, MessageTag::gather(0), none).message(),
            "stage 0 cannot send to stage 2: there are 2 stages");
  EXPECT_EQ(a.recv(5, MessageTag::gather(0), none).message(),
            "stage 0 cannot receive from stage 5: there are 2 stages");
  std::string bytes;
  EXPECT_EQ(a.recvBytes(0, MessageTag::gather(0), bytes).message(),
            "stage 0 cannot receive from itself");
}

TEST(ThreadTransportTest, BytesMessages) {
  ThreadTransport transport(3);
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = char(i * 31 % 256);
  std::string withZeros("a\0b\0", 4);
  std::vector<Status> results = runStages(transport, [&](Endpoint &e) {
    if (e.stage() == 0) {
      // From each other stage: bytes, then tensors, then empty bytes, in
      // the order sent.
      for (uint32_t from = 1; from < 3; ++from) {
        std::string got = "stale";
        if (Status s = e.recvBytes(from, MessageTag::gather(0), got))
          return s;
        EXPECT_EQ(got, from == 1 ? big : withZeros);
        std::vector<Tensor> into = {Tensor::zeros(kI64x3)};
        if (Status s = e.recv(from, MessageTag::gather(1), into))
          return s;
        EXPECT_TRUE(sameBytes(into[0], filled(kI64x3, from)));
        if (Status s = e.recvBytes(from, MessageTag::gather(2), got))
          return s;
        EXPECT_EQ(got, "");
      }
      return Status::ok();
    }
    if (Status s = e.sendBytes(0, MessageTag::gather(0),
                               e.stage() == 1 ? big : withZeros))
      return s;
    if (Status s =
            e.send(0, MessageTag::gather(1), {filled(kI64x3, e.stage())}))
      return s;
    return e.sendBytes(0, MessageTag::gather(2), "");
  });
  for (uint32_t s = 0; s < 3; ++s)
    EXPECT_FALSE(results[s]) << "stage " << s << ": " << results[s].message();
  EXPECT_FALSE(transport.checkAllDelivered());
}

TEST(ThreadTransportTest, AbortWakesBlockedCallsPromptly) {
  ThreadTransport transport(4);
  std::atomic<int> waiting{0};
  Clock::time_point aborted;
  std::vector<Clock::time_point> returned(4);
  std::vector<Status> results = runStages(transport, [&](Endpoint &e) {
    Status s;
    std::vector<Tensor> into = {Tensor::zeros(kF32x4x8)};
    std::string bytes;
    switch (e.stage()) {
    case 0:
      ++waiting;
      s = e.recv(3, MessageTag::activations(0, 2), into);
      break;
    case 1:
      ++waiting;
      s = e.barrier();
      break;
    case 2:
      ++waiting;
      s = e.recvBytes(3, MessageTag::gather(0), bytes);
      break;
    case 3:
      while (waiting < 3)
        std::this_thread::yield();
      // Give the others time to block.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      aborted = Clock::now();
      e.abort("stage 3: F0 failed: out of memory");
      return Status::ok();
    }
    returned[e.stage()] = Clock::now();
    return s;
  });
  ASSERT_FALSE(results[3]);
  const std::string expected =
      "stopped: stage 3 failed: stage 3: F0 failed: out of memory";
  for (uint32_t s = 0; s < 3; ++s) {
    EXPECT_EQ(results[s].message(), expected) << "stage " << s;
    auto latency = returned[s] - aborted;
    EXPECT_LT(latency, std::chrono::milliseconds(200)) << "stage " << s;
  }
}

TEST(ThreadTransportTest, AfterAbortEveryCallFailsWithTheFirstFailure) {
  ThreadTransport transport(3);
  Endpoint &a = transport.endpoint(0), &b = transport.endpoint(1),
           &c = transport.endpoint(2);
  ASSERT_FALSE(a.send(2, MessageTag::activations(0, 0), {}));
  b.abort("stage 1: B2 failed: NaN in the loss");
  c.abort("stage 2: a later failure");
  const std::string expected =
      "stopped: stage 1 failed: stage 1: B2 failed: NaN in the loss";
  std::vector<Tensor> none;
  std::string bytes;
  double value = 0;
  EXPECT_EQ(a.send(1, MessageTag::activations(1, 0), none).message(), expected);
  EXPECT_EQ(a.sendBytes(1, MessageTag::gather(0), "x").message(), expected);
  // Even with a message queued for it.
  EXPECT_EQ(c.recv(0, MessageTag::activations(0, 0), none).message(), expected);
  EXPECT_EQ(c.recvBytes(0, MessageTag::gather(0), bytes).message(), expected);
  EXPECT_EQ(a.barrier().message(), expected);
  EXPECT_EQ(b.allReduceSum(value).message(), expected);
}

TEST(ThreadTransportTest, DeadlockIsReportedToEveryWaiter) {
  ThreadTransport transport(4);
  std::vector<Status> results = runStages(transport, [](Endpoint &e) {
    std::vector<Tensor> into = {Tensor::zeros(kF32x4x8)};
    std::string bytes;
    switch (e.stage()) {
    case 0:
      return e.recv(1, MessageTag::activations(0, 1), into);
    case 1:
      return e.recv(0, MessageTag::gradients(0, 0), into);
    case 2:
      return e.barrier();
    default:
      e.setActivity("stage 3: RF0<2");
      return e.recvBytes(2, MessageTag::gather(0), bytes);
    }
  });
  const std::string expected =
      "deadlock: every stage that has not finished is waiting, and nothing "
      "queued can satisfy any of them:\n"
      "  stage 0: receiving activations of microbatch 0 at boundary 1 from "
      "stage 1 (nothing queued)\n"
      "  stage 1: receiving gradients of microbatch 0 at boundary 0 from "
      "stage 0 (nothing queued)\n"
      "  stage 2: in barrier (1 of 4 stages arrived)\n"
      "  stage 3: receiving gathered item 0 (bytes) from stage 2 (nothing "
      "queued) [activity: stage 3: RF0<2]";
  for (uint32_t s = 0; s < 4; ++s)
    EXPECT_EQ(results[s].message(), expected) << "stage " << s;
}

TEST(ThreadTransportTest, DeadlockAmongTheStagesLeftAfterOthersFinish) {
  ThreadTransport transport(3);
  std::vector<Status> results = runStages(transport, [](Endpoint &e) {
    std::vector<Tensor> into = {Tensor::zeros(kF32x4x8)};
    if (e.stage() == 1)
      return Status::ok(); // finishes at once
    return e.recv(2 - e.stage(), MessageTag::activations(0, 0), into);
  });
  const std::string expected =
      "deadlock: every stage that has not finished is waiting, and nothing "
      "queued can satisfy any of them:\n"
      "  stage 0: receiving activations of microbatch 0 at boundary 0 from "
      "stage 2 (nothing queued)\n"
      "  stage 1: finished\n"
      "  stage 2: receiving activations of microbatch 0 at boundary 0 from "
      "stage 0 (nothing queued)";
  EXPECT_FALSE(results[1]);
  EXPECT_EQ(results[0].message(), expected);
  EXPECT_EQ(results[2].message(), expected);
}

TEST(ThreadTransportTest, ReceivingFromAFinishedStage) {
  ThreadTransport transport(2);
  Endpoint &a = transport.endpoint(0), &b = transport.endpoint(1);
  Tensor x = filled(kF32x4x8, 3);
  ASSERT_FALSE(a.send(1, MessageTag::activations(0, 0), {x}));
  a.finish();
  a.finish(); // idempotent

  // What was queued before the stage finished still arrives.
  std::vector<Tensor> into = {Tensor::zeros(kF32x4x8)};
  ASSERT_FALSE(b.recv(0, MessageTag::activations(0, 0), into));
  EXPECT_TRUE(sameBytes(into[0], x));
  // Then nothing more can come: fail at once rather than wait.
  EXPECT_EQ(b.recv(0, MessageTag::activations(1, 0), into).message(),
            "stage 1 cannot receive activations of microbatch 1 at boundary "
            "0 from stage 0: stage 0 has finished and sent nothing more");
  // Nobody receives from a finished stage, and it calls nothing more.
  EXPECT_EQ(b.send(0, MessageTag::gradients(0, 0), into).message(),
            "stage 1 cannot send gradients of microbatch 0 at boundary 0 to "
            "stage 0: stage 0 has finished");
  EXPECT_EQ(a.barrier().message(), "stage 0 called barrier after it finished");
  std::string bytes;
  EXPECT_EQ(a.recvBytes(1, MessageTag::gather(0), bytes).message(),
            "stage 0 called recvBytes after it finished");
}

TEST(ThreadTransportTest, AStageThatFinishesWakesItsBlockedReceiver) {
  ThreadTransport transport(2);
  Clock::time_point finished, returned;
  Status result;
  std::thread receiver([&] {
    std::vector<Tensor> into = {Tensor::zeros(kF32x4x8)};
    result = transport.endpoint(1).recv(0, MessageTag::activations(2, 0), into);
    returned = Clock::now();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  finished = Clock::now();
  transport.endpoint(0).finish();
  receiver.join();
  EXPECT_EQ(result.message(),
            "stage 1 cannot receive activations of microbatch 2 at boundary "
            "0 from stage 0: stage 0 has finished and sent nothing more");
  EXPECT_LT(returned - finished, std::chrono::milliseconds(200));
}

TEST(ThreadTransportTest, AllReduceSumInStageOrderAndBarrier) {
  ThreadTransport transport(4);
  std::atomic<int> arrivals{0};
  const int rounds = 20;
  std::vector<Status> results = runStages(transport, [&](Endpoint &e) {
    // 1e16 + 1 rounds back to 1e16: only the sum in stage order, ((1e16 +
    // 1) - 1e16) + 1, gives exactly 1.
    const double parts[] = {1e16, 1.0, -1e16, 1.0};
    for (int round = 0; round < rounds; ++round) {
      double value = parts[e.stage()];
      if (Status s = e.allReduceSum(value))
        return s;
      EXPECT_EQ(value, 1.0) << "round " << round;
      value = e.stage() * round;
      if (Status s = e.allReduceSum(value))
        return s;
      EXPECT_EQ(value, 6.0 * round) << "round " << round;
      ++arrivals;
      if (Status s = e.barrier())
        return s;
      // Everyone arrived at this round's barrier before anyone left it.
      EXPECT_GE(arrivals.load(), 4 * (round + 1)) << "round " << round;
    }
    return Status::ok();
  });
  for (uint32_t s = 0; s < 4; ++s)
    EXPECT_FALSE(results[s]) << "stage " << s << ": " << results[s].message();
}

TEST(ThreadTransportTest, OneStageCollectivesReturnAtOnce) {
  ThreadTransport transport(1);
  double value = 2.5;
  EXPECT_FALSE(transport.endpoint(0).allReduceSum(value));
  EXPECT_EQ(value, 2.5);
  EXPECT_FALSE(transport.endpoint(0).barrier());
}

TEST(ThreadTransportTest, CollectiveThatAFinishedStageCannotJoin) {
  ThreadTransport transport(3);
  std::vector<Status> results = runStages(transport, [](Endpoint &e) {
    if (e.stage() == 2)
      return Status::ok();
    return e.barrier();
  });
  EXPECT_EQ(results[0].message(), "stage 0 cannot complete barrier: stage 2 "
                                  "has finished without joining it");
  EXPECT_EQ(results[1].message(), "stage 1 cannot complete barrier: stage 2 "
                                  "has finished without joining it");
}

TEST(ThreadTransportTest, DifferentCollectivesAtOnceAreAnError) {
  ThreadTransport transport(2);
  std::vector<Status> results = runStages(transport, [](Endpoint &e) {
    double value = 1;
    Status s = e.stage() == 0 ? e.barrier() : e.allReduceSum(value);
    // The stage that arrived second gets the error and fails the run, as
    // the executor would.
    if (s && s.message().find("called") != std::string::npos)
      e.abort(s.message());
    return s;
  });
  // Whichever arrived second named the other's collective.
  const std::string secondIs1 =
      "stage 1 called allReduceSum while stages 0 wait in barrier";
  const std::string secondIs0 =
      "stage 0 called barrier while stages 1 wait in allReduceSum";
  if (results[1].message() == secondIs1) {
    EXPECT_EQ(results[0].message(), "stopped: stage 1 failed: " + secondIs1);
  } else {
    EXPECT_EQ(results[0].message(), secondIs0);
    EXPECT_EQ(results[1].message(), "stopped: stage 0 failed: " + secondIs0);
  }
}

TEST(ThreadTransportTest, CheckAllDeliveredListsWhatNobodyReceived) {
  ThreadTransport transport(3);
  Endpoint &a = transport.endpoint(0), &c = transport.endpoint(2);
  ASSERT_FALSE(a.send(1, MessageTag::activations(0, 0),
                      {Tensor::zeros(kF32x4x8), Tensor::zeros(kI64x3)}));
  ASSERT_FALSE(c.sendBytes(0, MessageTag::gather(2), "abc"));
  EXPECT_EQ(transport.checkAllDelivered().message(),
            "2 messages were sent but never received:\n"
            "  stage 0 to stage 1: activations of microbatch 0 at boundary 0 "
            "holding 2 tensors (4x8xf32, 3xi64)\n"
            "  stage 2 to stage 0: gathered item 2 holding 3 bytes");
  std::string bytes;
  ASSERT_FALSE(a.recvBytes(2, MessageTag::gather(2), bytes));
  EXPECT_EQ(transport.checkAllDelivered().message(),
            "1 message was sent but never received:\n"
            "  stage 0 to stage 1: activations of microbatch 0 at boundary 0 "
            "holding 2 tensors (4x8xf32, 3xi64)");
}

namespace {

/// Sleeps a random 0-200 us before about one call in four.
struct Jitter {
  explicit Jitter(uint32_t seed) : rng(seed) {}
  void operator()() {
    if (rng() % 4 == 0)
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
  }
  std::mt19937 rng;
};

uint32_t seedOf(MessageTag tag, uint32_t from) {
  return from * 1000003u + uint32_t(tag.kind) * 10007u + tag.microbatch * 101u +
         tag.index;
}

const std::vector<TensorType> kStressTypes = {{DType::F32, {16}},
                                              {DType::I64, {2}}};

Status sendSeeded(Endpoint &e, uint32_t peer, MessageTag tag) {
  std::vector<Tensor> tensors;
  for (size_t k = 0; k < kStressTypes.size(); ++k)
    tensors.push_back(filled(kStressTypes[k], seedOf(tag, e.stage()) + k));
  return e.send(peer, tag, tensors);
}

Status recvSeeded(Endpoint &e, uint32_t peer, MessageTag tag) {
  std::vector<Tensor> into;
  for (const TensorType &t : kStressTypes)
    into.push_back(Tensor::zeros(t));
  if (Status s = e.recv(peer, tag, into))
    return s;
  for (size_t k = 0; k < into.size(); ++k)
    if (!sameBytes(into[k], filled(kStressTypes[k], seedOf(tag, peer) + k)))
      return Status::error("stage " + std::to_string(e.stage()) +
                           ": wrong contents in " + tag.str());
  return Status::ok();
}

} // namespace

TEST(ThreadTransportTest, PipelineStressWithRandomDelays) {
  const uint32_t p = 8, microbatches = 64;
  ThreadTransport transport(p);
  std::vector<Status> results = runStages(transport, [&](Endpoint &e) {
    uint32_t s = e.stage();
    Jitter jitter(s + 1);
    // All forwards, then all backwards (GPipe).
    for (uint32_t m = 0; m < microbatches; ++m) {
      jitter();
      if (s > 0)
        if (Status st = recvSeeded(e, s - 1, MessageTag::activations(m, s - 1)))
          return st;
      jitter();
      if (s + 1 < p)
        if (Status st = sendSeeded(e, s + 1, MessageTag::activations(m, s)))
          return st;
    }
    for (uint32_t k = microbatches; k-- > 0;) {
      jitter();
      if (s + 1 < p)
        if (Status st = recvSeeded(e, s + 1, MessageTag::gradients(k, s)))
          return st;
      jitter();
      if (s > 0)
        if (Status st = sendSeeded(e, s - 1, MessageTag::gradients(k, s - 1)))
          return st;
    }
    // Tied gradients between the first and last stage.
    if (s == 0 || s == p - 1) {
      uint32_t other = p - 1 - s;
      if (Status st = sendSeeded(e, other, MessageTag::tiedGradients(0)))
        return st;
      if (Status st = recvSeeded(e, other, MessageTag::tiedGradients(0)))
        return st;
    }
    double loss = s == p - 1 ? 0.5 : 0.0;
    if (Status st = e.allReduceSum(loss))
      return st;
    if (loss != 0.5)
      return Status::error("wrong loss");
    if (s == 0) {
      for (uint32_t from = 1; from < p; ++from) {
        std::string bytes;
        if (Status st = e.recvBytes(from, MessageTag::gather(from), bytes))
          return st;
        if (bytes != "trace of stage " + std::to_string(from))
          return Status::error("wrong bytes from stage " +
                               std::to_string(from));
      }
    } else {
      jitter();
      if (Status st = e.sendBytes(0, MessageTag::gather(s),
                                  "trace of stage " + std::to_string(s)))
        return st;
    }
    return e.barrier();
  });
  for (uint32_t s = 0; s < p; ++s)
    EXPECT_FALSE(results[s]) << "stage " << s << ": " << results[s].message();
  EXPECT_FALSE(transport.checkAllDelivered());
}

TEST(ThreadTransportTest, AllToAllStressKeepsEachPairInOrder) {
  const uint32_t p = 6, perPair = 150;
  ThreadTransport transport(p);
  std::vector<Status> results = runStages(transport, [&](Endpoint &e) {
    uint32_t s = e.stage();
    Jitter jitter(100 + s);
    // Sends never block: send everything, interleaving the peers...
    for (uint32_t k = 0; k < perPair; ++k)
      for (uint32_t peer = 0; peer < p; ++peer)
        if (peer != s) {
          jitter();
          if (Status st = sendSeeded(e, peer, MessageTag::activations(k, s)))
            return st;
        }
    // ...then receive each peer's messages in order, choosing the peer at
    // random.
    std::vector<uint32_t> next(p, 0);
    next[s] = perPair;
    std::mt19937 rng(s);
    for (uint32_t left = (p - 1) * perPair; left > 0; --left) {
      uint32_t peer;
      do
        peer = rng() % p;
      while (next[peer] == perPair);
      jitter();
      if (Status st =
              recvSeeded(e, peer, MessageTag::activations(next[peer]++, peer)))
        return st;
    }
    return Status::ok();
  });
  for (uint32_t s = 0; s < p; ++s)
    EXPECT_FALSE(results[s]) << "stage " << s << ": " << results[s].message();
  EXPECT_FALSE(transport.checkAllDelivered());
}
