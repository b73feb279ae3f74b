//===- Format.cpp - Numbers for people: bytes, counts, durations ----------===//

#include "pp/Support/Format.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstdint>
#include <utility>

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

static llvm::Error optionError(llvm::StringRef option, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "option '" + option + "': " + msg);
}

llvm::Expected<double> parseByteSize(llvm::StringRef text,
                                     llvm::StringRef option) {
  static const std::pair<llvm::StringRef, double> suffixes[] = {
      {"KiB", 1024.0},
      {"MiB", 1024.0 * 1024},
      {"GiB", 1024.0 * 1024 * 1024},
      {"TiB", 1024.0 * 1024 * 1024 * 1024},
      {"KB", 1e3},
      {"MB", 1e6},
      {"GB", 1e9},
      {"TB", 1e12},
      {"B", 1}};
  llvm::StringRef number = text.trim();
  double scale = 1;
  for (auto [suffix, factor] : suffixes)
    if (number.consume_back(suffix)) {
      scale = factor;
      break;
    }
  number = number.trim();
  double value = 0;
  if (number.empty() || number.getAsDouble(value) || !std::isfinite(value) ||
      value < 0)
    return optionError(option,
                       "expected a size in bytes such as 80GB, 80GiB or "
                       "8e10, or 'device', not '" +
                           text + "'");
  // 0 cannot mean "no limit" (that is leaving the option out), and no plan
  // fits in nothing.
  if (value * scale < 1)
    return optionError(option, "'" + text + "' is no memory at all; leave " +
                                   option + " out for no limit");
  return value * scale;
}

} // namespace pp
