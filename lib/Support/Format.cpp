//===- Format.cpp - Numbers for people: bytes, counts, durations ----------===//

#include "pp/Support/Format.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstdint>

namespace pp {

/// Divides `value` by `base` until it is below `base` or the units run out.
template <size_t N>
static std::string scaled(double value, double base,
                          const char *const (&units)[N], const char *sep) {
  size_t u = 0;
  while (value >= base && u + 1 < N) {
    value /= base;
    ++u;
  }
  if (u == 0)
    return llvm::formatv("{0}{1}{2}", (int64_t)value, sep, units[0]).str();
  return llvm::formatv("{0:F2}{1}{2}", value, sep, units[u]).str();
}

std::string formatBytes(double bytes) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  return scaled(bytes, 1024, units, " ");
}

std::string formatCount(double count) {
  static const char *const units[] = {"", "K", "M", "G", "T", "P"};
  return scaled(count, 1000, units, "");
}

std::string formatSeconds(double s) {
  if (s == 0)
    return "0 s";
  if (s < 1e-3)
    return llvm::formatv("{0:F1} us", s * 1e6).str();
  if (s < 1)
    return llvm::formatv("{0:F3} ms", s * 1e3).str();
  return llvm::formatv("{0:F3} s", s).str();
}

} // namespace pp
