//===- BlasCheck.h - Whether OpenBLAS uses the CPU's vectors ----*- C++ -*-===//
//
// OpenBLAS picks its kernels at load time from the CPU's model number. A
// release older than the CPU does not know the model and falls back to its
// generic SSE3 kernels ("Prescott"), with matrix products several times
// slower than the CPU's AVX2 or AVX-512 units allow (Debian 12's OpenBLAS
// 0.3.21 on Intel Xeon family 6 model 207: 13 GFLOP/s instead of 119).
// The choice is made before main() runs, so pp-run can only say so, and how
// to choose the kernels (OPENBLAS_CORETYPE).
//
//===----------------------------------------------------------------------===//

#ifndef PP_TOOLS_PPRUN_BLASCHECK_H
#define PP_TOOLS_PPRUN_BLASCHECK_H

#include <string>

namespace pp::run {

/// A warning when OpenBLAS's kernels use no AVX2 on a CPU that has it (with
/// the OPENBLAS_CORETYPE that would), or "" when they are fine.
std::string blasCoreWarning();

/// The same check for a given core name and CPU (for tests).
std::string blasCoreWarning(const std::string &core, bool avx2, bool avx512);

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_BLASCHECK_H
