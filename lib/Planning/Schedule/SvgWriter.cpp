//===- SvgWriter.cpp - Timeline picture in the papers' style --------------===//

#include "pp/Planning/Schedule/SvgWriter.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace pp::sched {

namespace {
struct Colour {
  int R, G, B;
};

/// Base colours by kind, as in the 1F1B and zero-bubble figures: forward
/// blue, backward-input teal/green, backward-weight orange/yellow, fused
/// backward green.
Colour baseColour(ActionKind K) {
  switch (K) {
  case ActionKind::Forward:
    return {91, 155, 213};
  case ActionKind::BackwardInput:
    return {112, 173, 71};
  case ActionKind::BackwardWeight:
    return {237, 177, 32};
  case ActionKind::FullBackward:
    return {84, 130, 53};
  case ActionKind::TiedReduce:
    return {162, 105, 190};
  case ActionKind::OptimizerStep:
    return {150, 150, 150};
  default:
    return {200, 200, 200};
  }
}

std::string fill(ActionKind K, int Chunk, int NumChunks) {
  Colour C = baseColour(K);
  // Later chunks darker, so interleaved chunks are told apart.
  double Shade = NumChunks > 1 ? 1.0 - 0.45 * Chunk / (NumChunks - 1) : 1.0;
  return formatv("rgb({0},{1},{2})", int(C.R * Shade), int(C.G * Shade),
                 int(C.B * Shade))
      .str();
}

/// A tick step of 1, 2 or 5 times a power of ten giving about 10 ticks.
double tickStep(double Span) {
  if (Span <= 0)
    return 1;
  double Raw = Span / 10, Pow = std::pow(10.0, std::floor(std::log10(Raw)));
  for (double M : {1.0, 2.0, 5.0, 10.0})
    if (M * Pow >= Raw)
      return M * Pow;
  return 10 * Pow;
}
} // namespace

void writeSvg(raw_ostream &OS, const Schedule &S, const SimResult &R,
              bool TimesInSeconds) {
  const double Left = 70, Top = 50, RowH = 28, RowGap = 6;
  double Span = std::max(R.StepTime, 1e-9);
  // Device times are shown in the unit that suits the step: us, ms or s.
  double UnitScale = 1;
  std::string Unit;
  if (TimesInSeconds) {
    UnitScale = Span < 1e-3 ? 1e6 : Span < 1 ? 1e3 : 1;
    Unit = Span < 1e-3 ? "us" : Span < 1 ? "ms" : "s";
  }
  auto Show = [&](double T) {
    std::string Text = formatNumber(T * UnitScale);
    return Unit.empty() ? Text : Text + " " + Unit;
  };
  // Aim for boxes of a readable width without making huge pictures.
  size_t MaxActions = 1;
  for (const auto &L : S.Stages)
    MaxActions = std::max(MaxActions, L.size());
  double Width = std::clamp(MaxActions * 22.0, 600.0, 4000.0);
  double Scale = Width / Span;
  int P = S.NumStages;
  double RowsH = P * (RowH + RowGap);
  double LegendY = Top + RowsH + 45;
  double TotalW = Left + Width + 30, TotalH = LegendY + 40;

  OS << formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                "height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                "font-family=\"Helvetica,Arial,sans-serif\">\n",
                int(TotalW), int(TotalH));
  OS << formatv("<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
                int(TotalW), int(TotalH));
  OS << formatv("<text x=\"{0}\" y=\"22\" font-size=\"15\" "
                "font-weight=\"bold\">{1}: p={2}, m={3}{4} - step time {5}, "
                "bubble {6}%</text>\n",
                Left, S.Name, P, S.NumMicrobatches,
                S.NumChunks > 1 ? ", v=" + std::to_string(S.NumChunks)
                                : std::string(),
                Show(R.StepTime), formatv("{0:f1}", 100 * R.BubbleFraction));

  for (int St = 0; St < P; ++St) {
    double Y = Top + St * (RowH + RowGap);
    OS << formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"13\" "
                  "text-anchor=\"end\">stage {2}</text>\n",
                  Left - 8, Y + RowH * 0.68, St);
    OS << formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" "
                  "fill=\"#f4f4f4\"/>\n",
                  Left, Y, Width, RowH);
    for (size_t I = 0; I < S.Stages[St].size(); ++I) {
      const Action &A = S.Stages[St][I];
      if (isComm(A.Kind))
        continue;
      const ActionTiming &T = R.Timings[St][I];
      double X = Left + T.Start * Scale, W = (T.End - T.Start) * Scale;
      if (W <= 0)
        continue;
      std::string Tip = actionToString(A, S.NumChunks);
      OS << formatv("<rect x=\"{0:f2}\" y=\"{1}\" width=\"{2:f2}\" "
                    "height=\"{3}\" fill=\"{4}\" stroke=\"white\" "
                    "stroke-width=\"0.6\"><title>stage {5}: {6} [{7}, "
                    "{8})</title></rect>\n",
                    X, Y, W, RowH, fill(A.Kind, A.Chunk, S.NumChunks), St, Tip,
                    Show(T.Start), Show(T.End));
      std::string Label = A.Kind == ActionKind::OptimizerStep ? "opt"
                          : A.Kind == ActionKind::TiedReduce
                              ? "tr"
                              : std::to_string(A.Microbatch);
      double FontSize = std::min(12.0, RowH * 0.5);
      if (W >= Label.size() * FontSize * 0.62 + 2)
        OS << formatv("<text x=\"{0:f2}\" y=\"{1}\" font-size=\"{2}\" "
                      "text-anchor=\"middle\" fill=\"white\">{3}</text>\n",
                      X + W / 2, Y + RowH * 0.66, FontSize, Label);
    }
  }

  // Time axis.
  double AxisY = Top + RowsH + 4;
  OS << formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                "stroke=\"black\"/>\n",
                Left, AxisY, Left + Width);
  double Step = tickStep(Span * UnitScale);
  for (double T = 0; T <= Span * UnitScale * (1 + 1e-9); T += Step) {
    double X = Left + T / UnitScale * Scale;
    OS << formatv("<line x1=\"{0:f2}\" y1=\"{1}\" x2=\"{0:f2}\" y2=\"{2}\" "
                  "stroke=\"black\"/><text x=\"{0:f2}\" y=\"{3}\" "
                  "font-size=\"11\" text-anchor=\"middle\">{4}</text>\n",
                  X, AxisY, AxisY + 5, AxisY + 17, formatNumber(T));
  }
  OS << formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"11\" "
                "text-anchor=\"end\">time{2}</text>\n",
                Left + Width, AxisY + 30,
                Unit.empty() ? "" : " (" + Unit + ")");

  // Legend: the kinds that occur.
  bool Used[NumActionKinds] = {};
  for (const auto &L : S.Stages)
    for (const Action &A : L)
      Used[static_cast<int>(A.Kind)] = true;
  double X = Left;
  for (unsigned K = 0; K < NumActionKinds; ++K) {
    auto Kind = static_cast<ActionKind>(K);
    if (!Used[K] || isComm(Kind))
      continue;
    OS << formatv("<rect x=\"{0}\" y=\"{1}\" width=\"14\" height=\"14\" "
                  "fill=\"{2}\"/><text x=\"{3}\" y=\"{4}\" "
                  "font-size=\"12\">{5} ({6})</text>\n",
                  X, LegendY, fill(Kind, 0, 1), X + 18, LegendY + 12,
                  mnemonic(Kind), describe(Kind));
    X += 40 + 8 * describe(Kind).size() + 8 * mnemonic(Kind).size();
  }
  if (S.NumChunks > 1)
    OS << formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"12\">darker = "
                  "later chunk</text>\n",
                  X, LegendY + 12);
  OS << "</svg>\n";
}

} // namespace pp::sched
