//===- NoNcclTransport.cpp - NcclTransport.h in a build without CUDA ------===//

#include "pp/Runtime/NcclTransport.h"

using namespace pp::rt;

Status pp::rt::createNcclTransport(std::unique_ptr<MpiTransport> &, Device &,
                                   std::unique_ptr<Transport> &) {
  return Status::error("--transport=nccl: this pp was built without the CUDA "
                       "backend (no CUDA toolkit was found)");
}
