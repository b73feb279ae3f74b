//===- ConvKernels.cu - Convolutions and their gradients on the device ----===//
//
// `nn.conv` (N-d, channels first, groups, dilations, pads, optional bias),
// `nn.conv_grad_input` and `nn.conv_grad_weight`, with the CPU backend's
// semantics (runtime/lib/cpu/ConvKernels.cpp) and preparation
// (kernels/ConvPlan.h): im2col into device scratch
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

#include "../kernels/ConvPlan.h"
#include "../kernels/MatMulPlan.h"
#include "../kernels/SlidingWindow.h"
#include "DeviceBlas.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "DeviceWindow.h"
#include "FloatKernel.h"

#include <algorithm>

namespace pp::rt::PP_DEVICE_NS {
namespace {

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

/// The shared plan (kernels/ConvPlan.h) and its window in device form.
struct ConvGeometry : kernels::ConvPlan {
  SlidingWindow w;

  /// Images per im2col chunk.
  template <typename T> int64_t chunk() const {
    size_t bytes = std::max<size_t>(size_t(colSize()) * sizeof(T), 1);
    return std::max<int64_t>(
        1, std::min<int64_t>(batch, int64_t(kColumnBudget / bytes)));
  }
};

/// The CUDA backend's limits beyond the shared checks: the window's rank,
/// and the batch and group counts of the strided-batched products.
Status convLimits(const KernelSpec &spec, const kernels::ConvPlan &g) {
  if (Status s = checkWindowRank(spec, g.window.rank(), "convolves"))
    return s;
  return kernels::checkBlasSizes(
      spec, {g.mg(), g.cgk(), g.window.outSize(), g.group, g.batch});
}

/// Plans convolution op `op`: the shared preparation and the device window.
Status planDeviceConv(const KernelSpec &spec, kernels::ConvOp op,
                      ConvGeometry &g) {
  if (Status s = kernels::planConv(spec, op, g, convLimits))
    return s;
  g.w = slidingWindow(g.window);
  return Status::ok();
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
  ConvGeometry g;
  if (Status s = planDeviceConv(spec, kernels::ConvOp::Forward, g))
    return s;
  const bool hasBias = g.hasBias;
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
  ConvGeometry g;
  if (Status s = planDeviceConv(spec, kernels::ConvOp::GradInput, g))
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
  ConvGeometry g;
  if (Status s = planDeviceConv(spec, kernels::ConvOp::GradWeight, g))
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
