//===- WeightsWriter.cpp - A stage's weights file -------------------------===//

#include "WeightsWriter.h"

#include "TensorEncoding.h"

#include "pp/Import/InitializerReader.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace pp::exporter {

LogicalResult writeWeights(ModuleOp module, StringRef path,
                           const ParameterTable &table,
                           program::Program &program) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec);
  if (ec)
    return module.emitError()
           << "pp-export: cannot write '" << path << "': " << ec.message();
  InitializerReader reader("pp-export");
  for (auto [index, entry] : llvm::enumerate(table.getGlobals())) {
    ml_program::GlobalOp global = entry;
    uint64_t offset = llvm::alignTo(out.tell(), kWeightsAlignment);
    out.write_zeros(offset - out.tell());
    if (failed(reader.write(global, out)))
      return failure();
    uint64_t length = out.tell() - offset;
    uint64_t expected =
        getEncodedBytes(cast<RankedTensorType>(global.getType()));
    if (length != expected)
      return global.emitError()
             << "pp-export: wrote " << length << " bytes for parameter @"
             << global.getSymName() << ", whose type holds " << expected;
    program::Parameter &parameter = *program.mutable_parameters(index);
    parameter.set_offset(offset);
    parameter.set_length(length);
  }
  out.close();
  if (out.has_error()) {
    std::error_code error = out.error();
    out.clear_error();
    return module.emitError()
           << "pp-export: cannot write '" << path << "': " << error.message();
  }
  return success();
}

} // namespace pp::exporter
