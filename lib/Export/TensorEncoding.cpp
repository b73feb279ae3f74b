//===- TensorEncoding.cpp - MLIR types and data in program form -----------===//

#include "TensorEncoding.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace pp::exporter {

// DenseElementsAttr keeps its data in the host's byte order, which is then
// written as is.
static_assert(llvm::endianness::native == llvm::endianness::little,
              "the program format stores little-endian data");

std::optional<program::DataType> getDataType(Type elementType) {
  if (elementType.isF32())
    return program::FLOAT32;
  if (elementType.isF64())
    return program::FLOAT64;
  if (elementType.isF16())
    return program::FLOAT16;
  if (elementType.isBF16())
    return program::BFLOAT16;
  auto integer = dyn_cast<IntegerType>(elementType);
  if (!integer)
    return std::nullopt;
  // Signless integers are signed, as the ONNX importer makes them.
  bool isSigned = !integer.isUnsigned();
  switch (integer.getWidth()) {
  case 1:
    return integer.isSignless() ? std::optional(program::BOOL) : std::nullopt;
  case 8:
    return isSigned ? program::INT8 : program::UINT8;
  case 16:
    return isSigned ? program::INT16 : program::UINT16;
  case 32:
    return isSigned ? program::INT32 : program::UINT32;
  case 64:
    return isSigned ? program::INT64 : program::UINT64;
  default:
    return std::nullopt;
  }
}

std::optional<std::string> encodeTensorType(Type type,
                                            program::TensorType &out) {
  auto print = [](Type t) {
    std::string text;
    llvm::raw_string_ostream os(text);
    t.print(os);
    return text;
  };
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return "has type " + print(type) + ", not a ranked tensor";
  if (!tensor.hasStaticShape())
    return "has type " + print(type) + " with a dynamic shape";
  std::optional<program::DataType> dtype = getDataType(tensor.getElementType());
  if (!dtype)
    return "has type " + print(type) + ": the program format has no code for " +
           print(tensor.getElementType());
  out.set_dtype(*dtype);
  out.clear_shape();
  for (int64_t dim : tensor.getShape())
    out.add_shape(dim);
  return std::nullopt;
}

} // namespace pp::exporter
