//===- Format.h - Numbers for people: bytes, counts, durations --*- C++ -*-===//
//
// The one place that decides how pp's reports and tables print sizes and
// times, so that a summary, a plan table and a simulation read alike.
//
//===----------------------------------------------------------------------===//

#ifndef PP_SUPPORT_FORMAT_H
#define PP_SUPPORT_FORMAT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace pp {

/// 1536 -> "1.50 KiB" (binary units; whole bytes below 1 KiB).
std::string formatBytes(double bytes);

/// 1234567 -> "1.23M" (decimal units; whole numbers below 1000).
std::string formatCount(double count);

/// 0.00012 -> "120.0 us", 0.0123 -> "12.300 ms", 2 -> "2.000 s", 0 -> "0 s".
std::string formatSeconds(double seconds);

/// Bytes from "80GB" (10^9), "80GiB" (2^30), "512MiB", "1.5e9", "1000B";
/// suffixes B, KB, MB, GB, TB, KiB, MiB, GiB, TiB. Errors name `option`
/// ("option 'memory-limit': ...") and refuse sizes below one byte.
llvm::Expected<double> parseByteSize(llvm::StringRef text,
                                     llvm::StringRef option = "memory-limit");

} // namespace pp

#endif // PP_SUPPORT_FORMAT_H
