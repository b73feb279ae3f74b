//===- PartitionPasses.td - pp's partition passes --------------*- tablegen -*-===//

#ifndef PP_TRANSFORMS_PARTITIONPASSES_TD
#define PP_TRANSFORMS_PARTITIONPASSES_TD

include "mlir/Pass/PassBase.td"

#endif // PP_TRANSFORMS_PARTITIONPASSES_TD
