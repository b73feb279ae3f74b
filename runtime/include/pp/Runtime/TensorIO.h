//===- TensorIO.h - ONNX TensorProto files ----------------------*- C++ -*-===//
//
// Data sets, golden results and pp-run's dumps are ONNX `TensorProto` files
// (`*.pb`), the format of ONNX's backend test data, so that the same files
// feed pp-run, PyTorch and onnxruntime. Reading accepts `raw_data` and the
// typed fields (`float_data`, `int32_data`, ...); writing uses `raw_data`.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TENSORIO_H
#define PP_RUNTIME_TENSORIO_H

#include "pp/Runtime/Status.h"
#include "pp/Runtime/Tensor.h"

#include <string>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace pp::rt {

/// Reads the TensorProto file at `path` into `out`; `name`, when given,
/// receives the TensorProto's name ("" when it has none). Errors name the
/// file.
Status readTensorFile(const std::string &path, Tensor &out,
                      std::string *name = nullptr);

/// Writes `tensor` as a TensorProto called `name` to `path` (raw_data).
Status writeTensorFile(const std::string &path, const Tensor &tensor,
                       const std::string &name);

/// Converts a TensorProto. `what` starts error messages (a file name, an
/// initializer's name). Data stored outside the proto (`data_location =
/// EXTERNAL`) is read relative to `baseDir`; it is an error when `baseDir`
/// is empty.
Status tensorFromProto(const onnx::TensorProto &proto, Tensor &out,
                       const std::string &what,
                       const std::string &baseDir = "");

/// Fills `proto` with `tensor` as raw_data, called `name`. Everything
/// `proto` held before (typed fields, external-data references) is dropped.
void tensorToProto(const Tensor &tensor, const std::string &name,
                   onnx::TensorProto &proto);

} // namespace pp::rt

#endif // PP_RUNTIME_TENSORIO_H
