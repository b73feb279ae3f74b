//===- LayerGroupingTest.cpp - Blocks from ONNX node names ----------------===//

#include "pp/Planning/Partition/LayerGrouping.h"
#include "pp/Planning/Partition/Partition.h"

#include "gtest/gtest.h"

using namespace pp::partition;

namespace {

TEST(LayerGrouping, BlockScopes) {
  EXPECT_EQ(blockScope("/transformer/h.3/attn/c_attn/MatMul"),
            "transformer/h/3");
  EXPECT_EQ(blockScope("/blocks.11/Add_1"), "blocks/11");
  EXPECT_EQ(blockScope("/model/layers.0/self_attn/q_proj/MatMul"),
            "model/layers/0");
  EXPECT_EQ(blockScope("/layer1/layer1.0/conv1/Conv"), "layer1/layer1/0");
  EXPECT_EQ(blockScope("/stages.1/blocks.2/mlp/fc1/Gemm", 2),
            "stages/1/blocks/2");
  EXPECT_EQ(blockScope("/transformer/wte/Gather"), "");
  EXPECT_EQ(blockScope("/lm_head/MatMul"), "");
  EXPECT_EQ(blockScope("Add.1"), "");       // a numbered op, not a scope
  EXPECT_EQ(blockScope("/conv1/Conv"), ""); // digits inside a name
  EXPECT_EQ(blockScope("/h.3/attn/MatMul", 2), "");
}

TEST(LayerGrouping, GptLikeNames) {
  std::vector<std::string> names = {
      "/transformer/wte/Gather", "/transformer/wpe/Gather", "/transformer/Add"};
  for (int b = 0; b < 3; ++b)
    for (const char *op : {"ln_1/LayerNormalization", "attn/MatMul", "Add",
                           "mlp/c_fc/MatMul", "Add_1"})
      names.push_back("/transformer/h." + std::to_string(b) + "/" + op);
  names.push_back("/transformer/ln_f/LayerNormalization");
  names.push_back("/lm_head/MatMul");
  LayerGrouping grouping = groupLayers(names);
  EXPECT_EQ(grouping.numBlocks, 3u);
  // 3 ops before, 3 blocks, 2 ops after: each op outside blocks on its own.
  EXPECT_EQ(grouping.unitNames.size(), 3u + 3u + 2u);
  for (unsigned q = 0; q < 3; ++q)
    EXPECT_FALSE(grouping.inBlock[q]);
  for (unsigned b = 0; b < 3; ++b)
    for (unsigned k = 0; k < 5; ++k) {
      unsigned q = 3 + 5 * b + k;
      EXPECT_TRUE(grouping.inBlock[q]);
      EXPECT_EQ(grouping.unitOfNode[q], grouping.unitOfNode[3 + 5 * b]);
      EXPECT_EQ(grouping.unitNames[grouping.unitOfNode[q]],
                "transformer/h/" + std::to_string(b));
    }
  EXPECT_NE(grouping.unitOfNode[19], grouping.unitOfNode[18]);
  EXPECT_NE(grouping.unitOfNode[18], grouping.unitOfNode[17]);
  EXPECT_FALSE(grouping.inBlock[18]);

  // Feeding the grouping to the partitioner: cuts fall only between blocks.
  PartitionProblem problem;
  for (unsigned q = 0; q < names.size(); ++q) {
    Node node;
    node.name = names[q];
    node.unit = grouping.unitOfNode[q];
    node.inBlock = grouping.inBlock[q];
    node.forward = 1;
    problem.nodes.push_back(node);
  }
  PartitionOptions options;
  options.numStages = 4;
  options.granularity = Granularity::Layer;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  for (const StageReport &stage : part->stages)
    if (stage.begin > 0 && grouping.inBlock[stage.begin]) {
      EXPECT_NE(grouping.unitOfNode[stage.begin],
                grouping.unitOfNode[stage.begin - 1]);
    }
  // 20 ops of time 1, blocks of 5: with three blocks on four stages one stage
  // holds only ops outside blocks, so the embedding's three ops or the norm
  // and head join a block: 3 | 5 | 5 | 5 + 2.
  EXPECT_DOUBLE_EQ(part->bottleneck, 7);
}

TEST(LayerGrouping, ResNetLikeNames) {
  std::vector<std::string> names = {"/conv1/Conv", "/bn1/BatchNormalization",
                                    "/relu/Relu", "/maxpool/MaxPool"};
  for (int layer = 1; layer <= 2; ++layer)
    for (int block = 0; block < 2; ++block)
      for (const char *op :
           {"conv1/Conv", "relu/Relu", "conv2/Conv", "Add", "relu_1/Relu"})
        names.push_back("/layer" + std::to_string(layer) + "/layer" +
                        std::to_string(layer) + "." + std::to_string(block) +
                        "/" + op);
  // The downsample branch of layer2.0 is exported after its main path.
  names.insert(names.begin() + 4 + 5 * 2 + 4,
               "/layer2/layer2.0/downsample/downsample.0/Conv");
  names.push_back("/avgpool/GlobalAveragePool");
  names.push_back("/fc/Gemm");
  LayerGrouping grouping = groupLayers(names);
  EXPECT_EQ(grouping.numBlocks, 4u);
  EXPECT_EQ(grouping.unitNames[grouping.unitOfNode[4]], "layer1/layer1/0");
  unsigned downsample = 4 + 10 + 4;
  EXPECT_EQ(grouping.unitNames[grouping.unitOfNode[downsample]],
            "layer2/layer2/0");
  EXPECT_EQ(grouping.unitOfNode[downsample], grouping.unitOfNode[14]);
  EXPECT_FALSE(grouping.inBlock.back());
  EXPECT_EQ(grouping.unitNames.size(), 4u + 4u + 2u);
}

TEST(LayerGrouping, InterleavedBlockIsNeverSplit) {
  // A node of block 0 appears after a node outside blocks: the partitioner
  // must keep everything from block 0's first to its last node together.
  std::vector<std::string> names = {"/blocks.0/A", "/Shape", "/blocks.0/B",
                                    "/blocks.1/A", "/blocks.1/B"};
  LayerGrouping grouping = groupLayers(names);
  PartitionProblem problem;
  for (unsigned q = 0; q < names.size(); ++q) {
    Node node;
    node.unit = grouping.unitOfNode[q];
    node.forward = q == 1 ? 10 : 1;
    problem.nodes.push_back(node);
  }
  PartitionOptions options;
  options.numStages = 2;
  options.granularity = Granularity::Layer;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  EXPECT_EQ(part->stages[1].begin, 3u);
  options.numStages = 3;
  part = partition(problem, options);
  ASSERT_FALSE(bool(part));
  llvm::consumeError(part.takeError());
}

} // namespace
