//===- pp-sched.cpp - Generate, verify, simulate and draw schedules -------===//
//
// pp-sched --stages 4 --microbatches 8 --schedule 1f1b [--json]
//          [--trace=FILE.json] [--timeline=FILE.svg]
// pp-sched --input FILE [--f T --b T --w T --comm T]
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Schedule/Generators.h"
#include "pp/Planning/Schedule/InputCheck.h"
#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Planning/Schedule/Search.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Planning/Schedule/SvgWriter.h"
#include "pp/Planning/Schedule/TextForm.h"
#include "pp/Planning/Schedule/TraceWriter.h"
#include "pp/Planning/Schedule/Verifier.h"
#include "pp/Support/OutputFiles.h"

#include "llvm/Support/CommandLine.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include <cmath>

#include <chrono>
#include <optional>

using namespace llvm;
using namespace pp::sched;

static cl::OptionCategory Cat("pp-sched options");

static cl::opt<int> Stages("stages", cl::desc("Pipeline stages (p)"),
                           cl::init(4), cl::cat(Cat));
static cl::alias StagesA("p", cl::aliasopt(Stages),
                         cl::desc("Alias for --stages"));
static cl::opt<int> Microbatches("microbatches", cl::desc("Microbatches (m)"),
                                 cl::init(8), cl::cat(Cat));
static cl::alias MicrobatchesA("m", cl::aliasopt(Microbatches),
                               cl::desc("Alias for --microbatches"));
static cl::opt<std::string>
    Kind("schedule",
         cl::desc("gpipe | 1f1b | interleaved-1f1b | zb-h1 | zb-h2 | zb-v | "
                  "dualpipev | "
                  "auto"),
         cl::init("1f1b"), cl::cat(Cat));
static cl::opt<int> VirtualStages(
    "virtual-stages",
    cl::desc("Chunks per stage (v); default 2 for interleaved-1f1b, zb-v "
             "and dualpipev"),
    cl::init(0), cl::cat(Cat));
static cl::opt<double> FTime("f", cl::desc("Forward time per stage"),
                             cl::init(1), cl::cat(Cat));
static cl::opt<double> BTime("b", cl::desc("Backward-input time per stage"),
                             cl::init(1), cl::cat(Cat));
static cl::opt<double> WTime("w", cl::desc("Backward-weight time per stage"),
                             cl::init(1), cl::cat(Cat));
static cl::opt<double> CommTime("comm", cl::desc("Time of every transfer"),
                                cl::init(0), cl::cat(Cat));
static cl::list<double>
    StageF("stage-f", cl::CommaSeparated,
           cl::desc("Per-stage forward times (overrides --f)"), cl::cat(Cat));
static cl::list<double>
    StageB("stage-b", cl::CommaSeparated,
           cl::desc("Per-stage backward-input times (overrides --b)"),
           cl::cat(Cat));
static cl::list<double>
    StageW("stage-w", cl::CommaSeparated,
           cl::desc("Per-stage backward-weight times (overrides --w)"),
           cl::cat(Cat));
static cl::opt<double>
    MemoryLimit("max-in-flight",
                cl::desc("auto and search: most microbatches' activations a "
                         "stage may hold (peak-act)"),
                cl::init(0), cl::cat(Cat));
static cl::opt<bool>
    Exact("exact",
          cl::desc("Also find the fastest one-chunk schedule by integer "
                   "programming (GLPK; p * m <= 64) and print the gap"),
          cl::cat(Cat));
static cl::opt<bool> Tied("tied",
                          cl::desc("Add a tied-gradient reduction "
                                   "between first and last stage"),
                          cl::cat(Cat));
static cl::opt<bool> NoOptimizer("no-optimizer-step",
                                 cl::desc("Do not append OPT"), cl::cat(Cat));
static cl::opt<std::string>
    Input("input", cl::desc("Read a schedule in text form instead"),
          cl::value_desc("file"), cl::cat(Cat));
static cl::opt<bool> Json("json", cl::desc("Print the summary as JSON only"),
                          cl::cat(Cat));
static cl::opt<bool> ComputeOnly("compute-only",
                                 cl::desc("Print the lists without SEND/RECV"),
                                 cl::cat(Cat));
static cl::opt<bool> Quiet("quiet", cl::desc("Do not print the text form"),
                           cl::cat(Cat));
static cl::opt<std::string> TraceFile("trace",
                                      cl::desc("Write a Perfetto/Chrome trace"),
                                      cl::value_desc("file.json"),
                                      cl::cat(Cat));
static cl::opt<std::string> SvgFile("timeline",
                                    cl::desc("Write an SVG timeline picture"),
                                    cl::value_desc("file.svg"), cl::cat(Cat));
static cl::opt<bool> TimePhases(
    "time-phases",
    cl::desc("Print the time of generation, verification and simulation"),
    cl::cat(Cat));

static int fail(const Twine &Msg) {
  WithColor::error(errs(), "pp-sched") << Msg << '\n';
  return 1;
}

/// Stages `Path` in the run's OutputTransaction; false after an error.
static bool writeFile(StringRef Path, function_ref<void(raw_ostream &)> Write) {
  Error E = pp::writeOutputFile(Path, [&](raw_ostream &OS) {
    Write(OS);
    return Error::success();
  });
  if (E) {
    fail(toString(std::move(E)));
    return false;
  }
  return true;
}

namespace {
struct Clock {
  using C = std::chrono::steady_clock;
  C::time_point Start = C::now();
  double lap() {
    auto Now = C::now();
    double Ms = std::chrono::duration<double, std::milli>(Now - Start).count();
    Start = Now;
    return Ms;
  }
};
} // namespace

int main(int Argc, char **Argv) {
  InitLLVM X(Argc, Argv);
  cl::HideUnrelatedOptions(Cat);
  cl::ParseCommandLineOptions(
      Argc, Argv,
      "pp-sched: generate, verify, simulate and draw pipeline schedules\n");

  // Option checks that name the option.
  if (Input.empty()) {
    if (Stages < 1)
      return fail(formatv("--stages must be at least 1 (got {0})", Stages));
    if (Microbatches < 1)
      return fail(
          formatv("--microbatches must be at least 1 (got {0})", Microbatches));
  }
  if (VirtualStages < 0)
    return fail(formatv("--virtual-stages must be at least 1 (got {0})",
                        VirtualStages));
  for (auto [Name, Value] : {std::pair<const char *, double>{"--f", FTime},
                             {"--b", BTime},
                             {"--w", WTime},
                             {"--comm", CommTime},
                             {"--max-in-flight", MemoryLimit}})
    if (!(Value >= 0) || !std::isfinite(Value))
      return fail(formatv("{0} must be a finite time >= 0 (got {1})", Name,
                          formatNumber(Value)));
  std::optional<ScheduleKind> K = parseKind(Kind);
  if (!K)
    return fail("--schedule: unknown schedule '" + Kind +
                "' (expected one of " + kindNames() + ")");

  Clock Timer;
  double GenMs = 0, VerifyMs = 0, SimMs = 0;
  Schedule S;
  std::string AutoReason;
  std::vector<AutoCandidate> AutoCandidates;

  auto MakeCosts = [&](int P) -> Expected<CostModel> {
    CostModel C = CostModel::uniform(P, FTime, BTime, WTime, CommTime);
    auto Apply = [&](const cl::list<double> &L, const char *Name,
                     double StageCost::*Field) -> Error {
      if (L.empty())
        return Error::success();
      if (static_cast<int>(L.size()) != P)
        return createStringError(
            inconvertibleErrorCode(),
            formatv("{0} has {1} values for {2} stages", Name, L.size(), P));
      for (int I = 0; I < P; ++I) {
        if (!(L[I] >= 0) || !std::isfinite(L[I]))
          return createStringError(
              inconvertibleErrorCode(),
              formatv("{0}: times must be finite and >= 0", Name));
        C.Stages[I].*Field = L[I];
      }
      return Error::success();
    };
    if (Error E = Apply(StageF, "--stage-f", &StageCost::F))
      return std::move(E);
    if (Error E = Apply(StageB, "--stage-b", &StageCost::B))
      return std::move(E);
    if (Error E = Apply(StageW, "--stage-w", &StageCost::W))
      return std::move(E);
    return C;
  };

  std::optional<CostModel> Costs;
  if (!Input.empty()) {
    auto Buf = MemoryBuffer::getFileOrSTDIN(Input);
    if (!Buf)
      return fail("--input: cannot read '" + Input +
                  "': " + Buf.getError().message());
    Expected<Schedule> Parsed = parseSchedule((*Buf)->getBuffer());
    if (!Parsed)
      return fail(Input + ": " + toString(Parsed.takeError()));
    S = std::move(*Parsed);
    Expected<CostModel> C = MakeCosts(S.NumStages);
    if (!C)
      return fail(toString(C.takeError()));
    Costs = std::move(*C);
    GenMs = Timer.lap();
    Expected<Schedule> Checked =
        checkInputSchedule(std::move(S), *Costs, Input);
    if (!Checked)
      return fail(toString(Checked.takeError()));
    S = std::move(*Checked);
    VerifyMs = Timer.lap();
  } else {
    Expected<CostModel> C = MakeCosts(Stages);
    if (!C)
      return fail(toString(C.takeError()));
    Costs = std::move(*C);
    ScheduleOptions Opts;
    Opts.Kind = *K;
    Opts.NumStages = Stages;
    Opts.NumMicrobatches = Microbatches;
    Opts.VirtualStages = VirtualStages;
    Opts.TiedEmbedding = Tied;
    Opts.OptimizerStep = !NoOptimizer;
    Opts.MemoryLimit = MemoryLimit;
    Opts.Costs = &*Costs;
    if (*K == ScheduleKind::Auto) {
      Expected<AutoResult> R = chooseSchedule(Opts, *Costs);
      if (!R)
        return fail(toString(R.takeError()));
      S = std::move(R->Chosen);
      AutoReason = R->Reason;
      AutoCandidates = R->Candidates;
    } else {
      Expected<Schedule> G = generate(Opts);
      if (!G)
        return fail("--schedule " + Kind + ": " + toString(G.takeError()));
      S = std::move(*G);
    }
    GenMs = Timer.lap();
    if (Error E = verify(S))
      return fail("generated schedule rejected (a bug in pp): " +
                  toString(std::move(E)));
    VerifyMs = Timer.lap();
  }

  Expected<SimResult> R = simulate(S, *Costs);
  if (!R)
    return fail(toString(R.takeError()));
  SimMs = Timer.lap();
  if (Exact) {
    ScheduleOptions Opts;
    Opts.NumStages = S.NumStages;
    Opts.NumMicrobatches = S.NumMicrobatches;
    Opts.OptimizerStep = !NoOptimizer;
    Opts.MemoryLimit = MemoryLimit;
    Expected<ExactResult> X = solveExactSchedule(Opts, *Costs);
    if (!X)
      return fail("--exact: " + toString(X.takeError()));
    errs() << formatv("exact: step time {0} ({1}; {2} variables, {3} "
                      "constraints); {4}: {5}, {6:f2}% above\n",
                      formatNumber(X->StepTime),
                      X->Optimal ? "optimal" : "best found in the time limit",
                      X->Variables, X->Constraints, S.Name,
                      formatNumber(R->StepTime),
                      100 * (R->StepTime / X->StepTime - 1));
  }
  if (TimePhases)
    errs() << formatv("p={0} m={1} v={2} actions={3}: generate {4:f1} ms, "
                      "verify {5:f1} ms, simulate {6:f1} ms, total {7:f1} ms\n",
                      S.NumStages, S.NumMicrobatches, S.NumChunks,
                      S.numActions(), GenMs, VerifyMs, SimMs,
                      GenMs + VerifyMs + SimMs);

  if (Json) {
    json::Value Sim = toJSON(*R);
    json::Object &Obj = *Sim.getAsObject();
    Obj["schedule"] = S.Name;
    Obj["num_stages"] = S.NumStages;
    Obj["num_microbatches"] = S.NumMicrobatches;
    Obj["virtual_stages"] = S.NumChunks;
    Obj["placement"] = placementName(S.Place);
    Obj["num_actions"] = static_cast<int64_t>(S.numActions());
    Obj["verified"] = true;
    if (!AutoReason.empty()) {
      json::Array Cands;
      for (const AutoCandidate &C : AutoCandidates) {
        json::Object O{{"schedule", C.Label}};
        if (C.Rejected.empty()) {
          O["step_time"] = C.StepTime;
          O["bubble_fraction"] = C.Bubble;
          O["peak_activations"] = C.PeakActivations;
        } else {
          O["rejected"] = C.Rejected;
        }
        Cands.push_back(std::move(O));
      }
      Obj["auto"] = json::Object{{"reason", AutoReason},
                                 {"candidates", std::move(Cands)}};
    }
    outs() << formatv("{0:2}", Sim) << '\n';
  } else {
    if (!Quiet)
      printSchedule(outs(), ComputeOnly ? stripCommunication(S) : S);
    if (!AutoReason.empty())
      outs() << AutoReason << '\n';
    outs() << formatv("step time: {0}  bubble: {1:f2}%  (window bubble "
                      "{2:f2}%)  comm time: {3}\n",
                      formatNumber(R->StepTime), 100 * R->BubbleFraction,
                      100 * R->WindowBubbleFraction,
                      formatNumber(R->TotalCommTime));
    outs() << "stage   busy   idle  bubble  peak-act  peak-until-B\n";
    for (size_t I = 0; I < R->Stages.size(); ++I) {
      const StageResult &SR = R->Stages[I];
      outs() << formatv("{0,5} {1,6} {2,6} {3,6:f2}% {4,9} {5,13}\n", I,
                        formatNumber(SR.BusyTime), formatNumber(SR.IdleTime),
                        100 * SR.Bubble, formatNumber(SR.PeakActivations),
                        formatNumber(SR.PeakPendingBackward));
    }
  }
  // Both files, or neither.
  pp::OutputTransaction Outputs;
  if (!TraceFile.empty() &&
      !writeFile(TraceFile, [&](raw_ostream &OS) { writeTrace(OS, S, *R); }))
    return 1;
  if (!SvgFile.empty() &&
      !writeFile(SvgFile, [&](raw_ostream &OS) { writeSvg(OS, S, *R); }))
    return 1;
  if (Error E = Outputs.commit())
    return fail(toString(std::move(E)));
  return 0;
}
