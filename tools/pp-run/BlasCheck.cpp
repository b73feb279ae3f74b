//===- BlasCheck.cpp - Whether OpenBLAS uses this CPU's vector units ------===//

#include "BlasCheck.h"

#include <cblas.h>

#include <algorithm>
#include <cctype>
#include <iterator>

namespace {

/// OpenBLAS's x86-64 cores whose kernels use AVX2 (or AVX-512).
const char *const kAvx2Cores[] = {"haswell",        "skylakex", "cooperlake",
                                  "sapphirerapids", "zen",      "excavator"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

} // namespace

std::string pp::run::blasCoreWarning(const std::string &core, bool avx2,
                                     bool avx512) {
  if (!avx2 || core.empty())
    return "";
  std::string name = lower(core);
  if (std::find(std::begin(kAvx2Cores), std::end(kAvx2Cores), name) !=
      std::end(kAvx2Cores))
    return "";
  const char *suggested = avx512 ? "SkylakeX" : "Haswell";
  return std::string("warning: OpenBLAS runs its '") + core +
         "' kernels, which use no AVX2, on a CPU with " +
         (avx512 ? "AVX-512" : "AVX2") +
         ": matrix products run several times slower than they could (an "
         "OpenBLAS older than the CPU falls back to them). Set "
         "OPENBLAS_CORETYPE=" +
         suggested + " in the environment to use the CPU's vector units.\n";
}

std::string pp::run::blasCoreWarning() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  // OpenBLAS's AVX-512 kernels need F, BW, DQ and VL.
  bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512vl");
  const char *core = openblas_get_corename();
  return blasCoreWarning(core ? core : "", avx2, avx512);
#else
  return "";
#endif
}
