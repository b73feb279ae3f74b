//===- SchedulePasses.td - pp's schedule passes --------------*- tablegen -*-===//

#ifndef PP_TRANSFORMS_SCHEDULEPASSES_TD
#define PP_TRANSFORMS_SCHEDULEPASSES_TD

include "mlir/Pass/PassBase.td"

#endif // PP_TRANSFORMS_SCHEDULEPASSES_TD
