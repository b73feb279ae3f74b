//===- ONNXProto.h - The ONNX protobuf classes, as pp uses them -*- C++ -*-===//

#ifndef PP_LIB_IMPORT_ONNX_ONNXPROTO_H
#define PP_LIB_IMPORT_ONNX_ONNXPROTO_H

#include <onnx/onnx_pb.h>

#endif // PP_LIB_IMPORT_ONNX_ONNXPROTO_H
