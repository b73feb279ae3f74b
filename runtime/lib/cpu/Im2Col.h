//===- Im2Col.h - Convolution windows as matrix columns ---------*- C++ -*-===//
//
// im2col lays the windows of a channels-first image out as a matrix with one
// row per (channel, kernel position) and one column per output position, so
// that a convolution is one matrix product; col2im is its adjoint (it sums
// columns back into the image) and gives the input gradient. Any number of
// spatial axes: the outer output axes are walked with an odometer and the
// innermost one is a strided copy over its in-range part.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_IM2COL_H
#define PP_RUNTIME_CPU_IM2COL_H

#include "ShapeIndexing.h"
#include "Window.h"

#include <algorithm>

namespace pp::rt::cpu {
namespace detail {

/// With `ToCol`, writes `col` ((channels * kernelSize) x outSize) from
/// `image` (channels planes of inSize); otherwise adds `col` into `image`.
template <bool ToCol, typename T>
void walkColumns(const Window &w, int64_t channels, T *image, T *col) {
  const int64_t rank = int64_t(w.rank());
  const int64_t inSize = w.inSize(), outSize = w.outSize();
  const int64_t kernelSize = w.kernelSize();
  if (outSize == 0)
    return;
  const int64_t last = rank - 1, rowLength = w.out[size_t(last)];
  const int64_t segments = outSize / rowLength;
  const int64_t inLast = w.in[size_t(last)], stride = w.strides[size_t(last)];
  std::vector<int64_t> inStrides = stridesOf(w.in);
  std::vector<int64_t> k(size_t(rank), 0), o(size_t(rank), 0);

  for (int64_t c = 0; c < channels; ++c) {
    T *plane = image + c * inSize;
    std::fill(k.begin(), k.end(), 0);
    for (int64_t kk = 0; kk < kernelSize; ++kk) {
      T *row = col + (c * kernelSize + kk) * outSize;
      // Output positions o of the innermost axis read input o*stride + shift;
      // [lo, hi) are those inside the input.
      int64_t shift = k[size_t(last)] * w.dilations[size_t(last)] -
                      w.padBegin[size_t(last)];
      int64_t lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
      int64_t hi = inLast - shift <= 0 ? 0 : (inLast - 1 - shift) / stride + 1;
      lo = std::min(lo, rowLength);
      hi = std::max(lo, std::min(hi, rowLength));

      std::fill(o.begin(), o.end(), 0);
      for (int64_t seg = 0; seg < segments; ++seg) {
        T *r = row + seg * rowLength;
        bool inside = true;
        int64_t base = shift;
        for (int64_t d = 0; d < last; ++d) {
          int64_t i = o[size_t(d)] * w.strides[size_t(d)] +
                      k[size_t(d)] * w.dilations[size_t(d)] -
                      w.padBegin[size_t(d)];
          inside &= i >= 0 && i < w.in[size_t(d)];
          base += i * inStrides[size_t(d)];
        }
        if constexpr (ToCol) {
          if (!inside) {
            std::fill(r, r + rowLength, T(0));
          } else {
            std::fill(r, r + lo, T(0));
            if (stride == 1)
              std::copy(plane + base + lo, plane + base + hi, r + lo);
            else
              for (int64_t x = lo; x < hi; ++x)
                r[x] = plane[base + x * stride];
            std::fill(r + hi, r + rowLength, T(0));
          }
        } else if (inside) {
          for (int64_t x = lo; x < hi; ++x)
            plane[base + x * stride] += r[x];
        }
        for (int64_t d = last - 1; d >= 0; --d) {
          if (++o[size_t(d)] < w.out[size_t(d)])
            break;
          o[size_t(d)] = 0;
        }
      }
      for (int64_t d = last; d >= 0; --d) {
        if (++k[size_t(d)] < w.kernel[size_t(d)])
          break;
        k[size_t(d)] = 0;
      }
    }
  }
}

} // namespace detail

/// Writes the columns ((channels * kernelSize) x outSize) of `channels`
/// consecutive planes of `image`; padding reads as zero.
template <typename T>
void im2col(const Window &w, int64_t channels, const T *image, T *col) {
  detail::walkColumns<true>(w, channels, const_cast<T *>(image), col);
}

/// Adds the columns `col` back into `channels` planes of `image`: the
/// adjoint of im2col. `image` is not cleared first.
template <typename T>
void col2im(const Window &w, int64_t channels, const T *col, T *image) {
  detail::walkColumns<false>(w, channels, image, const_cast<T *>(col));
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_IM2COL_H
