//===- MovementPlan.h - Preparation of the data movement ops ----*- C++ -*-===//
//
// What the CPU and CUDA backends' movement factories (reshape, flatten,
// squeeze, unsqueeze, transpose, expand, gather, slice, concat, split, pad,
// tile, trilu and the gradients) compute alike before they build their
// closures: the attributes they read, the checks and their messages, and
// the shapes, strides and offsets of the plan. Each backend then turns the
// plan into its own loops (CPU) or device kernels (CUDA). Host code only,
// run once per kernel preparation.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_MOVEMENTPLAN_H
#define PP_RUNTIME_KERNELS_MOVEMENTPLAN_H

#include "../cpu/ShapeIndexing.h"
#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::rt::kernels {

/// An error unless the one result has operand 0's element type and shape
/// `expected`.
Status checkResultShape(const KernelSpec &spec, const Shape &expected);

/// reshape, flatten, squeeze and unsqueeze: their checks (arity, attributes,
/// the result's shape); the result then holds the operand's elements in the
/// same order, a copy of the buffer.
Status planReshape(const KernelSpec &spec);
Status planFlatten(const KernelSpec &spec);
Status planSqueeze(const KernelSpec &spec);
Status planUnsqueeze(const KernelSpec &spec);

/// transpose: the result's shape and, per result axis, the stride with
/// which it reads the (contiguous) operand.
struct TransposePlan {
  Shape shape;
  std::vector<int64_t> readStrides;
};
Status planTranspose(const KernelSpec &spec, TransposePlan &p);

/// expand: checks that the operand broadcasts to the result.
Status planExpand(const KernelSpec &spec);

/// gather and gather_grad: the data (ddata for the gradient) seen as
/// [outer, n, inner] around `axis`, `count` indices.
struct GatherPlan : cpu::AxisLayout {
  int64_t count = 0;
  /// gather_grad: the position whose lookups pass no gradient, or -1.
  int64_t paddingIndex = -1;
};

/// Checks the arity (data or dy, and indices; one result) and the gathered
/// type (the result, or dy when `grad`) and reads `axis`. The element
/// types are the backends' to dispatch on.
Status planGather(const KernelSpec &spec, bool grad, GatherPlan &g);

/// gather_grad: reads the optional `padding_index`, which must lie on the
/// axis.
Status readPaddingIndex(const KernelSpec &spec, GatherPlan &g);

/// slice and slice_grad: the view the slice reads from the full tensor
/// (the operand, or dx when `grad`): the offset of its first element (0
/// when it is empty: `start` may then lie past the end), its shape and, per
/// axis, its stride in the full tensor. Checks the result (or dy).
struct SlicePlan {
  Shape sliced;
  int64_t base = 0;
  std::vector<int64_t> view;
};
Status planSlice(const KernelSpec &spec, bool grad, SlicePlan &p);

/// concat and split: the pieces of a concatenation along an axis of the
/// whole, each `outer` chunks of `chunks[i]` elements, at `offsets[i]` in
/// every chunk of `wholeChunk` elements of the whole.
struct Pieces {
  int64_t outer = 1;
  std::vector<int64_t> chunks;  // elements per chunk of each piece
  std::vector<int64_t> offsets; // where each piece's chunk starts in whole's
  int64_t wholeChunk = 0;
  size_t elementSize = 0; // bytes
};
Status planConcat(const KernelSpec &spec, Pieces &p);
Status planSplit(const KernelSpec &spec, Pieces &p);

/// pad's modes (the `mode` attribute).
enum PadMode : int { kPadConstant, kPadReflect, kPadEdge, kPadWrap };

/// pad and pad_grad: `pads` (begins, then ends) for an operand of
/// `operand` (dx for the gradient) of rank r, `mode`, the padded shape and
/// the operand elements each axis keeps after cropping; for pad, `fillBits`
/// holds `value` converted to the element type (elementBits).
struct PadPlan {
  Shape operand, padded;
  std::vector<int64_t> pads, kept;
  std::string mode;
  PadMode modeNumber = kPadConstant;
  uint64_t fillBits = 0;

  int64_t begin(size_t d) const { return pads[d]; }
  int64_t end(size_t d) const { return pads[d + operand.size()]; }
};

/// A backend's own check of the rank of a padded operand (the CUDA
/// backend's kMaxRank), run once `pads` is read, before the axes are.
using PadRankCheck = Status (*)(const KernelSpec &spec, size_t rank);

/// Checks pad (`grad` false: its result) or pad_grad (dy) and plans it.
Status planPad(const KernelSpec &spec, bool grad, PadPlan &p,
               PadRankCheck checkRank = nullptr);

/// `value` converted to `dtype` (as a cast would), as the bits of one
/// element in the low bytes.
uint64_t elementBits(DType dtype, double value);

/// tile: checks `repeats` and the result; gives the tiled shape.
Status planTile(const KernelSpec &spec, Shape &tiled);

/// trilu: a batch of `matrices` of rows x cols; keeps j - i >= k (`upper`)
/// or j - i <= k, with k clamped to [-rows - 1, cols + 1] (beyond, every k
/// keeps everything or nothing, and i + k cannot overflow).
struct TriluPlan {
  bool upper = true;
  int64_t k = 0, rows = 0, cols = 0, matrices = 0;
};
Status planTrilu(const KernelSpec &spec, TriluPlan &p);

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_MOVEMENTPLAN_H
