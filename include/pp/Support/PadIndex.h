//===- PadIndex.h - Where a padded element comes from -----------*- C++ -*-===//
//
// The index arithmetic of ONNX's Pad, shared by the compiler's constant
// folder (nn.pad) and the CPU kernel, so that a folded pad and an executed
// one cannot disagree. Header-only: the runtime does not link the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef PP_SUPPORT_PADINDEX_H
#define PP_SUPPORT_PADINDEX_H

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace pp {

/// The input index that output index `o` of an axis of size `n`, padded by
/// `begin` and `end` in `mode`, copies; -1 for the padding constant.
/// Negative pads crop first; the other modes pad from what is left
/// (reflect: mirrored about the edge without repeating it, with period
/// 2 (kept - 1); edge: the edge element; wrap: from the other end).
inline int64_t padSource(int64_t o, int64_t n, int64_t begin, int64_t end,
                         std::string_view mode) {
  int64_t start = std::max<int64_t>(-begin, 0);
  int64_t kept = n - start - std::max<int64_t>(-end, 0);
  int64_t j = o - std::max<int64_t>(begin, 0);
  if (j >= 0 && j < kept)
    return start + j;
  if (mode == "constant" || kept <= 0)
    return -1;
  if (mode == "edge")
    return start + std::clamp<int64_t>(j, 0, kept - 1);
  if (mode == "wrap")
    return start + ((j % kept) + kept) % kept;
  if (kept == 1) // reflect
    return start;
  int64_t period = 2 * (kept - 1);
  int64_t r = ((j % period) + period) % period;
  return start + (r < kept ? r : period - r);
}

} // namespace pp

#endif // PP_SUPPORT_PADINDEX_H
