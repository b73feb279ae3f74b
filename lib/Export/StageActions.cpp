//===- StageActions.cpp - A stage's schedule as program actions -----------===//

#include "StageActions.h"

namespace pp::exporter {

static program::Action::Kind encodeKind(sched::ActionKind kind) {
  switch (kind) {
  case sched::ActionKind::Forward:
    return program::Action::FORWARD;
  case sched::ActionKind::BackwardInput:
    return program::Action::BACKWARD_INPUT;
  case sched::ActionKind::BackwardWeight:
    return program::Action::BACKWARD_WEIGHT;
  case sched::ActionKind::FullBackward:
    return program::Action::BACKWARD;
  case sched::ActionKind::SendF:
    return program::Action::SEND_FORWARD;
  case sched::ActionKind::RecvF:
    return program::Action::RECV_FORWARD;
  case sched::ActionKind::SendB:
    return program::Action::SEND_BACKWARD;
  case sched::ActionKind::RecvB:
    return program::Action::RECV_BACKWARD;
  case sched::ActionKind::TiedReduce:
    return program::Action::REDUCE_TIED;
  case sched::ActionKind::OptimizerStep:
    return program::Action::OPTIMIZER_STEP;
  }
  return program::Action::KIND_UNSPECIFIED;
}

void encodeActions(const sched::Schedule &schedule, unsigned stage,
                   program::Program &program) {
  for (const sched::Action &action : schedule.Stages[stage]) {
    program::Action &out = *program.add_actions();
    out.set_kind(encodeKind(action.Kind));
    out.set_microbatch(action.Microbatch);
    out.set_chunk(action.Chunk);
    out.set_peer(action.Peer);
  }
}

} // namespace pp::exporter
