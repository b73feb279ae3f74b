//===- KernelAttributes.cpp - Op attributes as program attributes ---------===//

#include "KernelAttributes.h"

#include "TensorEncoding.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OperationSupport.h"

using namespace mlir;

namespace pp::exporter {

/// Fills `out` with the value of `attr`; false if the format cannot hold it.
static bool encodeValue(Attribute attr, program::Attribute &out) {
  if (auto flag = dyn_cast<BoolAttr>(attr)) {
    out.set_i(flag.getValue());
    return true;
  }
  if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    if (!isa<IntegerType, IndexType>(integer.getType()))
      return false;
    out.set_i(integer.getType().isUnsignedInteger()
                  ? (int64_t)integer.getValue().getZExtValue()
                  : integer.getValue().getSExtValue());
    return true;
  }
  if (auto real = dyn_cast<FloatAttr>(attr)) {
    out.set_f(real.getValueAsDouble());
    return true;
  }
  if (auto text = dyn_cast<StringAttr>(attr)) {
    out.set_s(text.str());
    return true;
  }
  // Enum attributes travel by name, as ONNX writes them.
  if (auto approximate = dyn_cast<nn::GeluApproximationAttr>(attr)) {
    out.set_s(nn::stringifyGeluApproximation(approximate.getValue()).str());
    return true;
  }
  if (isa<UnitAttr>(attr)) {
    out.set_i(1);
    return true;
  }
  // Lists are set even when empty: an empty list is still a list.
  if (auto ints = dyn_cast<DenseI64ArrayAttr>(attr)) {
    out.mutable_ints();
    for (int64_t value : ints.asArrayRef())
      out.mutable_ints()->add_values(value);
    return true;
  }
  if (auto ints = dyn_cast<DenseI32ArrayAttr>(attr)) {
    out.mutable_ints();
    for (int32_t value : ints.asArrayRef())
      out.mutable_ints()->add_values(value);
    return true;
  }
  if (auto floats = dyn_cast<DenseF32ArrayAttr>(attr)) {
    out.mutable_floats();
    for (float value : floats.asArrayRef())
      out.mutable_floats()->add_values(value);
    return true;
  }
  if (auto floats = dyn_cast<DenseF64ArrayAttr>(attr)) {
    out.mutable_floats();
    for (double value : floats.asArrayRef())
      out.mutable_floats()->add_values(value);
    return true;
  }
  if (auto array = dyn_cast<ArrayAttr>(attr)) {
    if (llvm::all_of(array, llvm::IsaPred<IntegerAttr>)) {
      out.mutable_ints();
      for (Attribute element : array)
        out.mutable_ints()->add_values(cast<IntegerAttr>(element).getInt());
      return true;
    }
    if (llvm::all_of(array, llvm::IsaPred<FloatAttr>)) {
      out.mutable_floats();
      for (Attribute element : array)
        out.mutable_floats()->add_values(
            cast<FloatAttr>(element).getValueAsDouble());
      return true;
    }
    return false;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    program::TensorData &tensor = *out.mutable_tensor();
    if (encodeTensorType(dense.getType(), *tensor.mutable_type()))
      return false;
    appendEncodedData(dense, *tensor.mutable_raw());
    return true;
  }
  return false;
}

LogicalResult encodeKernelAttributes(Operation *op, program::Kernel &kernel) {
  NamedAttrList attrs;
  op->getName().populateInherentAttrs(op, attrs);
  // Ops that keep their attributes in properties have their defaults set
  // when created; the others get them here.
  op->getName().populateDefaultAttrs(attrs);
  for (NamedAttribute attr : attrs.getDictionary(op->getContext())) {
    program::Attribute &out = *kernel.add_attributes();
    out.set_name(attr.getName().str());
    if (!encodeValue(attr.getValue(), out)) {
      std::string value;
      llvm::raw_string_ostream os(value);
      attr.getValue().print(os, /*elideType=*/false);
      if (value.size() > 80)
        value = value.substr(0, 77) + "...";
      return op->emitError()
             << "pp-export: attribute '" << attr.getName().getValue() << "' of "
             << op->getName() << " is " << value
             << ", which the program format cannot hold";
    }
  }
  return success();
}

} // namespace pp::exporter
