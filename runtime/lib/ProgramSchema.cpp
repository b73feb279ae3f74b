//===- ProgramSchema.cpp - Helpers over the schema's messages -------------===//
//
// Type conversion, function lookup, where virtual stages run, and the names
// of roles in messages (Program.h).
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Program.h"

#include <algorithm>

using namespace pp::rt;
using program::FunctionRole;
using program::PortRole;

Status pp::rt::convertType(const program::TensorType &type, TensorType &out,
                           const std::string &what) {
  switch (type.dtype()) {
  case program::FLOAT32:
    out.dtype = DType::F32;
    break;
  case program::FLOAT64:
    out.dtype = DType::F64;
    break;
  case program::INT64:
    out.dtype = DType::I64;
    break;
  case program::INT32:
    out.dtype = DType::I32;
    break;
  case program::BOOL:
    out.dtype = DType::Bool;
    break;
  case program::FLOAT16:
    out.dtype = DType::F16;
    break;
  case program::BFLOAT16:
    out.dtype = DType::BF16;
    break;
  case program::INT8:
    out.dtype = DType::I8;
    break;
  case program::UINT8:
    out.dtype = DType::U8;
    break;
  case program::UINT32:
    out.dtype = DType::U32;
    break;
  case program::UINT64:
    out.dtype = DType::U64;
    break;
  case program::INT16:
    out.dtype = DType::I16;
    break;
  case program::UINT16:
    out.dtype = DType::U16;
    break;
  default:
    return Status::error(what + ": element type " +
                         std::to_string(int(type.dtype())) +
                         " is unspecified or unknown");
  }
  out.shape.assign(type.shape().begin(), type.shape().end());
  // Element and byte counts are products of the dimensions: bounded here,
  // none of them overflows (zero dimensions count as one, so that no order
  // of multiplication overflows either).
  uint64_t bytes = dtypeSize(out.dtype);
  for (int64_t d : out.shape) {
    if (d < 0)
      return Status::error(what + ": negative dimension " + std::to_string(d) +
                           " (shapes must be static)");
    if (d > 1 && bytes > kMaxTensorBytes / uint64_t(d))
      return Status::error(what + ": " + out.str() +
                           " is larger than 2^48 bytes (256 TiB), the largest "
                           "tensor pp handles");
    bytes *= uint64_t(std::max<int64_t>(d, 1));
  }
  return Status::ok();
}

const program::Function *pp::rt::findFunction(const program::Program &prog,
                                              FunctionRole role,
                                              uint32_t chunk) {
  for (const program::Function &f : prog.functions())
    if (f.role() == role && f.chunk() == chunk)
      return &f;
  return nullptr;
}

uint32_t pp::rt::chunksPerStage(const program::Manifest &manifest) {
  return std::max<uint32_t>(1, manifest.virtual_stages());
}

uint32_t pp::rt::numVirtualStages(const program::Manifest &manifest) {
  return manifest.num_stages() * chunksPerStage(manifest);
}

std::pair<uint32_t, uint32_t>
pp::rt::locateVirtualStage(const program::Manifest &manifest, uint32_t k) {
  uint32_t p = std::max<uint32_t>(1, manifest.num_stages());
  if (manifest.placement() == "v" && chunksPerStage(manifest) == 2)
    return k < p ? std::make_pair(k, 0u) : std::make_pair(2 * p - 1 - k, 1u);
  return {k % p, k / p};
}

uint32_t pp::rt::virtualStageOf(const program::Manifest &manifest,
                                uint32_t stage, uint32_t chunk) {
  uint32_t p = std::max<uint32_t>(1, manifest.num_stages());
  if (manifest.placement() == "v" && chunksPerStage(manifest) == 2)
    return chunk == 0 ? stage : 2 * p - 1 - stage;
  return chunk * p + stage;
}

const char *pp::rt::functionRoleName(FunctionRole role) {
  switch (role) {
  case program::FORWARD:
    return "forward";
  case program::BACKWARD_INPUT:
    return "backward-input";
  case program::BACKWARD_WEIGHT:
    return "backward-weight";
  default:
    return "unspecified";
  }
}

const char *pp::rt::portRoleName(PortRole role) {
  switch (role) {
  case program::INPUT:
    return "input";
  case program::OUTPUT:
    return "output";
  case program::SAVED:
    return "saved";
  case program::OUTPUT_GRAD:
    return "output_grad";
  case program::INPUT_GRAD:
    return "input_grad";
  case program::COTANGENT:
    return "cotangent";
  case program::PARAM_GRAD:
    return "param_grad";
  case program::BOUNDARY_IN:
    return "boundary_in";
  case program::BOUNDARY_OUT:
    return "boundary_out";
  case program::BOUNDARY_OUT_GRAD:
    return "boundary_out_grad";
  case program::BOUNDARY_IN_GRAD:
    return "boundary_in_grad";
  default:
    return "unspecified";
  }
}
