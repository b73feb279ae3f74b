//===- InitAll.h - Every dialect and pass of pp, for a host -----*- C++ -*-===//
//
// What a compiler that embeds pp calls once: the dialects pp's IR uses, and
// pp's passes and pipeline for textual pipelines (--pass-pipeline, the
// `pp-...` flags of an mlir-opt-like tool). pp-opt calls exactly these.
//
//===----------------------------------------------------------------------===//

#ifndef PP_INITALL_H
#define PP_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace pp {

/// nn, pp, and the upstream dialects pp's IR holds (func, ml_program,
/// arith, tensor).
void registerAllDialects(mlir::DialectRegistry &registry);

/// Every pp pass (import clean-ups, planning, training, export) and
/// `pp-pipeline`.
void registerAllPasses();

} // namespace pp

#endif // PP_INITALL_H
