//===- NcclTransport.h - Tensors between GPUs through NCCL ------*- C++ -*-===//
//
// `pp-run DIR --backend=cuda --transport=nccl` under mpirun: one process per
// GPU, tensors sent with NCCL point-to-point operations, everything else
// (the message headers that keep the Transport contract's checks, opaque
// bytes, the loss sum, barriers, aborts) through the MPI transport, which
// also bootstraps NCCL (docs/CUDA.md).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_NCCLTRANSPORT_H
#define PP_RUNTIME_NCCLTRANSPORT_H

#include "pp/Runtime/Device.h"
#include "pp/Runtime/MpiTransport.h"

#include <memory>

namespace pp::rt {

/// Makes the NCCL transport of this rank over `mpi` (which it takes) on
/// `device` (this rank's GPU). Collective: every rank calls it; a rank
/// whose initialisation fails reports it and aborts the job.
Status createNcclTransport(std::unique_ptr<MpiTransport> &mpi, Device &device,
                           std::unique_ptr<Transport> &out);

} // namespace pp::rt

#endif // PP_RUNTIME_NCCLTRANSPORT_H
