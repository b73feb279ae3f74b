//===- FloatEnvironment.h - Subnormal floats flushed to zero ----*- C++ -*-===//
//
// Arithmetic on subnormal floats (below 1.2e-38 in f32) takes a microcode
// assist on x86 CPUs, tens to hundreds of times slower than on normal ones.
// Training makes them: a softmax that grows confident puts probabilities of
// e^-88 to e^-104 in its gradient, and every product with that gradient
// slows down (the GPT of bench/pipeline: its head's two gradient products
// went from 0.1 s to 3.5 s a step within five steps). Flushing them to zero
// changes a result by at most the smallest normal float, 1.2e-38, per
// operation; TensorFlow and XLA run their CPU kernels so by default.
//
// ScopedFlushDenormals sets the calling thread's flush-to-zero and
// denormals-are-zero modes (x86's MXCSR FTZ and DAZ bits, AArch64's FPCR
// FZ bit) for its lifetime and restores the previous modes after. Other
// threads, such as a multithreaded BLAS's workers, keep their own.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_FLOATENVIRONMENT_H
#define PP_RUNTIME_FLOATENVIRONMENT_H

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace pp::rt {

class ScopedFlushDenormals {
public:
  /// Flushes subnormals on this thread while alive, when `enable`.
  explicit ScopedFlushDenormals(bool enable = true) {
    if (!enable)
      return;
    saved_ = read();
    active_ = true;
    write(saved_ | flushBits());
  }
  ~ScopedFlushDenormals() {
    if (active_)
      write(saved_);
  }
  ScopedFlushDenormals(const ScopedFlushDenormals &) = delete;
  ScopedFlushDenormals &operator=(const ScopedFlushDenormals &) = delete;

  /// Whether pp knows the flush modes of this CPU architecture.
  static bool supported() { return flushBits() != 0; }
  /// Whether this thread flushes subnormals now.
  static bool flushing() {
    return supported() && (read() & flushBits()) == flushBits();
  }

private:
#if defined(__x86_64__) || defined(__i386__)
  // MXCSR: FTZ is bit 15, DAZ bit 6.
  static uint64_t flushBits() { return 0x8040; }
  static uint64_t read() { return _mm_getcsr(); }
  static void write(uint64_t v) { _mm_setcsr(unsigned(v)); }
#elif defined(__aarch64__)
  // FPCR: FZ is bit 24 (flushes inputs and results).
  static uint64_t flushBits() { return uint64_t(1) << 24; }
  static uint64_t read() {
    uint64_t v;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(v));
    return v;
  }
  static void write(uint64_t v) {
    __asm__ __volatile__("msr fpcr, %0" ::"r"(v));
  }
#else
  static uint64_t flushBits() { return 0; }
  static uint64_t read() { return 0; }
  static void write(uint64_t) {}
#endif

  uint64_t saved_ = 0;
  bool active_ = false;
};

} // namespace pp::rt

#endif // PP_RUNTIME_FLOATENVIRONMENT_H
