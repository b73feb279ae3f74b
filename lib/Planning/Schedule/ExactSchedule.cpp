//===- ExactSchedule.cpp - Optimal small schedules by integer programming -===//
//
// Variables: the start time of every F, B and W of every microbatch on every
// stage, the step time T, and one binary per pair of actions of different
// kinds on a stage whose order the dependencies leave open (1: the first
// runs before the second). Each kind runs in microbatch order on a stage.
//
//   F(s,j)  >= F(s-1,j) + f(s-1) + c(s-1)      the input has arrived
//   B(p-1,j) >= F(p-1,j) + f(p-1)              the loss is there
//   B(s,j)  >= B(s+1,j) + b(s+1) + c(s)        the output gradient arrived
//   B(s,j)  >= F(s,j) + f(s),  W(s,j) >= B(s,j) + b(s)
//   X(s,j+1) >= X(s,j) + x(s)                  microbatch order per kind
//   a + d(a) <= b + M (1 - y),  b + d(b) <= a + M y   one at a time
//   T >= W(s,j) + w(s)
//   1 + sum_{j' < j} y(F(s,j) before W(s,j')) <= capacity(s)   memory
//
// minimise T. M is the sum of every duration and transfer (any order's
// makespan is below it).
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Schedule/Action.h"
#include "pp/Planning/Schedule/Search.h"

#include "llvm/Support/FormatVariadic.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

using namespace llvm;

namespace pp::sched {

namespace {
enum Kind { F = 0, B = 1, W = 2 };

struct Program {
  glp_prob *P = glp_create_prob();
  std::vector<int> Ia{0}, Ja{0};
  std::vector<double> Ar{0};
  ~Program() { glp_delete_prob(P); }

  int column(const char *Name, int Type, double Lower, double Upper,
             bool Binary = false) {
    int C = glp_add_cols(P, 1);
    glp_set_col_name(P, C, Name);
    glp_set_col_bnds(P, C, Type, Lower, Upper);
    if (Binary)
      glp_set_col_kind(P, C, GLP_BV);
    return C;
  }
  /// sum(coef * col) >= Lower.
  void atLeast(std::initializer_list<std::pair<int, double>> Terms,
               double Lower) {
    int R = glp_add_rows(P, 1);
    glp_set_row_bnds(P, R, GLP_LO, Lower, 0);
    for (auto [Col, Coef] : Terms) {
      Ia.push_back(R);
      Ja.push_back(Col);
      Ar.push_back(Coef);
    }
  }
  void atMost(const std::vector<std::pair<int, double>> &Terms, double Upper) {
    int R = glp_add_rows(P, 1);
    glp_set_row_bnds(P, R, GLP_UP, 0, Upper);
    for (auto [Col, Coef] : Terms) {
      Ia.push_back(R);
      Ja.push_back(Col);
      Ar.push_back(Coef);
    }
  }
};
} // namespace

Expected<ExactResult> solveExactSchedule(const ScheduleOptions &Opts,
                                         const CostModel &Costs,
                                         int TimeLimitMs) {
  int Np = Opts.NumStages, M = Opts.NumMicrobatches;
  if (Np < 1 || M < 1 || Np * M > 64)
    return createStringError(inconvertibleErrorCode(),
                             formatv("the exact solver takes at most 64 "
                                     "stage-microbatches (p={0}, m={1})",
                                     Np, M));
  auto dur = [&](int S, Kind K) {
    return Costs.computeTime(K == F   ? ActionKind::Forward
                             : K == B ? ActionKind::BackwardInput
                                      : ActionKind::BackwardWeight,
                             S, 0, 1);
  };
  auto comm = [&](int S) { return Costs.transferTime(S, 0, 1); };
  double BigM = 0;
  for (int S = 0; S < Np; ++S)
    BigM += M * (dur(S, F) + dur(S, B) + dur(S, W)) + 2 * M * comm(S);
  BigM += 1;

  Program Prog;
  glp_set_obj_dir(Prog.P, GLP_MIN);
  std::vector<int> Start(size_t(Np) * M * 3);
  auto start = [&](int S, int J, Kind K) -> int & {
    return Start[(size_t(S) * M + J) * 3 + K];
  };
  for (int S = 0; S < Np; ++S)
    for (int J = 0; J < M; ++J)
      for (Kind K : {F, B, W}) {
        std::string Name = formatv("{0}{1}_{2}", "FBW"[K], J, S).str();
        start(S, J, K) = Prog.column(Name.c_str(), GLP_LO, 0, 0);
      }
  int T = Prog.column("T", GLP_LO, 0, 0);
  glp_set_obj_coef(Prog.P, T, 1);

  for (int S = 0; S < Np; ++S) {
    double Fd = dur(S, F), Bd = dur(S, B), Wd = dur(S, W);
    for (int J = 0; J < M; ++J) {
      if (S > 0)
        Prog.atLeast({{start(S, J, F), 1}, {start(S - 1, J, F), -1}},
                     dur(S - 1, F) + comm(S - 1));
      if (S + 1 < Np)
        Prog.atLeast({{start(S, J, B), 1}, {start(S + 1, J, B), -1}},
                     dur(S + 1, B) + comm(S));
      Prog.atLeast({{start(S, J, B), 1}, {start(S, J, F), -1}}, Fd);
      Prog.atLeast({{start(S, J, W), 1}, {start(S, J, B), -1}}, Bd);
      Prog.atLeast({{T, 1}, {start(S, J, W), -1}}, Wd);
      if (J + 1 < M)
        for (Kind K : {F, B, W})
          Prog.atLeast({{start(S, J + 1, K), 1}, {start(S, J, K), -1}},
                       dur(S, K));
    }
    // One binary per pair of actions of different kinds whose order is
    // open: (X of j, Y of j') with X before Y in a microbatch's own order
    // only when j' < j (for j' >= j the dependencies order them).
    std::map<std::tuple<int, int, int, int>, int> Before; // (K1,j1,K2,j2)
    for (auto [K1, K2] : {std::pair{F, B}, {F, W}, {B, W}})
      for (int J = 0; J < M; ++J)            // the later kind's microbatch
        for (int J2 = J + 1; J2 < M; ++J2) { // the earlier kind's
          // Order of K2 of microbatch J against K1 of microbatch J2.
          int A = start(S, J2, K1), Bc = start(S, J, K2);
          std::string Name =
              formatv("y{0}{1}_{2}{3}_{4}", "FBW"[K1], J2, "FBW"[K2], J, S)
                  .str();
          int Y = Prog.column(Name.c_str(), GLP_DB, 0, 1, /*Binary=*/true);
          // Y = 1: K1(J2) runs first.
          Prog.atLeast({{Bc, 1}, {A, -1}, {Y, -BigM}}, dur(S, K1) - BigM);
          Prog.atLeast({{A, 1}, {Bc, -1}, {Y, BigM}}, dur(S, K2));
          Before[{K1, J2, K2, J}] = Y;
        }
    // Memory at the start of F(j): itself and every j' < j whose W has not
    // run yet, i.e. whose pair (F of j, W of j') has F(j) first.
    double Capacity = stageCapacity(Opts, Costs, S);
    if (Capacity < M)
      for (int J = 1; J < M; ++J) {
        std::vector<std::pair<int, double>> Held;
        for (int J2 = 0; J2 < J; ++J2)
          Held.push_back({Before.at({F, J, W, J2}), 1});
        Prog.atMost(Held, std::floor(Capacity + 1e-9) - 1);
      }
  }
  glp_load_matrix(Prog.P, int(Prog.Ia.size()) - 1, Prog.Ia.data(),
                  Prog.Ja.data(), Prog.Ar.data());
  glp_iocp Parm;
  glp_init_iocp(&Parm);
  Parm.presolve = GLP_ON;
  Parm.msg_lev = GLP_MSG_OFF;
  Parm.tm_lim = TimeLimitMs;
  int Ret = glp_intopt(Prog.P, &Parm);
  int Status = glp_mip_status(Prog.P);
  if ((Ret != 0 && Ret != GLP_ETMLIM) ||
      (Status != GLP_OPT && Status != GLP_FEAS))
    return createStringError(
        inconvertibleErrorCode(),
        formatv("the integer program found no schedule (GLPK return {0}, "
                "status {1}): the memory limits may leave none",
                Ret, Status));

  ExactResult R;
  R.Optimal = Status == GLP_OPT && Ret == 0;
  R.StepTime = glp_mip_obj_val(Prog.P);
  R.Variables = glp_get_num_cols(Prog.P);
  R.Constraints = glp_get_num_rows(Prog.P);
  R.Best.Name = "exact";
  R.Best.NumStages = Np;
  R.Best.NumMicrobatches = M;
  R.Best.NumChunks = 1;
  R.Best.Place = Placement::Loop;
  R.Best.Stages.assign(Np, {});
  for (int S = 0; S < Np; ++S) {
    std::vector<std::tuple<double, int, int>> Order; // start, kind, mb
    for (int J = 0; J < M; ++J)
      for (Kind K : {F, B, W})
        Order.push_back({glp_mip_col_val(Prog.P, start(S, J, K)), K, J});
    std::sort(Order.begin(), Order.end());
    for (auto [When, K, J] : Order)
      R.Best.Stages[S].push_back(
          Action::compute(K == F   ? ActionKind::Forward
                          : K == B ? ActionKind::BackwardInput
                                   : ActionKind::BackwardWeight,
                          J));
  }
  if (Opts.OptimizerStep)
    for (auto &List : R.Best.Stages)
      List.push_back(Action{ActionKind::OptimizerStep, 0, 0, -1});
  return R;
}

} // namespace pp::sched
