//===- BroadcastTest.cpp - Tests of the row plans of Broadcast.h ----------===//
//
// The plans merge axes as far as every operand allows (the elementwise
// kernels' speed depends on long rows), and their walk visits the same
// elements as naive broadcasting, for ranks beyond the walk's inline
// counters too.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "KernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::cpu;
using namespace pp::rt::cputest;

namespace {

TEST(Broadcast, SameShapesAndScalarsGiveOneRow) {
  RowPlan<2> same =
      planBroadcast<2>({2, 3, 4}, {Shape{2, 3, 4}, Shape{2, 3, 4}});
  EXPECT_EQ(same.rows, 1);
  EXPECT_EQ(same.inner, 24);
  EXPECT_TRUE(same.contiguous[0] && same.contiguous[1]);

  RowPlan<2> scalar = planBroadcast<2>({4, 5}, {Shape{}, Shape{4, 5}});
  EXPECT_EQ(scalar.rows, 1);
  EXPECT_EQ(scalar.inner, 20);
  EXPECT_EQ(scalar.innerStride[0], 0);
  EXPECT_TRUE(scalar.contiguous[1]);
}

TEST(Broadcast, RowsAndColumnsBroadcastAlongRows) {
  // A bias row: one row per leading index, the bias repeated.
  RowPlan<2> bias =
      planBroadcast<2>({8, 16, 64}, {Shape{8, 16, 64}, Shape{64}});
  EXPECT_EQ(bias.rows, 128);
  EXPECT_EQ(bias.inner, 64);
  EXPECT_EQ(bias.outer, std::vector<int64_t>{128});
  EXPECT_EQ(bias.strides[0], std::vector<int64_t>{64});
  EXPECT_EQ(bias.strides[1], std::vector<int64_t>{0});
  EXPECT_TRUE(bias.contiguous[0] && bias.contiguous[1]);

  // A per-row scale: the scale is one element along each row.
  RowPlan<2> column = planBroadcast<2>({6, 10}, {Shape{6, 10}, Shape{6, 1}});
  EXPECT_EQ(column.rows, 6);
  EXPECT_EQ(column.inner, 10);
  EXPECT_EQ(column.innerStride[1], 0);
  EXPECT_EQ(column.strides[1], std::vector<int64_t>{1});
}

TEST(Broadcast, EmptyAndSingleElementOutputs) {
  EXPECT_EQ((planBroadcast<1>({3, 0}, {Shape{3, 1}})).rows, 0);
  RowPlan<1> one = planBroadcast<1>({1, 1}, {Shape{1}});
  EXPECT_EQ(one.rows, 1);
  EXPECT_EQ(one.inner, 1);
}

TEST(Broadcast, WalkVisitsTheBroadcastElements) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 1, 4}, {3, 1}},
      {{1, 3, 1, 2}, {2, 1, 5, 1}},
      {{5}, {5}},
      {{2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2}, {2, 1, 2, 1, 2, 1, 2, 1, 2, 1}},
      {{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, {2, 1, 2, 1, 2, 1, 2, 1, 2, 1}}};
  for (const auto &[a, b] : cases) {
    Shape out;
    ASSERT_TRUE(broadcastShapes(a, b, out));
    RowPlan<2> plan = planBroadcast<2>(out, {a, b});
    std::vector<std::array<int64_t, 2>> visited;
    forEachRow(plan, [&](int64_t r, const std::array<int64_t, 2> &offsets) {
      EXPECT_EQ(r, int64_t(visited.size()) / plan.inner);
      for (int64_t i = 0; i < plan.inner; ++i)
        visited.push_back({offsets[0] + i * plan.innerStride[0],
                           offsets[1] + i * plan.innerStride[1]});
    });
    std::vector<std::array<int64_t, 2>> expected;
    forEachIndex(out, [&](const std::vector<int64_t> &index) {
      expected.push_back(
          {broadcastOffset(a, index), broadcastOffset(b, index)});
    });
    EXPECT_EQ(visited, expected)
        << formatShape(a) << " with " << formatShape(b);
  }
}

TEST(Broadcast, StridedPlansMergeContinuingStrides) {
  // Every other element of a [4, 12] buffer is one strided row of 24.
  RowPlan<1> merged = planRows<1>({4, 6}, {std::vector<int64_t>{12, 2}});
  EXPECT_EQ(merged.rows, 1);
  EXPECT_EQ(merged.inner, 24);
  EXPECT_EQ(merged.innerStride[0], 2);
  // A [4, 5] view with step 2 of the same buffer: the axes do not merge.
  RowPlan<1> view = planRows<1>({4, 5}, {std::vector<int64_t>{12, 2}});
  EXPECT_EQ(view.rows, 4);
  EXPECT_EQ(view.inner, 5);
  EXPECT_EQ(view.innerStride[0], 2);
  EXPECT_EQ(view.strides[0], std::vector<int64_t>{12});
  // Every other row of full rows: whole rows stay contiguous.
  RowPlan<1> rows = planRows<1>({3, 12}, {std::vector<int64_t>{24, 1}});
  EXPECT_EQ(rows.inner, 12);
  EXPECT_TRUE(rows.contiguous[0]);
  EXPECT_EQ(rows.strides[0], std::vector<int64_t>{24});
}

} // namespace
