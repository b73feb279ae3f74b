//===- ConvKernels.cu - Convolutions and their gradients on the device ----===//
//
// `nn.conv` (N-d, channels first, groups, dilations, pads, optional bias),
// `nn.conv_grad_input` and `nn.conv_grad_weight`, with the CPU backend's
// semantics (runtime/lib/cpu/ConvKernels.cpp): im2col into device scratch
// and one GEMM per group, the groups one strided-batched cuBLAS call:
//
//   forward       y_g (Mg x P)      = W_g (Mg x CgK) * col_g (CgK x P)
//   grad input    dcol_g (CgK x P)  = W_g^T * dy_g, then col2im into dx
//   grad weight   dW_g (Mg x CgK)  += dy_g * col_g^T, image after image
//
// Images are laid out by im2col a chunk at a time (as many as fit
// kColumnBudget bytes of scratch, at least one), one thread per column
// element. col2im is one thread per input element summing the column
// entries that read it, kernel positions in order: no atomics, so the
// input gradient repeats bit for bit. The weight gradient accumulates the
// images in order on the stream, also deterministic. A pointwise
// convolution (1x..x1 kernel, unit strides, no pads) reads the image as
// its own column matrix.
//
//===----------------------------------------------------------------------===//

#include "../cpu/KernelChecks.h"
#include "../cpu/Window.h"
#include "../kernels/SlidingWindow.h"
#include "DeviceBlas.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"

#include <algorithm>
#include <climits>

namespace pp::rt::PP_DEVICE_NS {
namespace {

/// The factory `F32` or `F64` by the first operand's element type; the
/// CUDA backend computes these ops in f32 and f64 only.
template <KernelFactory F32, KernelFactory F64>
Status floatKernel(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.empty())
    return spec.error("expected operands, got none");
  switch (spec.inputs[0].dtype) {
  case DType::F32:
    return F32(spec, out);
  case DType::F64:
    return F64(spec, out);
  default:
    return spec.error(std::string("the CUDA backend supports f32 and f64, "
                                  "got ") +
                      dtypeName(spec.inputs[0].dtype));
  }
}

using kernels::kMaxWindowRank;
using kernels::SlidingWindow;

/// The scratch the column matrices of a chunk of images may take. The
/// device emulation takes a tiny budget so that its tests run the chunking
/// (several images per chunk, several chunks) on small images.
#if defined(__CUDACC__)
constexpr size_t kColumnBudget = size_t(256) << 20;
#else
constexpr size_t kColumnBudget = size_t(2) << 10;
#endif

struct ConvGeometry {
  SlidingWindow w;
  int64_t batch = 0, inChannels = 0, outChannels = 0, group = 1;
  bool pointwise = false;

  int64_t cg() const { return inChannels / group; }
  int64_t mg() const { return outChannels / group; }
  int64_t cgk() const { return cg() * w.kernelSize; }
  int64_t inImage() const { return inChannels * w.inSize; }
  int64_t outImage() const { return outChannels * w.outSize; }
  int64_t colSize() const { return inChannels * w.kernelSize * w.outSize; }
  /// Images per im2col chunk.
  template <typename T> int64_t chunk() const {
    size_t bytes = std::max<size_t>(size_t(colSize()) * sizeof(T), 1);
    return std::max<int64_t>(
        1, std::min<int64_t>(batch, int64_t(kColumnBudget / bytes)));
  }
};

Status checkBlasSizes(const KernelSpec &spec,
                      std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (s > INT_MAX)
      return spec.error("matrix dimension " + std::to_string(s) +
                        " exceeds the BLAS limit of " +
                        std::to_string(INT_MAX));
  return Status::ok();
}

/// Reads the attributes and checks the shapes of a convolution whose input,
/// weight and output shapes are given.
Status readConv(const KernelSpec &spec, const Shape &input, const Shape &weight,
                const Shape &output, ConvGeometry &g) {
  if (input.size() < 3 || weight.size() != input.size())
    return spec.error("input " + formatShape(input) + " and weight " +
                      formatShape(weight) + " must both be N x C x spatial...");
  if (Status s = spec.attrs.getInt("group", g.group))
    return s;
  g.batch = input[0];
  g.inChannels = input[1];
  g.outChannels = weight[0];
  if (g.group < 1 || weight[1] * g.group != g.inChannels ||
      g.outChannels % g.group != 0)
    return spec.error("input channels " + std::to_string(g.inChannels) +
                      " do not match weight " + formatShape(weight) +
                      " with group " + std::to_string(g.group));
  Shape inSpatial(input.begin() + 2, input.end());
  Shape kernel(weight.begin() + 2, weight.end());
  cpu::Window w;
  if (Status s = cpu::readWindow(spec, inSpatial, kernel, false, w))
    return s;
  Shape expected{g.batch, g.outChannels};
  expected.insert(expected.end(), w.out.begin(), w.out.end());
  if (Status s =
          cpu::checkShape(spec, "the convolution's output", output, expected))
    return s;
  if (w.rank() > size_t(kMaxWindowRank))
    return spec.error("the CUDA backend convolves over at most " +
                      std::to_string(kMaxWindowRank) + " spatial axes, got " +
                      std::to_string(w.rank()));
  g.w = SlidingWindow();
  g.w.rank = int(w.rank());
  g.pointwise = true;
  for (size_t d = 0; d < w.rank(); ++d) {
    g.w.in[d] = w.in[d];
    g.w.out[d] = w.out[d];
    g.w.kernel[d] = w.kernel[d];
    g.w.stride[d] = w.strides[d];
    g.w.padBegin[d] = w.padBegin[d];
    g.w.padEnd[d] = w.padEnd[d];
    g.w.dilation[d] = w.dilations[d];
    g.pointwise &= w.kernel[d] == 1 && w.strides[d] == 1 &&
                   w.padBegin[d] == 0 && w.padEnd[d] == 0;
  }
  g.w.inSize = w.inSize();
  g.w.outSize = w.outSize();
  g.w.kernelSize = w.kernelSize();
  return checkBlasSizes(spec, {g.mg(), g.cgk(), w.outSize(), g.group, g.batch});
}

/// The columns of `images` consecutive images: col[img][c * K + kk][p] =
/// the input element that output position p reads at kernel position kk
/// of channel c, zero in the padding.
template <typename T> struct Im2ColFn {
  const T *x;
  T *col;
  SlidingWindow w;
  int64_t channels;
  PP_HD void operator()(int64_t idx) const {
    int64_t p = idx % w.outSize, rest = idx / w.outSize;
    int64_t kk = rest % w.kernelSize;
    rest /= w.kernelSize;
    int64_t c = rest % channels, img = rest / channels;
    int64_t o[kMaxWindowRank], k[kMaxWindowRank];
    w.coordinates(p, w.out, o);
    w.coordinates(kk, w.kernel, k);
    bool inside = true;
    int64_t offset = 0;
    for (int d = 0; d < w.rank; ++d) {
      int64_t i = w.inputAt(d, o[d], k[d]);
      inside = inside && i >= 0 && i < w.in[d];
      offset = offset * w.in[d] + i;
    }
    col[idx] = inside ? x[(img * channels + c) * w.inSize + offset] : T(0);
  }
};

/// dx[c][q] = the sum of the column entries that read input element q of
/// channel c, kernel positions in ascending order (col2im, as a gather);
/// c runs over the channels of consecutive images, whose columns follow
/// one another.
template <typename T> struct Col2ImFn {
  const T *col;
  T *dx;
  SlidingWindow w;
  PP_HD void operator()(int64_t idx) const {
    int64_t c = idx / w.inSize, qpos = idx - c * w.inSize;
    int64_t q[kMaxWindowRank], k[kMaxWindowRank] = {}, o[kMaxWindowRank];
    w.coordinates(qpos, w.in, q);
    const T *cc = col + c * w.kernelSize * w.outSize;
    T acc = T(0);
    for (int64_t kk = 0; kk < w.kernelSize; ++kk) {
      bool valid = true;
      for (int d = 0; d < w.rank && valid; ++d) {
        int64_t t = q[d] + w.padBegin[d] - k[d] * w.dilation[d];
        valid = t >= 0 && t % w.stride[d] == 0 && t / w.stride[d] < w.out[d];
        o[d] = valid ? t / w.stride[d] : 0;
      }
      if (valid)
        acc += cc[kk * w.outSize + w.position(o, w.out)];
      for (int d = w.rank - 1; d >= 0; --d) {
        if (++k[d] < w.kernel[d])
          break;
        k[d] = 0;
      }
    }
    dx[idx] = acc;
  }
};

/// y[n][m][p] = bias[m].
template <typename T> struct BiasFillFn {
  const T *bias;
  T *y;
  int64_t channels, size;
  PP_HD void operator()(int64_t idx) const {
    y[idx] = bias[(idx / size) % channels];
  }
};

/// The column matrices of images [first, first + count) of x: x itself for
/// a pointwise convolution, else laid out in scratch slot 0.
template <typename T>
const T *columnsOf(KernelContext &ctx, const ConvGeometry &g, const T *x,
                   int64_t first, int64_t count) {
  if (g.pointwise)
    return x + first * g.inImage();
  T *col = static_cast<T *>(
      ctx.scratch(0, size_t(g.chunk<T>() * g.colSize()) * sizeof(T)));
  forEach(ctx, count * g.colSize(),
          Im2ColFn<T>{x + first * g.inImage(), col, g.w, g.inChannels});
  return col;
}

/// A matrix operand of per-image, per-group products: matrix (image i,
/// group g) starts at data + i * image + g * group.
template <typename T> struct Matrices {
  T *data;
  int64_t ld, image, group;
};

/// C_ig = alpha * op(A_ig) * op(B_ig) + beta * C_ig for `images` images and
/// `groups` groups: strided-batched calls over whichever of the two is
/// larger, one call per index of the other. Every C_ig is one product, so
/// the split changes no result.
template <typename T>
void gemmImagesAndGroups(KernelContext &ctx, bool transA, bool transB,
                         int64_t m, int64_t n, int64_t k, Matrices<const T> a,
                         Matrices<const T> b, T beta, Matrices<T> c,
                         int64_t images, int64_t groups) {
  if (images > groups) {
    for (int64_t g = 0; g < groups; ++g)
      gemm<T>(ctx, transA, transB, m, n, k, T(1), a.data + g * a.group, a.ld,
              a.image, b.data + g * b.group, b.ld, b.image, beta,
              c.data + g * c.group, c.ld, c.image, images);
    return;
  }
  for (int64_t i = 0; i < images; ++i)
    gemm<T>(ctx, transA, transB, m, n, k, T(1), a.data + i * a.image, a.ld,
            a.group, b.data + i * b.image, b.ld, b.group, beta,
            c.data + i * c.image, c.ld, c.group, groups);
}

template <typename T> Status makeConv(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 2, 3, 1))
    return s;
  ConvGeometry g;
  if (Status s = readConv(spec, spec.inputs[0].shape, spec.inputs[1].shape,
                          spec.outputs[0].shape, g))
    return s;
  bool hasBias = spec.inputs.size() == 3;
  if (hasBias)
    if (Status s = cpu::checkShape(spec, "bias", spec.inputs[2].shape,
                                   {g.outChannels}))
      return s;
  out = [g, hasBias](KernelContext &ctx, const Tensor *const *inputs,
                     Tensor *const *outputs) {
    const T *x = inputs[0]->data<T>(), *weight = inputs[1]->data<T>();
    T *y = outputs[0]->data<T>();
    const int64_t p = g.w.outSize, mg = g.mg(), cgk = g.cgk();
    if (hasBias)
      forEach(ctx, g.batch * g.outImage(),
              BiasFillFn<T>{inputs[2]->data<T>(), y, g.outChannels, p});
    if (cgk == 0) {
      if (!hasBias)
        zeroBytes(ctx, y, size_t(g.batch * g.outImage()) * sizeof(T));
      return;
    }
    const int64_t chunk = g.chunk<T>();
    for (int64_t first = 0; first < g.batch; first += chunk) {
      int64_t count = std::min(chunk, g.batch - first);
      const T *col = columnsOf(ctx, g, x, first, count);
      const int64_t colImage = g.pointwise ? g.inImage() : g.colSize();
      gemmImagesAndGroups<T>(
          ctx, false, false, mg, p, cgk, {weight, cgk, 0, mg * cgk},
          {col, p, colImage, cgk * p}, T(hasBias ? 1 : 0),
          {y + first * g.outImage(), p, g.outImage(), mg * p}, count, g.group);
    }
  };
  return Status::ok();
}

template <typename T>
Status makeConvGradInput(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 2, 2, 1))
    return s;
  ConvGeometry g;
  if (Status s = readConv(spec, spec.outputs[0].shape, spec.inputs[1].shape,
                          spec.inputs[0].shape, g))
    return s;
  out = [g](KernelContext &ctx, const Tensor *const *inputs,
            Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>(), *weight = inputs[1]->data<T>();
    T *dx = outputs[0]->data<T>();
    const int64_t p = g.w.outSize, mg = g.mg(), cgk = g.cgk();
    if (p == 0 || mg == 0) {
      // No output position reads the input (or no channel writes it).
      zeroBytes(ctx, dx, size_t(g.batch * g.inImage()) * sizeof(T));
      return;
    }
    // Each chunk of images: its column gradients (in place for a pointwise
    // convolution), then col2im over all of its images at once.
    const int64_t chunk = g.chunk<T>();
    T *col = g.pointwise ? nullptr
                         : static_cast<T *>(ctx.scratch(
                               0, size_t(chunk * g.colSize()) * sizeof(T)));
    for (int64_t first = 0; first < g.batch; first += chunk) {
      int64_t count = std::min(chunk, g.batch - first);
      T *images = dx + first * g.inImage();
      T *target = g.pointwise ? images : col;
      const int64_t colImage = g.pointwise ? g.inImage() : g.colSize();
      gemmImagesAndGroups<T>(
          ctx, true, false, cgk, p, mg, {weight, cgk, 0, mg * cgk},
          {dy + first * g.outImage(), p, g.outImage(), mg * p}, T(0),
          {target, p, colImage, cgk * p}, count, g.group);
      if (!g.pointwise)
        forEach(ctx, count * g.inImage(), Col2ImFn<T>{col, images, g.w});
    }
  };
  return Status::ok();
}

template <typename T>
Status makeConvGradWeight(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 2, 2, 1))
    return s;
  ConvGeometry g;
  if (Status s = readConv(spec, spec.inputs[1].shape, spec.outputs[0].shape,
                          spec.inputs[0].shape, g))
    return s;
  out = [g](KernelContext &ctx, const Tensor *const *inputs,
            Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>();
    T *dw = outputs[0]->data<T>();
    const int64_t p = g.w.outSize, mg = g.mg(), cgk = g.cgk();
    if (g.batch == 0 || p == 0) {
      zeroBytes(ctx, dw, size_t(g.outChannels * cgk) * sizeof(T));
      return;
    }
    const int64_t chunk = g.chunk<T>();
    for (int64_t first = 0; first < g.batch; first += chunk) {
      int64_t count = std::min(chunk, g.batch - first);
      const T *col = columnsOf(ctx, g, x, first, count);
      const int64_t colImage = g.pointwise ? g.inImage() : g.colSize();
      for (int64_t n = 0; n < count; ++n)
        gemm<T>(ctx, false, true, mg, cgk, p, T(1),
                dy + (first + n) * g.outImage(), p, mg * p, col + n * colImage,
                p, cgk * p, T(first + n == 0 ? 0 : 1), dw, cgk, mg * cgk,
                g.group);
    }
  };
  return Status::ok();
}

} // namespace

void registerConvKernels(KernelRegistry &registry) {
  registry.add("nn.conv", Backend::CUDA,
               floatKernel<makeConv<float>, makeConv<double>>);
  registry.add(
      "nn.conv_grad_input", Backend::CUDA,
      floatKernel<makeConvGradInput<float>, makeConvGradInput<double>>);
  registry.add(
      "nn.conv_grad_weight", Backend::CUDA,
      floatKernel<makeConvGradWeight<float>, makeConvGradWeight<double>>);
}

} // namespace pp::rt::PP_DEVICE_NS
