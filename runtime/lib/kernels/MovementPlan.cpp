//===- MovementPlan.cpp - Preparation of the data movement ops ------------===//
//
// The checks and plans of the movement ops that the CPU and CUDA backends
// share (MovementPlan.h): every message a movement factory reports about
// its op's attributes and types is written here.
//
//===----------------------------------------------------------------------===//

#include "MovementPlan.h"

#include "../cpu/KernelChecks.h"
#include "HalfFloats.h"

#include <algorithm>
#include <cstring>

using namespace pp::rt;
using namespace pp::rt::kernels;

Status kernels::checkResultShape(const KernelSpec &spec,
                                 const Shape &expected) {
  return cpu::checkType(spec, "result", spec.outputs[0],
                        TensorType{spec.inputs[0].dtype, expected});
}

//===----------------------------------------------------------------------===//
// reshape, flatten, squeeze, unsqueeze
//===----------------------------------------------------------------------===//

namespace {

/// The result holds the operand's elements in the same order.
Status checkReinterpret(const KernelSpec &spec) {
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
  if (in.dtype != res.dtype || in.numel() != res.numel())
    return spec.error("cannot reinterpret " + in.str() + " as " + res.str());
  return Status::ok();
}

/// Reads `axes` as a mask over the axes of a tensor of rank `rank` (when
/// `inserting`, of that rank plus one axis per entry: unsqueeze's result);
/// the entries must be unique and in range.
Status readAxesMask(const KernelSpec &spec, size_t rank, bool inserting,
                    std::vector<bool> &mask) {
  std::vector<int64_t> axes;
  if (Status s = spec.attrs.getInts("axes", axes))
    return s;
  if (inserting)
    rank += axes.size();
  mask.assign(rank, false);
  for (int64_t a : axes) {
    if (a < 0 || a >= int64_t(rank) || mask[size_t(a)])
      return spec.error("axes must be unique and in [0, " +
                        std::to_string(rank) + ")");
    mask[size_t(a)] = true;
  }
  return Status::ok();
}

} // namespace

Status kernels::planReshape(const KernelSpec &spec) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  return checkReinterpret(spec);
}

Status kernels::planFlatten(const KernelSpec &spec) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (axis < 0 || axis > int64_t(in.size()))
    return spec.error("axis " + std::to_string(axis) +
                      " is out of range for rank " + std::to_string(in.size()));
  if (Status s =
          checkResultShape(spec, {cpu::productOf(in, 0, size_t(axis)),
                                  cpu::productOf(in, size_t(axis), in.size())}))
    return s;
  return checkReinterpret(spec);
}

Status kernels::planSqueeze(const KernelSpec &spec) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const Shape &in = spec.inputs[0].shape;
  std::vector<bool> removed;
  if (Status s = readAxesMask(spec, in.size(), /*inserting=*/false, removed))
    return s;
  Shape expected;
  for (size_t d = 0; d < in.size(); ++d) {
    if (removed[d] && in[d] != 1)
      return spec.error("cannot squeeze axis " + std::to_string(d) +
                        " of size " + std::to_string(in[d]));
    if (!removed[d])
      expected.push_back(in[d]);
  }
  if (Status s = checkResultShape(spec, expected))
    return s;
  return checkReinterpret(spec);
}

Status kernels::planUnsqueeze(const KernelSpec &spec) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const Shape &in = spec.inputs[0].shape;
  std::vector<bool> inserted;
  if (Status s = readAxesMask(spec, in.size(), /*inserting=*/true, inserted))
    return s;
  Shape expected;
  for (size_t d = 0, next = 0; d < inserted.size(); ++d)
    expected.push_back(inserted[d] ? 1 : in[next++]);
  if (Status s = checkResultShape(spec, expected))
    return s;
  return checkReinterpret(spec);
}

//===----------------------------------------------------------------------===//
// transpose, expand
//===----------------------------------------------------------------------===//

Status kernels::planTranspose(const KernelSpec &spec, TransposePlan &p) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  std::vector<int64_t> perm;
  if (Status s = spec.attrs.getInts("perm", perm))
    return s;
  const Shape &in = spec.inputs[0].shape;
  size_t rank = in.size();
  if (perm.size() != rank)
    return spec.error("perm has " + std::to_string(perm.size()) +
                      " entries for rank " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  for (int64_t q : perm) {
    if (q < 0 || q >= int64_t(rank) || seen[size_t(q)])
      return spec.error("perm is not a permutation of [0, " +
                        std::to_string(rank) + ")");
    seen[size_t(q)] = true;
  }
  std::vector<int64_t> inStrides = cpu::stridesOf(in);
  p.shape.clear();
  p.readStrides.clear();
  for (int64_t q : perm) {
    p.shape.push_back(in[size_t(q)]);
    p.readStrides.push_back(inStrides[size_t(q)]);
  }
  return checkResultShape(spec, p.shape);
}

Status kernels::planExpand(const KernelSpec &spec) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
  if (in.dtype != res.dtype || !cpu::broadcastsTo(in.shape, res.shape))
    return spec.error("cannot expand " + in.str() + " to " + res.str());
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// gather, gather_grad
//===----------------------------------------------------------------------===//

Status kernels::planGather(const KernelSpec &spec, bool grad, GatherPlan &g) {
  if (Status s = cpu::checkArity(spec, 2, 1))
    return s;
  const TensorType &data = grad ? spec.outputs[0] : spec.inputs[0];
  const TensorType &indices = spec.inputs[1];
  const TensorType &gathered = grad ? spec.inputs[0] : spec.outputs[0];
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (Status s = cpu::checkAxis(spec, axis, int64_t(data.shape.size())))
    return s;
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  if (Status s = cpu::checkType(spec, grad ? "dy" : "result", gathered,
                                TensorType{data.dtype, shape}))
    return s;
  static_cast<cpu::AxisLayout &>(g) = cpu::layoutAround(data.shape, axis);
  g.count = indices.numel();
  return Status::ok();
}

Status kernels::readPaddingIndex(const KernelSpec &spec, GatherPlan &g) {
  if (!spec.attrs.has("padding_index"))
    return Status::ok();
  if (Status s = spec.attrs.getInt("padding_index", g.paddingIndex))
    return s;
  if (g.paddingIndex < 0 || g.paddingIndex >= g.n)
    return spec.error("padding_index " + std::to_string(g.paddingIndex) +
                      " is outside the axis of size " + std::to_string(g.n));
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// slice, slice_grad
//===----------------------------------------------------------------------===//

Status kernels::planSlice(const KernelSpec &spec, bool grad, SlicePlan &p) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const Shape &full = grad ? spec.outputs[0].shape : spec.inputs[0].shape;
  std::vector<int64_t> starts, ends, steps;
  if (Status s = spec.attrs.getInts("starts", starts))
    return s;
  if (Status s = spec.attrs.getInts("ends", ends))
    return s;
  if (Status s = spec.attrs.getInts("steps", steps))
    return s;
  size_t rank = full.size();
  if (starts.size() != rank || ends.size() != rank || steps.size() != rank)
    return spec.error("starts, ends and steps need one entry per axis (" +
                      std::to_string(rank) + ")");
  std::vector<int64_t> strides = cpu::stridesOf(full);
  p.view.assign(rank, 0);
  p.sliced.assign(rank, 0);
  p.base = 0;
  for (size_t d = 0; d < rank; ++d) {
    int64_t dim = full[d], start = starts[d], end = ends[d], step = steps[d];
    bool clamped =
        step > 0
            ? start >= 0 && start <= dim && end >= 0 && end <= dim
            : step < 0 && start >= -1 && start < dim && end >= -1 && end < dim;
    if (!clamped)
      return spec.error("slice " + std::to_string(start) + ":" +
                        std::to_string(end) + ":" + std::to_string(step) +
                        " of axis " + std::to_string(d) +
                        " is not clamped to its size " + std::to_string(dim));
    int64_t count = step > 0 ? (end - start + step - 1) / step
                             : (start - end - step - 1) / -step;
    p.sliced[d] = std::max<int64_t>(count, 0);
    p.base += start * strides[d];
    p.view[d] = step * strides[d];
  }
  if (numElements(p.sliced) == 0)
    p.base = 0; // nothing is read; `start` may lie past the end
  if (grad)
    return cpu::checkType(spec, "dy", spec.inputs[0],
                          TensorType{spec.outputs[0].dtype, p.sliced});
  return checkResultShape(spec, p.sliced);
}

//===----------------------------------------------------------------------===//
// concat, split
//===----------------------------------------------------------------------===//

namespace {

/// Checks that `parts` concatenate along `axis` into `whole`.
Status planPieces(const KernelSpec &spec, const std::vector<TensorType> &parts,
                  const char *partName, const TensorType &whole, int64_t axis,
                  Pieces &p) {
  size_t rank = whole.shape.size();
  if (Status s = cpu::checkAxis(spec, axis, int64_t(rank)))
    return s;
  int64_t inner = cpu::productOf(whole.shape, size_t(axis) + 1, rank);
  int64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const TensorType &t = parts[i];
    Shape expected = whole.shape;
    expected[size_t(axis)] = t.shape.size() == rank ? t.shape[size_t(axis)] : 0;
    if (t.dtype != whole.dtype || t.shape != expected)
      return spec.error(std::string(partName) + " " + std::to_string(i) + " " +
                        t.str() + " does not match " + whole.str() +
                        " outside axis " + std::to_string(axis));
    p.offsets.push_back(total * inner);
    p.chunks.push_back(t.shape[size_t(axis)] * inner);
    total += t.shape[size_t(axis)];
  }
  if (total != whole.shape[size_t(axis)])
    return spec.error(std::string(partName) + "s add up to " +
                      std::to_string(total) + " along axis " +
                      std::to_string(axis) + ", expected " +
                      std::to_string(whole.shape[size_t(axis)]));
  p.outer = cpu::productOf(whole.shape, 0, size_t(axis));
  p.wholeChunk = total * inner;
  p.elementSize = dtypeSize(whole.dtype);
  return Status::ok();
}

} // namespace

Status kernels::planConcat(const KernelSpec &spec, Pieces &p) {
  if (spec.inputs.empty() || spec.outputs.size() != 1)
    return spec.error("expected at least 1 operand and 1 result");
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  return planPieces(spec, spec.inputs, "operand", spec.outputs[0], axis, p);
}

Status kernels::planSplit(const KernelSpec &spec, Pieces &p) {
  if (spec.inputs.size() != 1 || spec.outputs.empty())
    return spec.error("expected 1 operand and at least 1 result");
  int64_t axis;
  std::vector<int64_t> sizes;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (Status s = spec.attrs.getInts("sizes", sizes))
    return s;
  if (sizes.size() != spec.outputs.size())
    return spec.error("sizes has " + std::to_string(sizes.size()) +
                      " entries for " + std::to_string(spec.outputs.size()) +
                      " results");
  if (Status s =
          planPieces(spec, spec.outputs, "result", spec.inputs[0], axis, p))
    return s;
  for (size_t i = 0; i < sizes.size(); ++i)
    if (spec.outputs[i].shape[size_t(axis)] != sizes[i])
      return spec.error("result " + std::to_string(i) + " " +
                        spec.outputs[i].str() + " does not have size " +
                        std::to_string(sizes[i]) + " along axis " +
                        std::to_string(axis));
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// pad, pad_grad, tile
//===----------------------------------------------------------------------===//

Status kernels::planPad(const KernelSpec &spec, bool grad, PadPlan &p,
                        PadRankCheck checkRank) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  double value = 0.0;
  if (!grad)
    if (Status s = spec.attrs.getFloat("value", value, 0.0))
      return s;
  p.operand = grad ? spec.outputs[0].shape : spec.inputs[0].shape;
  if (Status s = spec.attrs.getInts("pads", p.pads))
    return s;
  if (Status s = spec.attrs.getString("mode", p.mode, "constant"))
    return s;
  const std::string &mode = p.mode;
  if (mode == "constant")
    p.modeNumber = kPadConstant;
  else if (mode == "reflect")
    p.modeNumber = kPadReflect;
  else if (mode == "edge")
    p.modeNumber = kPadEdge;
  else if (mode == "wrap")
    p.modeNumber = kPadWrap;
  else
    return spec.error("unknown mode \"" + mode +
                      "\" (expected constant, reflect, edge or wrap)");
  const Shape &operand = p.operand;
  const size_t rank = operand.size();
  if (p.pads.size() != 2 * rank)
    return spec.error("expected " + std::to_string(2 * rank) +
                      " pads for rank " + std::to_string(rank) + ", got " +
                      std::to_string(p.pads.size()));
  if (checkRank)
    if (Status s = checkRank(spec, rank))
      return s;
  p.padded.clear();
  p.kept.clear();
  for (size_t d = 0; d < rank; ++d) {
    int64_t begin = p.begin(d), end = p.end(d);
    int64_t kept =
        operand[d] - std::max<int64_t>(-begin, 0) - std::max<int64_t>(-end, 0);
    if (kept < 0)
      return spec.error("pads " + std::to_string(begin) + " and " +
                        std::to_string(end) + " of axis " + std::to_string(d) +
                        " remove more than its " + std::to_string(operand[d]) +
                        " elements");
    if (mode != "constant" && kept == 0 && (begin > 0 || end > 0))
      return spec.error("cannot pad axis " + std::to_string(d) + " in mode " +
                        mode + ": it has no elements to copy");
    p.padded.push_back(operand[d] + begin + end);
    p.kept.push_back(kept);
  }
  if (grad)
    return cpu::checkType(spec, "dy", spec.inputs[0],
                          TensorType{spec.outputs[0].dtype, p.padded});
  if (Status s = checkResultShape(spec, p.padded))
    return s;
  p.fillBits = elementBits(spec.inputs[0].dtype, value);
  return Status::ok();
}

uint64_t kernels::elementBits(DType dtype, double value) {
  uint64_t bits = 0;
  auto store = [&](auto v) { std::memcpy(&bits, &v, sizeof v); };
  switch (dtype) {
  case DType::F32:
    store(float(value));
    break;
  case DType::F64:
    store(value);
    break;
  case DType::F16:
    store(narrowToFloat16(value).bits);
    break;
  case DType::BF16:
    store(narrowToBFloat16(value).bits);
    break;
  case DType::Bool:
    store(uint8_t(value != 0));
    break;
  case DType::I8:
    store(int8_t(value));
    break;
  case DType::U8:
    store(uint8_t(value));
    break;
  case DType::I16:
    store(int16_t(value));
    break;
  case DType::U16:
    store(uint16_t(value));
    break;
  case DType::I32:
    store(int32_t(value));
    break;
  case DType::U32:
    store(uint32_t(value));
    break;
  case DType::I64:
    store(int64_t(value));
    break;
  case DType::U64:
    store(uint64_t(value));
    break;
  }
  return bits;
}

Status kernels::planTile(const KernelSpec &spec, Shape &tiled) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  std::vector<int64_t> repeats;
  if (Status s = spec.attrs.getInts("repeats", repeats))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (repeats.size() != in.size())
    return spec.error("repeats has " + std::to_string(repeats.size()) +
                      " entries for rank " + std::to_string(in.size()));
  tiled.clear();
  for (size_t d = 0; d < in.size(); ++d) {
    if (repeats[d] < 0)
      return spec.error("repeats must not be negative");
    tiled.push_back(in[d] * repeats[d]);
  }
  return checkResultShape(spec, tiled);
}

//===----------------------------------------------------------------------===//
// trilu
//===----------------------------------------------------------------------===//

Status kernels::planTrilu(const KernelSpec &spec, TriluPlan &p) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  int64_t upper, k;
  if (Status s = spec.attrs.getInt("upper", upper, 1))
    return s;
  if (Status s = spec.attrs.getInt("k", k, 0))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (in.size() < 2)
    return spec.error("expected rank >= 2 (matrices on the last two axes), "
                      "got " +
                      spec.inputs[0].str());
  if (Status s = checkResultShape(spec, in))
    return s;
  p.upper = upper != 0;
  p.rows = in[in.size() - 2];
  p.cols = in.back();
  p.matrices = cpu::productOf(in, 0, in.size() - 2);
  p.k = std::clamp<int64_t>(k, -p.rows - 1, p.cols + 1);
  return Status::ok();
}
