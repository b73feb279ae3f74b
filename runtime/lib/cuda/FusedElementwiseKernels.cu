//===- FusedElementwiseKernels.cu - Chains of elementwise ops as one kernel
//===//
//
// pp.fused_elementwise on the CUDA backend: a chain of elementwise ops that
// the executor fused (Executor.cpp) runs as one kernel, one thread per
// element of the result, which loads the chain's external operands, runs
// the chain's program (runtime/lib/kernels/FusedElementwise.h) in registers
// of the element type and stores the last value once. The chain's
// intermediates never touch memory: one launch and one pass over memory
// instead of one per op.
//
// Every instruction calls the functor of its op's own kernel in the same
// element type, and sums and products are rounded on their own (no
// multiply-add across instructions), so a fused chain gives the bits of
// its ops run one by one on this backend (tested in
// runtime/test/cuda/FusedElementwiseTest.cpp).
//
// The externals broadcast to the result's shape through one StridedIndexer;
// when every one has the result's shape, a thread reads them at its own
// index.
//
//===----------------------------------------------------------------------===//

#include "../cpu/KernelChecks.h"
#include "../cpu/ShapeIndexing.h"
#include "../cpu/TypeDispatch.h"
#include "../kernels/FusedElementwise.h"
#include "DeviceIndexing.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"

#include <array>
#include <string>
#include <vector>

namespace pp::rt::PP_DEVICE_NS {
namespace {

using namespace pp::rt::kernels;
using cpu::dispatchType;
using cpu::FloatTypes;

constexpr int kMaxFusedValues = kMaxFusedExternals + kMaxFusedInstructions;

/// The program, by value in the kernel's arguments.
template <typename T> struct FusedProgram {
  int instructions = 0;
  int externals = 0;
  FusedOp op[kMaxFusedInstructions] = {};
  /// Operand references into the value file: externals first, then the
  /// instructions' results (unused operands read value 0).
  int8_t arg[kMaxFusedInstructions][kFusedArgs] = {};
  T param[kMaxFusedInstructions][kFusedParams] = {};
};

/// One element of a fused chain.
template <typename T> struct FusedMap {
  /// External k: a T tensor, or a bool one (held in T as 0 or 1).
  const void *external[kMaxFusedExternals];
  bool isBool[kMaxFusedExternals];
  T *out;
  FusedProgram<T> program;
  bool flat; // every external has the result's shape
  StridedIndexer<kMaxFusedExternals> index;

  PP_HD void operator()(int64_t i) const {
    int64_t offset[kMaxFusedExternals];
    if (flat) {
      for (int k = 0; k < kMaxFusedExternals; ++k)
        offset[k] = i;
    } else {
      index.offsets(i, offset);
    }
    T value[kMaxFusedValues];
    const int externals = program.externals;
    for (int k = 0; k < externals; ++k)
      value[k] = isBool[k]
                     ? T(static_cast<const bool *>(external[k])[offset[k]])
                     : static_cast<const T *>(external[k])[offset[k]];
    for (int j = 0; j < program.instructions; ++j)
      value[externals + j] = fusedApply(
          program.op[j], value[program.arg[j][0]], value[program.arg[j][1]],
          value[program.arg[j][2]], program.param[j][0], program.param[j][1]);
    out[i] = value[externals + program.instructions - 1];
  }
};

/// The program of the attributes, checked against the operands.
Status readProgram(const KernelSpec &spec, std::vector<FusedOp> &ops,
                   std::vector<int64_t> &args, std::vector<double> &params) {
  std::vector<int64_t> codes;
  if (Status s = spec.attrs.getInts("ops", codes))
    return s;
  if (Status s = spec.attrs.getInts("args", args))
    return s;
  if (!spec.attrs.has("params"))
    return spec.error("attribute 'params' is missing");
  const AttrValue &p = spec.attrs.all().at("params");
  if (const auto *floats = std::get_if<std::vector<double>>(&p))
    params = *floats;
  else
    return spec.error("attribute 'params' is not a list of floats");
  const int64_t n = int64_t(codes.size());
  const int64_t externals = int64_t(spec.inputs.size());
  if (n < 1 || n > kMaxFusedInstructions)
    return spec.error("a fused chain has 1 to " +
                      std::to_string(kMaxFusedInstructions) +
                      " instructions, got " + std::to_string(n));
  if (externals > kMaxFusedExternals)
    return spec.error("a fused chain reads at most " +
                      std::to_string(kMaxFusedExternals) +
                      " external operands, got " + std::to_string(externals));
  if (int64_t(args.size()) != n * kFusedArgs ||
      int64_t(params.size()) != n * kFusedParams)
    return spec.error("'args' and 'params' need " + std::to_string(kFusedArgs) +
                      " and " + std::to_string(kFusedParams) +
                      " entries per instruction");
  for (int64_t j = 0; j < n; ++j) {
    if (codes[size_t(j)] < 0 || codes[size_t(j)] >= int64_t(FusedOp::Count))
      return spec.error("instruction " + std::to_string(j) +
                        ": unknown op code " +
                        std::to_string(codes[size_t(j)]));
    FusedOp op = FusedOp(codes[size_t(j)]);
    ops.push_back(op);
    for (int k = 0; k < kFusedArgs; ++k) {
      int64_t ref = args[size_t(j * kFusedArgs + k)];
      std::string where = "instruction " + std::to_string(j) + " operand " +
                          std::to_string(k) + ": ";
      if (k >= fusedArity(op)) {
        if (ref != -1)
          return spec.error(where + "unused operands are -1");
        continue;
      }
      if (ref < 0 || ref >= externals + j)
        return spec.error(where + "reference " + std::to_string(ref) +
                          " is neither an external nor an earlier result");
      bool wantsBool = fusedOperandIsBool(op, k);
      bool isBool =
          ref < externals && spec.inputs[size_t(ref)].dtype == DType::Bool;
      if (wantsBool != isBool)
        return spec.error(where + (wantsBool ? "must be a bool external"
                                             : "must not be a bool"));
    }
  }
  return Status::ok();
}

Status makeFusedElementwise(const KernelSpec &spec, KernelFn &out) {
  if (spec.outputs.size() != 1)
    return spec.error("expected 1 result, got " +
                      std::to_string(spec.outputs.size()));
  const TensorType &result = spec.outputs[0];
  std::vector<FusedOp> ops;
  std::vector<int64_t> args;
  std::vector<double> params;
  if (Status s = readProgram(spec, ops, args, params))
    return s;
  const int externals = int(spec.inputs.size());
  std::vector<bool> isBool(size_t(externals), false);
  bool flat = true;
  std::array<std::vector<int64_t>, kMaxFusedExternals> strides;
  for (int k = 0; k < kMaxFusedExternals; ++k)
    strides[size_t(k)].assign(result.shape.size(), 0);
  for (int k = 0; k < externals; ++k) {
    const TensorType &in = spec.inputs[size_t(k)];
    isBool[size_t(k)] = in.dtype == DType::Bool;
    if (!isBool[size_t(k)] && in.dtype != result.dtype)
      return spec.error("external " + std::to_string(k) + " " + in.str() +
                        " is not of the result's element type " + result.str());
    Shape shape;
    if (!cpu::broadcastShapes(in.shape, result.shape, shape) ||
        shape != result.shape)
      return spec.error("external " + std::to_string(k) + " " + in.str() +
                        " does not broadcast to the result " + result.str());
    flat = flat && in.shape == result.shape;
    strides[size_t(k)] = broadcastStrides(in.shape, result.shape);
  }
  StridedIndexer<kMaxFusedExternals> index;
  if (!flat && !makeIndexer<kMaxFusedExternals>(result.shape, strides, index))
    return spec.error(
        "the CUDA backend indexes at most " + std::to_string(kMaxRank) +
        " broadcast axes after merging, got result " + result.str());
  const int64_t n = result.numel();
  return dispatchType(
      FloatTypes{}, spec, "result", result.dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        FusedProgram<T> program;
        program.instructions = int(ops.size());
        program.externals = externals;
        for (size_t j = 0; j < ops.size(); ++j) {
          program.op[j] = ops[j];
          for (int k = 0; k < kFusedArgs; ++k) {
            int64_t ref = args[j * kFusedArgs + size_t(k)];
            program.arg[j][k] = int8_t(ref < 0 ? 0 : ref);
          }
          for (int k = 0; k < kFusedParams; ++k)
            program.param[j][k] = T(params[j * kFusedParams + size_t(k)]);
        }
        FusedMap<T> map{};
        map.program = program;
        map.flat = flat;
        map.index = index;
        for (int k = 0; k < externals; ++k)
          map.isBool[k] = isBool[size_t(k)];
        out = [map, externals, n](KernelContext &ctx, const Tensor *const *in,
                                  Tensor *const *res) {
          FusedMap<T> f = map;
          for (int k = 0; k < externals; ++k)
            f.external[k] = in[k]->raw();
          f.out = res[0]->data<T>();
          forEach(ctx, n, f);
        };
        return Status::ok();
      });
}

} // namespace

void registerFusedElementwiseKernels(KernelRegistry &registry) {
  registry.add("pp.fused_elementwise", Backend::CUDA, makeFusedElementwise);
}

} // namespace pp::rt::PP_DEVICE_NS
