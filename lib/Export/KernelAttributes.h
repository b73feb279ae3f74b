//===- KernelAttributes.h - Op attributes as program attributes -*- C++ -*-===//
//
// The attributes of a kernel: every inherent attribute of the op, with the
// defaults of the attributes left out of the IR made explicit, so that the
// runtime never needs to know an op's defaults. Booleans and integers are
// `i`, floats `f`, strings `s`, integer arrays `ints`, float arrays
// `floats`, dense elements (`nn.constant`'s value) `tensor`.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_KERNELATTRIBUTES_H
#define PP_LIB_EXPORT_KERNELATTRIBUTES_H

#include "program.pb.h"

#include "mlir/IR/Operation.h"

namespace pp::exporter {

/// Appends the attributes of `op` to `kernel`, sorted by name. Emits an
/// error at `op` for an attribute the format cannot hold.
mlir::LogicalResult encodeKernelAttributes(mlir::Operation *op,
                                           program::Kernel &kernel);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_KERNELATTRIBUTES_H
