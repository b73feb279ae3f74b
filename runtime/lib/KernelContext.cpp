//===- KernelContext.cpp - What a kernel call gets besides its operands ---===//
//
// Backend names and the context's scratch slots: one pool buffer per slot,
// replaced by a larger one when a kernel asks for more, so that after the
// first step scratch costs no allocation.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Kernel.h"

using namespace pp::rt;

const char *pp::rt::backendName(Backend backend) {
  switch (backend) {
  case Backend::CPU:
    return "CPU";
  case Backend::CUDA:
    return "CUDA";
  }
  return "?";
}

KernelContext::KernelContext(BufferPool &pool, Backend backend)
    : pool_(&pool), backend_(backend) {}

KernelContext::~KernelContext() = default;

void *KernelContext::scratch(unsigned slot, size_t bytes) {
  if (slot >= scratch_.size())
    scratch_.resize(size_t(slot) + 1);
  std::shared_ptr<PooledBuffer> &buffer = scratch_[slot];
  if (!buffer || buffer->bytes() < bytes) {
    buffer.reset(); // back to the pool before its successor is taken
    buffer = pool_->allocate(bytes, MemoryKind::Workspace);
  }
  return buffer->data();
}
