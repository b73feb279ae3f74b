//===- pp-import-fuzzer.cpp - libFuzzer target for the ONNX importer ------===//
//
// Feeds arbitrary bytes to the importer, as a binary model or (when the first
// byte is odd) as ONNX text syntax. Any input must end in a module or in
// diagnostics: never a crash, a hang or a sanitizer report.
//
//===----------------------------------------------------------------------===//

#include "pp/Import/ONNX.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    pp::registerONNXImportDialects(*r);
    return r;
  }();
  mlir::MLIRContext context(*registry, mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  bool isText = data[0] & 1;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
  pp::ONNXImportOptions options;
  auto module =
      pp::importONNXBuffer(bytes, isText, "fuzz.onnx", &context, options);
  // A module that comes back must be valid IR.
  if (module && mlir::failed(mlir::verify(*module)))
    std::abort();
  return 0;
}
