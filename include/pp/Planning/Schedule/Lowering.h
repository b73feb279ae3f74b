//===- Lowering.h - Inserting matched communication -------------*- C++ -*-===//

#ifndef PP_PLANNING_SCHEDULE_LOWERING_H
#define PP_PLANNING_SCHEDULE_LOWERING_H

#include "pp/Planning/Schedule/CostModel.h"
#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/Support/Error.h"

namespace pp::sched {

/// Turns compute-only lists into lists with a SEND after every compute whose
/// output another stage consumes and the matching RECV on that stage.
///
/// The compute lists are first executed (dataflow, with `Costs` or uniform
/// unit costs), which fixes one global order of all computes; every
/// SEND/RECV pair is then placed at the moment its producer finishes, on
/// both stages. Each stage's list is the projection of that one global
/// order, so the result runs to completion even when sends and receives both
/// block (rendezvous). Fails, naming the stuck actions, if the compute lists
/// themselves deadlock or lack a producer.
llvm::Expected<Schedule> lowerCommunication(const Schedule &ComputeOnly,
                                            const CostModel *Costs = nullptr);

/// Drops SEND/RECV actions, giving back compute-only lists.
Schedule stripCommunication(const Schedule &S);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_LOWERING_H
