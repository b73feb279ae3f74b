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
// pointwise convolution needs none.
//
//===----------------------------------------------------------------------===//

#include "Blas.h"
#include "CpuKernels.h"
#include "Im2Col.h"
#include "KernelChecks.h"
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

struct ConvGeometry {
  Window window;
  int64_t batch = 0, inChannels = 0, outChannels = 0, group = 1;
  /// A 1x..x1 kernel with unit strides and no pads: the image is its own
  /// column matrix.
  bool pointwise = false;

  int64_t cg() const { return inChannels / group; }
  int64_t mg() const { return outChannels / group; }
  int64_t cgk() const { return cg() * window.kernelSize(); }
  int64_t inImage() const { return inChannels * window.inSize(); }
  int64_t outImage() const { return outChannels * window.outSize(); }
  int64_t colSize() const {
    return inChannels * window.kernelSize() * window.outSize();
  }

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

/// Reads the attributes and checks the shapes of a convolution whose input,
/// weight and output shapes are given (whichever of them is an operand or
/// the result of the op at hand).
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
  if (Status s =
          readWindow(spec, inSpatial, kernel, /*ceilMode=*/false, g.window))
    return s;
  Shape expected{g.batch, g.outChannels};
  expected.insert(expected.end(), g.window.out.begin(), g.window.out.end());
  if (Status s = checkShape(spec, "the convolution's output", output, expected))
    return s;
  const Window &w = g.window;
  g.pointwise = true;
  for (size_t d = 0; d < w.rank(); ++d)
    g.pointwise &= w.kernel[d] == 1 && w.strides[d] == 1 &&
                   w.padBegin[d] == 0 && w.padEnd[d] == 0;
  return checkBlasSizes(spec, {g.mg(), g.cgk(), w.outSize()});
}

template <typename T> Status makeConv(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArityAndDType(spec, 2, 3, 1))
    return s;
  ConvGeometry g;
  if (Status s = readConv(spec, spec.inputs[0].shape, spec.inputs[1].shape,
                          spec.outputs[0].shape, g))
    return s;
  bool hasBias = spec.inputs.size() == 3;
  if (hasBias)
    if (Status s =
            checkShape(spec, "bias", spec.inputs[2].shape, {g.outChannels}))
      return s;
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
  if (Status s = checkArityAndDType(spec, 2, 2, 1))
    return s;
  ConvGeometry g;
  if (Status s = readConv(spec, spec.outputs[0].shape, spec.inputs[1].shape,
                          spec.inputs[0].shape, g))
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
  if (Status s = checkArityAndDType(spec, 2, 2, 1))
    return s;
  ConvGeometry g;
  if (Status s = readConv(spec, spec.inputs[1].shape, spec.outputs[0].shape,
                          spec.inputs[0].shape, g))
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
