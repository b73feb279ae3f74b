//===- Calibration.h - pp-run --profile=FILE.json: a profile ----*- C++ -*-===//
//
// Turns a profiled training run into a device profile that pp-opt reads
// (`--pp-device=FILE.json`, docs/Partitioning.md, "Device profiles"), so
// that the stage cut, the schedule and the simulation use this machine's
// measured times:
//
//  - `ops`: per node (the ONNX node name the compiler and the runtime both
//    name ops by), keyed `OP@NAME`, the seconds per microbatch of its
//    forward kernels (F), of the kernels B and W run for it (autodiff gives
//    a gradient op its forward op's location), each with its share of its
//    function run's time outside kernels (allocation, views, ports) spread
//    over the run's kernels. Ops the runtime runs as views get zero.
//    Times are means over the counted steps (the first left out as warm-up
//    when there are several).
//  - `peak_flops` and `memory_bandwidth`: what the matrix products and the
//    other kernels reached, for ops the run did not see;
//  - `launch_overhead`: the mean time per kernel outside kernels;
//  - `link`: latency and bandwidth measured through the run's transport.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TOOLS_PPRUN_CALIBRATION_H
#define PP_TOOLS_PPRUN_CALIBRATION_H

#include "Driver.h"

#include <string>

namespace pp::run {

/// The link between two stages, measured.
struct LinkMeasurement {
  double latency = 0;   ///< seconds per message
  double bandwidth = 0; ///< bytes per second
};

/// Measures the link to `peer` through `transport` by ping-pong; `leader`
/// is true on exactly one of the two sides. Both get the measurement.
/// The messages are tensors in `device`'s memory (null: the host's), as a
/// pipeline on that device sends them.
rt::Status pingPong(rt::Transport &transport, uint32_t peer, bool leader,
                    rt::Device *device, LinkMeasurement &out);

/// The link between two threads of this process (a ThreadTransport).
rt::Status measureThreadLink(rt::Device *device, LinkMeasurement &out);

/// Writes the device profile of the run to `path` (atomically: a temporary
/// file renamed over it), named `name` ("cpu-measured", "cuda-measured")
/// and described as measured on `device`.
rt::Status writeCalibratedProfile(const std::string &path,
                                  const std::string &name,
                                  const std::string &device,
                                  const rt::ProgramDirectory &dir,
                                  const std::vector<StageSummary> &stages,
                                  const LinkMeasurement &link);

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_CALIBRATION_H
