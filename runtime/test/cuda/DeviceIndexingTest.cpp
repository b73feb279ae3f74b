//===- DeviceIndexingTest.cpp - Multi-indices inside device kernels -------===//
//
// StridedIndexer takes a flat index apart with 32-bit divisions when every
// index fits 32 bits and with 64-bit ones otherwise; both give the offsets
// numpy broadcasting reads.
//
//===----------------------------------------------------------------------===//

#define PP_DEVICE_NS emulated
#include "DeviceIndexing.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::emulated;

namespace {

/// The offset numpy reads in an operand of shape `from` for flat index
/// `index` of the broadcast output `out`, computed directly.
int64_t broadcastOffset(const Shape &from, const Shape &out, int64_t index) {
  std::vector<int64_t> multi(out.size());
  for (size_t d = out.size(); d-- > 0;) {
    multi[d] = index % out[d];
    index /= out[d];
  }
  int64_t offset = 0, stride = 1;
  for (size_t d = from.size(); d-- > 0;) {
    size_t o = out.size() - from.size() + d;
    offset += (from[d] == 1 ? 0 : multi[o]) * stride;
    stride *= from[d];
  }
  return offset;
}

TEST(DeviceIndexing, NarrowAndWideAgreeWithBroadcasting) {
  Shape out{3, 1, 5, 7}, a{5, 1}, b{3, 1, 1, 7};
  StridedIndexer<2> narrow;
  ASSERT_TRUE(makeIndexer<2>(
      out, {broadcastStrides(a, out), broadcastStrides(b, out)}, narrow));
  EXPECT_TRUE(narrow.narrow);
  StridedIndexer<2> wide = narrow;
  wide.narrow = false;
  for (int64_t i = 0; i < numElements(out); ++i) {
    int64_t n[2], w[2];
    narrow.offsets(i, n);
    wide.offsets(i, w);
    EXPECT_EQ(n[0], broadcastOffset(a, out, i)) << i;
    EXPECT_EQ(n[1], broadcastOffset(b, out, i)) << i;
    EXPECT_EQ(w[0], n[0]) << i;
    EXPECT_EQ(w[1], n[1]) << i;
  }
}

TEST(DeviceIndexing, IndicesBeyond32BitsTakeTheWidePath) {
  Shape out{70000, 3, 70000}, a{70000, 1, 1};
  StridedIndexer<1> indexer;
  ASSERT_TRUE(makeIndexer<1>(out, {broadcastStrides(a, out)}, indexer));
  EXPECT_FALSE(indexer.narrow);
  for (int64_t i : {int64_t(0), int64_t(1) << 33, numElements(out) - 1}) {
    int64_t offset[1];
    indexer.offsets(i, offset);
    EXPECT_EQ(offset[0], broadcastOffset(a, out, i)) << i;
  }
}

} // namespace
