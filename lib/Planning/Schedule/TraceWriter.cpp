//===- TraceWriter.cpp - Chrome trace-event JSON --------------------------===//

#include "pp/Planning/Schedule/TraceWriter.h"

#include "llvm/Support/JSON.h"

using namespace llvm;

namespace pp::sched {

/// Chrome's reserved colour names, by kind (Perfetto colours by name).
static StringRef colourName(ActionKind K) {
  switch (K) {
  case ActionKind::Forward:
    return "thread_state_running"; // green
  case ActionKind::BackwardInput:
    return "thread_state_iowait"; // orange
  case ActionKind::BackwardWeight:
    return "rail_response"; // blue
  case ActionKind::FullBackward:
    return "thread_state_uninterruptible"; // red
  case ActionKind::OptimizerStep:
    return "grey";
  case ActionKind::TiedReduce:
    return "yellow";
  default:
    return "generic_work";
  }
}

void writeTrace(raw_ostream &OS, const Schedule &S, const SimResult &R,
                bool TimesInSeconds) {
  // Trace timestamps are in microseconds; an abstract time unit is shown as
  // one millisecond.
  const double UsPerUnit = TimesInSeconds ? 1e6 : 1e3;
  json::OStream J(OS);
  J.objectBegin();
  J.attribute("displayTimeUnit", "ms");
  J.attributeBegin("traceEvents");
  J.arrayBegin();
  auto Meta = [&](StringRef Name, int Tid, StringRef Value) {
    J.object([&] {
      J.attribute("name", Name);
      J.attribute("ph", "M");
      J.attribute("pid", 0);
      J.attribute("tid", Tid);
      J.attributeObject("args", [&] { J.attribute("name", Value); });
    });
  };
  J.object([&] {
    J.attribute("name", "process_name");
    J.attribute("ph", "M");
    J.attribute("pid", 0);
    J.attributeObject("args",
                      [&] { J.attribute("name", "pp schedule " + S.Name); });
  });
  int P = S.NumStages;
  for (int St = 0; St < P; ++St) {
    Meta("thread_name", St, "stage " + std::to_string(St));
    Meta("thread_name", P + St, "stage " + std::to_string(St) + " sends");
    // Each stage's transfer track right below its compute track.
    for (int Track : {St, P + St})
      J.object([&] {
        J.attribute("name", "thread_sort_index");
        J.attribute("ph", "M");
        J.attribute("pid", 0);
        J.attribute("tid", Track);
        J.attributeObject("args", [&] {
          J.attribute("sort_index", Track == St ? 2 * St : 2 * St + 1);
        });
      });
  }
  for (int St = 0; St < P; ++St) {
    for (size_t I = 0; I < S.Stages[St].size(); ++I) {
      const Action &A = S.Stages[St][I];
      if (isComm(A.Kind))
        continue;
      const ActionTiming &T = R.Timings[St][I];
      J.object([&] {
        J.attribute("name", actionToString(A, S.NumChunks));
        J.attribute("cat", describe(A.Kind));
        J.attribute("ph", "X");
        J.attribute("pid", 0);
        J.attribute("tid", St);
        J.attribute("ts", T.Start * UsPerUnit);
        J.attribute("dur", (T.End - T.Start) * UsPerUnit);
        J.attribute("cname", colourName(A.Kind));
        J.attributeObject("args", [&] {
          J.attribute("microbatch", A.Microbatch);
          J.attribute("chunk", A.Chunk);
          J.attribute("virtual_stage", S.virtualStage(St, A.Chunk));
          J.attribute("index", static_cast<int64_t>(I));
        });
      });
    }
    for (const MemoryPoint &Pt : R.Stages[St].Memory) {
      J.object([&] {
        J.attribute("name", "activations stage " + std::to_string(St));
        J.attribute("ph", "C");
        J.attribute("pid", 0);
        J.attribute("ts", Pt.Time * UsPerUnit);
        J.attributeObject("args", [&] {
          J.attribute("microbatches", Pt.Activations);
          J.attribute("bytes", Pt.Bytes);
        });
      });
    }
  }
  for (const Transfer &T : R.Transfers) {
    J.object([&] {
      J.attribute("name", actionToString(T.Send, S.NumChunks));
      J.attribute("cat", describe(T.Send.Kind));
      J.attribute("ph", "X");
      J.attribute("pid", 0);
      J.attribute("tid", P + T.From);
      J.attribute("ts", T.Start * UsPerUnit);
      J.attribute("dur", (T.End - T.Start) * UsPerUnit);
      J.attribute("cname", "cq_build_passed");
      J.attributeObject("args", [&] {
        J.attribute("to", T.To);
        J.attribute("bytes", T.Bytes);
      });
    });
  }
  J.arrayEnd();
  J.attributeEnd();
  J.objectEnd();
  OS << '\n';
}

} // namespace pp::sched
