//===- ConvKernels.cpp - Convolutions and their gradients on the CPU ------===//
//
// `nn.conv` (N-d, channels first, groups, dilations, pads, optional bias),
// `nn.conv_grad_input` and `nn.conv_grad_weight`. Each image is laid out by
// im2col once (a kernel of ones with unit strides and no pads reads the
// image directly) and every group is one BLAS product:
//
//   forward       y_g (Mg x P)      = W_g (Mg x CgK) * col_g (CgK x P)
//   grad input    dcol_g (CgK x P)  = W_g^T * dy_g, then col2im into dx
//   grad weight   dW_g (Mg x CgK)  += dy_g * col_g^T, summed over images
//
// The column matrix of one image is the context's scratch slot 0; a
// pointwise convolution needs none. The checks and the geometry are the
// preparation both backends share (kernels/ConvPlan.h).
//
//===----------------------------------------------------------------------===//

#include "../kernels/ConvPlan.h"
#include "Blas.h"
#include "CpuKernels.h"
#include "Im2Col.h"
#include "TypeDispatch.h"

#include <algorithm>

namespace pp::rt::cpu {
namespace {

/// One row-major `rows` x `cols` matrix per group, each group's following
/// the previous one's.
template <typename T> struct GroupMatrices {
  const T *data;
  int64_t rows, cols;
};

/// For every group: c_g = op(a_g) * op(b_g) + beta * c_g, where op
/// transposes when asked; c's matrices follow one another too. The three
/// convolution kernels are each one such call per image.
template <typename T>
void gemmPerGroup(int64_t groups, GroupMatrices<T> a, bool transA,
                  GroupMatrices<T> b, bool transB, T beta, T *c) {
  const int64_t m = transA ? a.cols : a.rows, k = transA ? a.rows : a.cols;
  const int64_t n = transB ? b.rows : b.cols;
  for (int64_t grp = 0; grp < groups; ++grp)
    blas::gemm(transA, transB, m, n, k, T(1), a.data + grp * a.rows * a.cols,
               a.cols, b.data + grp * b.rows * b.cols, b.cols, beta,
               c + grp * m * n, n);
}

/// The shared plan (kernels/ConvPlan.h) and the group matrices of one
/// image it implies.
struct ConvGeometry : kernels::ConvPlan {
  /// The groups' weights (Mg x CgK), columns (CgK x P) and outputs (Mg x P)
  /// of one image.
  template <typename T> GroupMatrices<T> weights(const T *data) const {
    return {data, mg(), cgk()};
  }
  template <typename T> GroupMatrices<T> columns(const T *data) const {
    return {data, cgk(), window.outSize()};
  }
  template <typename T> GroupMatrices<T> outputs(const T *data) const {
    return {data, mg(), window.outSize()};
  }
};

/// The column matrix of an image, in the context's scratch slot 0 for the
/// duration of one call, except for a pointwise convolution, where the image
/// is its own.
template <typename T> class ColumnScratch {
public:
  ColumnScratch(KernelContext &ctx, const ConvGeometry &g)
      : g_(g), col_(g.pointwise ? nullptr
                                : static_cast<T *>(ctx.scratch(
                                      0, size_t(g.colSize()) * sizeof(T)))) {}

  /// The columns of `image` (im2col).
  const T *columnsOf(const T *image) {
    if (g_.pointwise)
      return image;
    im2col(g_.window, g_.inChannels, image, col_);
    return col_;
  }
  /// Where the gradient of `image`'s columns is to be written before
  /// foldColumns.
  T *gradientColumns(T *image) { return g_.pointwise ? image : col_; }
  /// Sets `image` to the sum of those columns (col2im); a pointwise
  /// convolution's gradient is already in place.
  void foldColumns(T *image) {
    if (g_.pointwise)
      return;
    std::fill(image, image + g_.inImage(), T(0));
    col2im(g_.window, g_.inChannels, col_, image);
  }

private:
  const ConvGeometry &g_;
  T *col_;
};

template <typename T> Status makeConv(const KernelSpec &spec, KernelFn &out) {
  ConvGeometry g;
  if (Status s = kernels::planConv(spec, kernels::ConvOp::Forward, g))
    return s;
  const bool hasBias = g.hasBias;
  out = [g, hasBias](KernelContext &ctx, const Tensor *const *inputs,
                     Tensor *const *outputs) {
    ColumnScratch<T> scratch(ctx, g);
    const T *x = inputs[0]->data<T>(), *weight = inputs[1]->data<T>();
    const T *bias = hasBias ? inputs[2]->data<T>() : nullptr;
    T *y = outputs[0]->data<T>();
    const int64_t p = g.window.outSize();
    for (int64_t n = 0; n < g.batch; ++n) {
      const T *columns = scratch.columnsOf(x + n * g.inImage());
      T *result = y + n * g.outImage();
      if (hasBias)
        for (int64_t m = 0; m < g.outChannels; ++m)
          std::fill(result + m * p, result + (m + 1) * p, bias[m]);
      gemmPerGroup(g.group, g.weights(weight), false, g.columns(columns), false,
                   T(hasBias ? 1 : 0), result);
    }
  };
  return Status::ok();
}

template <typename T>
Status makeConvGradInput(const KernelSpec &spec, KernelFn &out) {
  ConvGeometry g;
  if (Status s = kernels::planConv(spec, kernels::ConvOp::GradInput, g))
    return s;
  out = [g](KernelContext &ctx, const Tensor *const *inputs,
            Tensor *const *outputs) {
    ColumnScratch<T> scratch(ctx, g);
    const T *dy = inputs[0]->data<T>(), *weight = inputs[1]->data<T>();
    T *dx = outputs[0]->data<T>();
    for (int64_t n = 0; n < g.batch; ++n) {
      T *image = dx + n * g.inImage();
      gemmPerGroup(g.group, g.weights(weight), true,
                   g.outputs(dy + n * g.outImage()), false, T(0),
                   scratch.gradientColumns(image));
      scratch.foldColumns(image);
    }
  };
  return Status::ok();
}

template <typename T>
Status makeConvGradWeight(const KernelSpec &spec, KernelFn &out) {
  ConvGeometry g;
  if (Status s = kernels::planConv(spec, kernels::ConvOp::GradWeight, g))
    return s;
  out = [g](KernelContext &ctx, const Tensor *const *inputs,
            Tensor *const *outputs) {
    ColumnScratch<T> scratch(ctx, g);
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>();
    T *dw = outputs[0]->data<T>();
    if (g.batch == 0)
      std::fill(dw, dw + g.outChannels * g.cgk(), T(0));
    for (int64_t n = 0; n < g.batch; ++n) {
      const T *columns = scratch.columnsOf(x + n * g.inImage());
      gemmPerGroup(g.group, g.outputs(dy + n * g.outImage()), false,
                   g.columns(columns), true, T(n == 0 ? 0 : 1), dw);
    }
  };
  return Status::ok();
}

} // namespace

void registerConvKernels(KernelRegistry &registry) {
  registry.add("nn.conv", Backend::CPU,
               floatKernel<makeConv<float>, makeConv<double>>);
  registry.add(
      "nn.conv_grad_input", Backend::CPU,
      floatKernel<makeConvGradInput<float>, makeConvGradInput<double>>);
  registry.add(
      "nn.conv_grad_weight", Backend::CPU,
      floatKernel<makeConvGradWeight<float>, makeConvGradWeight<double>>);
}

} // namespace pp::rt::cpu
