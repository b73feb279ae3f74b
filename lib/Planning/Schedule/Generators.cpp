//===- Generators.cpp - gpipe, 1f1b, interleaved-1f1b and dispatch --------===//

#include "pp/Planning/Schedule/Generators.h"
#include "GreedyGenerator.h"
#include "pp/Planning/Schedule/Action.h"
#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Planning/Schedule/Search.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace llvm;

namespace pp::sched {

StringRef kindName(ScheduleKind K) {
  switch (K) {
  case ScheduleKind::GPipe:
    return "gpipe";
  case ScheduleKind::OneFOneB:
    return "1f1b";
  case ScheduleKind::Interleaved1F1B:
    return "interleaved-1f1b";
  case ScheduleKind::ZBH1:
    return "zb-h1";
  case ScheduleKind::ZBH2:
    return "zb-h2";
  case ScheduleKind::ZBV:
    return "zb-v";
  case ScheduleKind::DualPipeV:
    return "dualpipev";
  case ScheduleKind::Search:
    return "search";
  case ScheduleKind::Auto:
    return "auto";
  }
  llvm_unreachable("unknown schedule kind");
}

std::optional<ScheduleKind> parseKind(StringRef Name) {
  return StringSwitch<std::optional<ScheduleKind>>(Name)
      .Case("gpipe", ScheduleKind::GPipe)
      .Case("1f1b", ScheduleKind::OneFOneB)
      .Case("interleaved-1f1b", ScheduleKind::Interleaved1F1B)
      .Case("interleaved", ScheduleKind::Interleaved1F1B)
      .Case("zb-h1", ScheduleKind::ZBH1)
      .Case("zb-h2", ScheduleKind::ZBH2)
      .Case("zb-v", ScheduleKind::ZBV)
      .Case("dualpipev", ScheduleKind::DualPipeV)
      .Case("search", ScheduleKind::Search)
      .Case("auto", ScheduleKind::Auto)
      .Default(std::nullopt);
}

std::string kindNames() {
  return "gpipe, 1f1b, interleaved-1f1b, zb-h1, zb-h2, zb-v, dualpipev, "
         "search, auto";
}

bool isVShaped(ScheduleKind K) {
  return K == ScheduleKind::ZBV || K == ScheduleKind::DualPipeV;
}

/// The chunks per stage a kind runs when --virtual-stages is left at 0.
static int effectiveChunks(const ScheduleOptions &Opts) {
  if (Opts.VirtualStages > 0)
    return Opts.VirtualStages;
  return Opts.Kind == ScheduleKind::Interleaved1F1B || isVShaped(Opts.Kind) ? 2
                                                                            : 1;
}

static Error optionError(const Twine &Msg) {
  return createStringError(inconvertibleErrorCode(), Msg);
}

static Schedule emptySchedule(const ScheduleOptions &Opts, int V, Placement P) {
  Schedule S;
  S.Name = kindName(Opts.Kind).str();
  S.NumStages = Opts.NumStages;
  S.NumMicrobatches = Opts.NumMicrobatches;
  S.NumChunks = V;
  S.Place = P;
  S.Stages.assign(Opts.NumStages, {});
  return S;
}

/// GPipe: all forwards, then all (fused) backwards, both in microbatch order.
static Schedule makeGPipe(const ScheduleOptions &Opts) {
  Schedule S = emptySchedule(Opts, 1, Placement::Loop);
  for (auto &List : S.Stages) {
    for (int Mb = 0; Mb < Opts.NumMicrobatches; ++Mb)
      List.push_back(Action::compute(ActionKind::Forward, Mb));
    for (int Mb = 0; Mb < Opts.NumMicrobatches; ++Mb)
      List.push_back(Action::compute(ActionKind::FullBackward, Mb));
  }
  return S;
}

/// 1F1B (PipeDream-flush): stage s runs min(p-1-s, m) warm-up forwards, then
/// alternates one forward and one fused backward, then drains backwards.
static Schedule makeOneFOneB(const ScheduleOptions &Opts) {
  Schedule S = emptySchedule(Opts, 1, Placement::Loop);
  int P = Opts.NumStages, M = Opts.NumMicrobatches;
  for (int St = 0; St < P; ++St) {
    auto &List = S.Stages[St];
    int Warmup = std::min(P - 1 - St, M);
    int NextF = 0, NextB = 0;
    for (; NextF < Warmup; ++NextF)
      List.push_back(Action::compute(ActionKind::Forward, NextF));
    while (NextF < M) {
      List.push_back(Action::compute(ActionKind::Forward, NextF++));
      List.push_back(Action::compute(ActionKind::FullBackward, NextB++));
    }
    while (NextB < M)
      List.push_back(Action::compute(ActionKind::FullBackward, NextB++));
  }
  return S;
}

/// ZB-H1 as the zero-bubble paper draws it (Qi et al., 2023, figure 3):
/// 1F1B's order with B and W split, where stage s runs p-s warm-up forwards
/// (one more than 1F1B) and then keeps s weight gradients pending, running
/// B, W, F in turn. Every stage then holds at most p microbatches until
/// their W (1F1B's stage-0 peak), and the later stages' earlier Bs shrink
/// the bubble to (p-1)(F+B-W) when m >= p.
static Schedule makeZBH1(const ScheduleOptions &Opts) {
  Schedule S = emptySchedule(Opts, 1, Placement::Loop);
  int P = Opts.NumStages, M = Opts.NumMicrobatches;
  for (int St = 0; St < P; ++St) {
    auto &List = S.Stages[St];
    List.reserve(size_t(3) * M);
    int Warmup = std::min(P - St, M);
    int NextF = 0, NextB = 0, NextW = 0;
    for (; NextF < Warmup; ++NextF)
      List.push_back(Action::compute(ActionKind::Forward, NextF));
    while (NextB < M) {
      List.push_back(Action::compute(ActionKind::BackwardInput, NextB++));
      if (NextB - NextW > St)
        List.push_back(Action::compute(ActionKind::BackwardWeight, NextW++));
      if (NextF < M)
        List.push_back(Action::compute(ActionKind::Forward, NextF++));
    }
    while (NextW < M)
      List.push_back(Action::compute(ActionKind::BackwardWeight, NextW++));
  }
  return S;
}

/// Megatron-LM's interleaved 1F1B. Microbatches run in rounds of p (one
/// round of m when m < p; the remainder m mod p makes a last, smaller round,
/// which keeps every forward ahead of its backward by the warm-up). In
/// each round, forwards go through the chunks in order, each chunk over the
/// round's microbatches, and backwards through the chunks in reverse. Stage
/// s warms up with (v-1) g + 2 (p-1-s) forwards (g the first round's size),
/// then alternates one forward and one backward, then drains.
static Schedule makeInterleaved(const ScheduleOptions &Opts, int V) {
  int P = Opts.NumStages, M = Opts.NumMicrobatches;
  Schedule S = emptySchedule(Opts, V, Placement::Loop);
  // Units in order: (microbatch, chunk-step) for each round.
  std::vector<std::pair<int, int>> Units;
  Units.reserve(size_t(M) * V);
  for (int First = 0; First < M;) {
    int Size = std::min(P, M - First);
    for (int C = 0; C < V; ++C)
      for (int I = 0; I < Size; ++I)
        Units.push_back({First + I, C});
    First += Size;
  }
  int G = std::min(P, M);
  int Total = M * V;
  auto Unit = [&](int K, bool Forward) {
    auto [Mb, Step] = Units[K];
    return Action::compute(Forward ? ActionKind::Forward
                                   : ActionKind::FullBackward,
                           Mb, Forward ? Step : V - 1 - Step);
  };
  for (int St = 0; St < P; ++St) {
    auto &List = S.Stages[St];
    int Warmup = std::min((V - 1) * G + 2 * (P - 1 - St), Total);
    int NextF = 0, NextB = 0;
    for (; NextF < Warmup; ++NextF)
      List.push_back(Unit(NextF, true));
    while (NextF < Total) {
      List.push_back(Unit(NextF++, true));
      List.push_back(Unit(NextB++, false));
    }
    while (NextB < Total)
      List.push_back(Unit(NextB++, false));
  }
  return S;
}

/// The pairs of stages that reduce tied-weight gradients, in the order every
/// stage runs them.
static std::vector<std::pair<int, int>> tiedPairs(const Schedule &S,
                                                  const ScheduleOptions &Opts) {
  std::vector<std::vector<int>> Groups = Opts.TiedGroups;
  if (Opts.TiedEmbedding)
    Groups.push_back({0, S.numVirtualStages() - 1});
  std::vector<std::pair<int, int>> Pairs;
  for (const std::vector<int> &Group : Groups) {
    std::vector<int> Stages;
    for (int K : Group)
      if (K >= 0 && K < S.numVirtualStages())
        Stages.push_back(S.locate(K).first);
    std::sort(Stages.begin(), Stages.end());
    Stages.erase(std::unique(Stages.begin(), Stages.end()), Stages.end());
    for (size_t I = 0; I < Stages.size(); ++I)
      for (size_t J = I + 1; J < Stages.size(); ++J)
        Pairs.push_back({Stages[I], Stages[J]});
  }
  std::sort(Pairs.begin(), Pairs.end());
  Pairs.erase(std::unique(Pairs.begin(), Pairs.end()), Pairs.end());
  return Pairs;
}

static void appendTail(Schedule &S, const ScheduleOptions &Opts) {
  for (auto [A, B] : tiedPairs(S, Opts)) {
    S.Stages[A].push_back(
        Action{ActionKind::TiedReduce, 0, 0, static_cast<int32_t>(B)});
    S.Stages[B].push_back(
        Action{ActionKind::TiedReduce, 0, 0, static_cast<int32_t>(A)});
  }
  if (Opts.OptimizerStep)
    for (auto &List : S.Stages)
      List.push_back(Action{ActionKind::OptimizerStep, 0, 0, -1});
}

Expected<Schedule> generateComputeOnly(const ScheduleOptions &Opts) {
  StringRef Name = kindName(Opts.Kind);
  if (Opts.NumStages < 1)
    return optionError(
        formatv("--stages must be at least 1 (got {0})", Opts.NumStages));
  if (Opts.NumMicrobatches < 1)
    return optionError(formatv("--microbatches must be at least 1 (got {0})",
                               Opts.NumMicrobatches));
  if (Opts.VirtualStages < 0)
    return optionError(formatv("--virtual-stages must be at least 1 (got {0})",
                               Opts.VirtualStages));
  if (Error E = checkScheduleSize(Opts.NumStages, Opts.NumMicrobatches,
                                  effectiveChunks(Opts)))
    return std::move(E);
  int V = Opts.VirtualStages;
  bool SingleChunk =
      Opts.Kind == ScheduleKind::GPipe || Opts.Kind == ScheduleKind::OneFOneB ||
      Opts.Kind == ScheduleKind::ZBH1 || Opts.Kind == ScheduleKind::ZBH2 ||
      Opts.Kind == ScheduleKind::Search;
  if (SingleChunk && V > 1)
    return optionError(formatv(
        "{0} runs one chunk per stage, but --virtual-stages {1} was given; "
        "use --virtual-stages 1, or --schedule interleaved-1f1b for {1} "
        "chunks{2}",
        Name, V, V == 2 ? " or --schedule zb-v" : ""));
  Expected<Schedule> S = optionError("unreachable");
  consumeError(S.takeError());
  switch (Opts.Kind) {
  case ScheduleKind::GPipe:
    S = makeGPipe(Opts);
    break;
  case ScheduleKind::OneFOneB:
    S = makeOneFOneB(Opts);
    break;
  case ScheduleKind::Interleaved1F1B: {
    int Chunks = V ? V : 2;
    S = makeInterleaved(Opts, Chunks);
    int P = Opts.NumStages, M = Opts.NumMicrobatches;
    if (M > P && M % P != 0) {
      // A short last round is not always deadlock-free: check by running it.
      Expected<Schedule> Run = lowerCommunication(*S);
      if (!Run) {
        consumeError(Run.takeError());
        return optionError(formatv(
            "interleaved-1f1b with --microbatches {0} (not a multiple of "
            "--stages {1}) gives an order that deadlocks with "
            "--virtual-stages {2}; nearest valid: --microbatches {3} or "
            "--microbatches {4}",
            M, P, Chunks, M / P * P, (M / P + 1) * P));
      }
    }
    break;
  }
  case ScheduleKind::ZBH1:
    S = makeZBH1(Opts);
    break;
  case ScheduleKind::ZBH2:
    S = makeZeroBubble(Opts, 1, Placement::Loop);
    break;
  case ScheduleKind::ZBV:
    if (V && V != 2)
      return optionError(formatv(
          "zb-v places exactly 2 chunks per stage in a V, but "
          "--virtual-stages {0} was given; use --virtual-stages 2{1}",
          V, V > 2 ? ", or --schedule interleaved-1f1b for more chunks" : ""));
    S = makeZeroBubble(Opts, 2, Placement::VShape);
    break;
  case ScheduleKind::DualPipeV:
    if (V && V != 2)
      return optionError(
          formatv("dualpipev places exactly 2 chunks per stage in a V, but "
                  "--virtual-stages {0} was given; use --virtual-stages 2",
                  V));
    S = makeDualPipeV(Opts);
    break;
  case ScheduleKind::Search: {
    CostModel Uniform = CostModel::uniform(Opts.NumStages);
    Expected<SearchResult> Found =
        searchSchedule(Opts, Opts.Costs ? *Opts.Costs : Uniform);
    if (!Found)
      return Found.takeError();
    S = std::move(Found->Chosen);
    break;
  }
  case ScheduleKind::Auto:
    return optionError("auto picks among generated schedules: call "
                       "generate() or chooseSchedule()");
  }
  if (!S)
    return S.takeError();
  appendTail(*S, Opts);
  return S;
}

Expected<Schedule> generate(const ScheduleOptions &Opts) {
  // Auto tries several schedules: refuse an impossible size before any.
  if (Error E = checkScheduleSize(Opts.NumStages, Opts.NumMicrobatches,
                                  effectiveChunks(Opts)))
    return std::move(E);
  if (Opts.Kind == ScheduleKind::Auto) {
    CostModel Uniform = CostModel::uniform(Opts.NumStages);
    Expected<AutoResult> R =
        chooseSchedule(Opts, Opts.Costs ? *Opts.Costs : Uniform);
    if (!R)
      return R.takeError();
    return std::move(R->Chosen);
  }
  Expected<Schedule> S = generateComputeOnly(Opts);
  if (!S || !Opts.InsertCommunication)
    return S;
  return lowerCommunication(*S, Opts.Costs);
}

} // namespace pp::sched
