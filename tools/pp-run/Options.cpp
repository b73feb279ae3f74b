//===- Options.cpp - pp-run's command line --------------------------------===//
//
// getopt_long over the options of docs/Training.md ("pp-run"). Numbers are
// parsed strictly: the whole argument must be a finite number.
//
//===----------------------------------------------------------------------===//

#include "Options.h"

#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

using namespace pp;
using namespace pp::run;
using rt::Status;

const char *pp::run::usage() {
  return R"(usage: pp-run DIR [options]

Runs the program that `pp-opt --pp-export=DIR` wrote: trains it (default),
runs its forward function (--infer), or checks its gradients (--gradcheck).

Data:
  --data DIR            one ONNX TensorProto file per input: DIR/<name>.pb,
                        or ONNX's backend-test layout DIR/input_<k>.pb
Training:
  --steps N             optimizer steps on the batch (default 1)
  --optimizer KIND      sgd (default) or adamw
  --lr F                learning rate (default 0.01 for sgd, 0.001 for adamw)
  --momentum F          SGD momentum (default 0)
  --weight-decay F      SGD: L2 added to the gradient (default 0); AdamW:
                        decoupled decay (default 0.01)
  --beta1 F, --beta2 F  AdamW moment decays (default 0.9, 0.999)
  --eps F               AdamW denominator term (default 1e-8)
  --seed N              seed of random kernels such as dropout (default 0)
  --threads N           OpenBLAS threads (default 1)
  --keep-denormals      compute with subnormal floats (below 1.2e-38 in
                        f32) instead of flushing them to zero, at their
                        speed (tens of times slower on x86)
  --metrics FILE.jsonl  write one JSON line per step as it ends: step, loss
                        (full precision), seconds, samples_per_second,
                        elapsed (seconds since the first step started)
  --save OUT.onnx       write the source model with the trained weights
  --dump DIR            write DIR/loss.pb and DIR/grad/*.pb of the last step
  --profile[=FILE.json] time every kernel; after training, print per op and
                        per function (F, B, W) where the steps' time went,
                        first step left out as warm-up (stderr); with a
                        file, also write the measured times as a device
                        profile for pp-opt --pp-device=FILE.json
  --trace FILE.json     write the measured timeline as a Chrome/Perfetto
                        trace, one track per stage (as pp-simulate's trace=)
  --plan-report         after training, print the measured step time,
                        bubble and activation memory of every stage next to
                        what the plan simulated (stderr)
  --report FILE.json    after training, write per stage the peak bytes its
                        memory held (measured) next to the plan's
                        prediction, and the process's peak RSS
Backends:
  --backend KIND        cpu (default), cuda (every stage on a GPU; without
                        --transport, all stages on one GPU, each on its own
                        stream), or cuda-emulation (testing aid: the CUDA
                        backend's kernels and device paths run on the host)
  --device N            the CUDA device of the stages (default: 0, or under
                        mpirun the process's local rank)
  --tf32                float32 matrix products and convolutions on TF32
                        tensor cores (faster, 10-bit mantissa products)
  --no-fusion           run chains of elementwise ops one kernel per op
                        (by default the CUDA backend fuses each chain into
                        one kernel, with the same results; runs with
                        --profile, --trace, --plan-report or
                        --detect-anomaly never fuse)
Pipelines (programs of several stages):
  --transport KIND      threads (default: every stage a thread of this
                        process), mpi (one process per stage:
                        mpirun -np STAGES pp-run DIR --transport=mpi ...),
                        or nccl (one process per GPU, tensors through NCCL:
                        mpirun -np STAGES pp-run DIR --backend=cuda
                        --transport=nccl ...)
  --no-nan-check        do not check the tensors a stage sends for NaN
  --detect-anomaly      check every value every op makes for NaN and
                        infinity and stop at the first, naming the op, the
                        function (F, B, W), stage and microbatch (slower;
                        as PyTorch's detect_anomaly)
  --inject-fault S:ACTION:KIND
                        testing aid: stage S fails at ACTION (its schedule
                        text form, F3, SB1.1, ...) with KIND nan (its
                        activations or loss become NaN), error, or kill
                        (the process kills itself; for --transport=mpi)
Other modes:
  --infer               run the forward function only; with --dump, write
                        DIR/outputs/*.pb
  --gradcheck           check gradients against finite differences (random
                        inputs and parameters unless --data is given)
  --gradcheck-tol F     largest error that passes (default 1e-05)
  -h, --help            this text
)";
}

namespace {

enum OptionId {
  OptData = 256,
  OptSteps,
  OptOptimizer,
  OptLr,
  OptMomentum,
  OptWeightDecay,
  OptBeta1,
  OptBeta2,
  OptEps,
  OptSeed,
  OptThreads,
  OptSave,
  OptDump,
  OptProfile,
  OptTrace,
  OptMetrics,
  OptInfer,
  OptGradCheck,
  OptGradCheckTol,
  OptPlanReport,
  OptReport,
  OptTransport,
  OptNoNanCheck,
  OptDetectAnomaly,
  OptKeepDenormals,
  OptInjectFault,
  OptBackend,
  OptDevice,
  OptTF32,
  OptNoFusion,
  OptHelp = 'h',
};

const struct option kLongOptions[] = {
    {"data", required_argument, nullptr, OptData},
    {"steps", required_argument, nullptr, OptSteps},
    {"optimizer", required_argument, nullptr, OptOptimizer},
    {"lr", required_argument, nullptr, OptLr},
    {"momentum", required_argument, nullptr, OptMomentum},
    {"weight-decay", required_argument, nullptr, OptWeightDecay},
    {"beta1", required_argument, nullptr, OptBeta1},
    {"beta2", required_argument, nullptr, OptBeta2},
    {"eps", required_argument, nullptr, OptEps},
    {"seed", required_argument, nullptr, OptSeed},
    {"threads", required_argument, nullptr, OptThreads},
    {"save", required_argument, nullptr, OptSave},
    {"dump", required_argument, nullptr, OptDump},
    {"profile", optional_argument, nullptr, OptProfile},
    {"trace", required_argument, nullptr, OptTrace},
    {"metrics", required_argument, nullptr, OptMetrics},
    {"infer", no_argument, nullptr, OptInfer},
    {"gradcheck", no_argument, nullptr, OptGradCheck},
    {"gradcheck-tol", required_argument, nullptr, OptGradCheckTol},
    {"plan-report", no_argument, nullptr, OptPlanReport},
    {"report", required_argument, nullptr, OptReport},
    {"transport", required_argument, nullptr, OptTransport},
    {"backend", required_argument, nullptr, OptBackend},
    {"device", required_argument, nullptr, OptDevice},
    {"tf32", no_argument, nullptr, OptTF32},
    {"no-fusion", no_argument, nullptr, OptNoFusion},
    {"no-nan-check", no_argument, nullptr, OptNoNanCheck},
    {"detect-anomaly", no_argument, nullptr, OptDetectAnomaly},
    {"keep-denormals", no_argument, nullptr, OptKeepDenormals},
    {"inject-fault", required_argument, nullptr, OptInjectFault},
    {"help", no_argument, nullptr, OptHelp},
    {nullptr, 0, nullptr, 0},
};

Status parseDouble(const char *option, const char *text, double &out) {
  char *end = nullptr;
  errno = 0;
  out = std::strtod(text, &end);
  if (*text == '\0' || *end != '\0' || errno == ERANGE || !std::isfinite(out))
    return Status::error(std::string("--") + option + ": '" + text +
                         "' is not a number");
  return Status::ok();
}

Status parseInteger(const char *option, const char *text, int64_t minimum,
                    int64_t &out) {
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno == ERANGE)
    return Status::error(std::string("--") + option + ": '" + text +
                         "' is not an integer");
  if (value < minimum)
    return Status::error(std::string("--") + option + ": " + text +
                         " is less than " + std::to_string(minimum));
  out = value;
  return Status::ok();
}

/// STAGE:ACTION:KIND, e.g. 2:F3:nan.
Status parseFault(const std::string &text, rt::InjectedFault &out) {
  size_t first = text.find(':'), last = text.rfind(':');
  auto bad = [&] {
    return Status::error("--inject-fault: expected STAGE:ACTION:KIND (e.g. "
                         "2:F3:nan; KIND nan, error or kill), not '" +
                         text + "'");
  };
  if (first == std::string::npos || first == last)
    return bad();
  std::string stage = text.substr(0, first), kind = text.substr(last + 1);
  out.action = text.substr(first + 1, last - first - 1);
  char *end = nullptr;
  long value = std::strtol(stage.c_str(), &end, 10);
  if (stage.empty() || *end != '\0' || value < 0 || out.action.empty())
    return bad();
  out.stage = int(value);
  if (kind == "nan")
    out.kind = rt::InjectedFault::Kind::NaN;
  else if (kind == "error")
    out.kind = rt::InjectedFault::Kind::Error;
  else if (kind == "kill")
    out.kind = rt::InjectedFault::Kind::Kill;
  else
    return bad();
  return Status::ok();
}

/// The long name of option `id`.
const char *nameOf(int id) {
  for (const struct option *o = kLongOptions; o->name; ++o)
    if (o->val == id)
      return o->name;
  return "?";
}

} // namespace

Status pp::run::parseOptions(int argc, char **argv, Options &out) {
  out = Options();
  std::optional<double> lr, weightDecay;
  bool infer = false, gradcheck = false;
  std::string sgdOnly, adamwOnly; // an option given that only one reads
  opterr = 0;                     // errors are reported as Status values
  optind = 1;
  int id;
  while ((id = getopt_long(argc, argv, ":h", kLongOptions, nullptr)) != -1) {
    const char *arg = optarg;
    Status s;
    double value = 0;
    int64_t count = 0;
    switch (id) {
    case OptData:
      out.dataDir = arg;
      break;
    case OptSteps:
      s = parseInteger("steps", arg, 1, out.steps);
      break;
    case OptOptimizer:
      s = rt::parseOptimizerKind(arg, out.optimizer.kind);
      if (s)
        s = Status::error("--optimizer: " + s.message());
      break;
    case OptLr:
    case OptWeightDecay:
      s = parseDouble(nameOf(id), arg, value);
      (id == OptLr ? lr : weightDecay) = value;
      break;
    case OptMomentum:
      s = parseDouble("momentum", arg, out.optimizer.momentum);
      sgdOnly = "--momentum";
      break;
    case OptBeta1:
      s = parseDouble("beta1", arg, out.optimizer.beta1);
      adamwOnly = "--beta1";
      break;
    case OptBeta2:
      s = parseDouble("beta2", arg, out.optimizer.beta2);
      adamwOnly = "--beta2";
      break;
    case OptEps:
      s = parseDouble("eps", arg, out.optimizer.eps);
      adamwOnly = "--eps";
      break;
    case OptSeed:
      s = parseInteger("seed", arg, 0, count);
      out.seed = uint64_t(count);
      break;
    case OptThreads:
      s = parseInteger("threads", arg, 1, count);
      out.threads = int(std::min<int64_t>(count, 1024));
      break;
    case OptSave:
      out.savePath = arg;
      if (out.savePath.empty())
        s = Status::error("--save: the file name is empty");
      break;
    case OptDump:
      out.dumpDir = arg;
      if (out.dumpDir.empty())
        s = Status::error("--dump: the directory name is empty");
      break;
    case OptProfile:
      out.profile = true;
      if (arg) {
        out.profilePath = arg;
        if (out.profilePath.empty())
          s = Status::error("--profile=: the file name is empty");
      }
      break;
    case OptTrace:
      out.tracePath = arg;
      if (out.tracePath.empty())
        s = Status::error("--trace: the file name is empty");
      break;
    case OptMetrics:
      out.metricsPath = arg;
      if (out.metricsPath.empty())
        s = Status::error("--metrics: the file name is empty");
      break;
    case OptInfer:
      infer = true;
      break;
    case OptGradCheck:
      gradcheck = true;
      break;
    case OptGradCheckTol:
      s = parseDouble("gradcheck-tol", arg, out.gradcheckTolerance);
      if (!s && out.gradcheckTolerance <= 0)
        s = Status::error("--gradcheck-tol: must be positive");
      break;
    case OptReport:
      out.reportPath = arg;
      if (out.reportPath.empty())
        s = Status::error("--report: the file name is empty");
      break;
    case OptPlanReport:
      out.planReport = true;
      break;
    case OptTransport:
      if (std::string(arg) == "threads")
        out.transport = TransportKind::Threads;
      else if (std::string(arg) == "mpi")
        out.transport = TransportKind::Mpi;
      else if (std::string(arg) == "nccl")
        out.transport = TransportKind::Nccl;
      else
        s = Status::error(std::string("--transport: expected threads, mpi or "
                                      "nccl, not '") +
                          arg + "'");
      break;
    case OptBackend:
      if (std::string(arg) == "cpu")
        out.backend = BackendKind::Cpu;
      else if (std::string(arg) == "cuda")
        out.backend = BackendKind::Cuda;
      else if (std::string(arg) == "cuda-emulation")
        out.backend = BackendKind::CudaEmulation;
      else
        s = Status::error(std::string("--backend: expected cpu, cuda or "
                                      "cuda-emulation, not '") +
                          arg + "'");
      break;
    case OptDevice: {
      int64_t device = 0;
      s = parseInteger("device", arg, 0, device);
      if (!s && device > 1023)
        s = Status::error("--device: " + std::string(arg) +
                          " is not a CUDA device number");
      out.device = int(device);
      break;
    }
    case OptTF32:
      out.tf32 = true;
      break;
    case OptNoFusion:
      out.fuseElementwise = false;
      break;
    case OptDetectAnomaly:
      out.detectAnomaly = true;
      break;
    case OptNoNanCheck:
      out.checkNaN = false;
      break;
    case OptKeepDenormals:
      out.keepDenormals = true;
      break;
    case OptInjectFault:
      s = parseFault(arg, out.fault);
      break;
    case OptHelp:
      out.help = true;
      return Status::ok();
    case ':':
      return Status::error(std::string(argv[optind - 1]) + ": missing value");
    default:
      return Status::error(std::string("unknown option '") + argv[optind - 1] +
                           "' (see pp-run --help)");
    }
    if (s)
      return s;
  }

  if (optind >= argc)
    return Status::error("no program directory (usage: pp-run DIR "
                         "[options]; see --help)");
  if (argc - optind > 1)
    return Status::error(std::string("unexpected argument '") +
                         argv[optind + 1] + "' (one program directory only)");
  out.programDir = argv[optind];

  if (infer && gradcheck)
    return Status::error("--infer and --gradcheck cannot be combined");
  out.mode = infer ? Mode::Infer : gradcheck ? Mode::GradCheck : Mode::Train;
  if (out.mode != Mode::Train && !out.savePath.empty())
    return Status::error("--save writes trained weights; it cannot be "
                         "combined with --infer or --gradcheck");
  if (out.mode != Mode::Train &&
      (out.profile || !out.tracePath.empty() || out.planReport ||
       !out.metricsPath.empty() || !out.reportPath.empty()))
    return Status::error(std::string(out.profile               ? "--profile"
                                     : out.planReport          ? "--plan-report"
                                     : !out.tracePath.empty()  ? "--trace"
                                     : !out.reportPath.empty() ? "--report"
                                                               : "--metrics") +
                         " times training steps; it cannot be combined with "
                         "--infer or --gradcheck");
  if (out.mode == Mode::GradCheck && out.transport != TransportKind::Threads)
    return Status::error("--gradcheck runs one-stage programs in one process; "
                         "it cannot be combined with --transport=mpi or "
                         "nccl");
  if (out.mode == Mode::GradCheck && out.backend != BackendKind::Cpu)
    return Status::error("--gradcheck checks the CPU backend's gradients "
                         "(the CUDA kernels are tested against the CPU's); "
                         "it cannot be combined with --backend");
  if (out.transport == TransportKind::Nccl && out.backend != BackendKind::Cuda)
    return Status::error("--transport=nccl moves tensors between GPUs: it "
                         "needs --backend=cuda");
  if (out.backend == BackendKind::Cpu &&
      (out.device >= 0 || out.tf32 || !out.fuseElementwise))
    return Status::error(std::string(out.tf32               ? "--tf32"
                                     : !out.fuseElementwise ? "--no-fusion"
                                                            : "--device") +
                         " applies to the CUDA backend: add --backend=cuda");
  if (out.mode == Mode::GradCheck && !out.dumpDir.empty())
    return Status::error("--dump cannot be combined with --gradcheck");
  if (out.mode != Mode::GradCheck && out.dataDir.empty())
    return Status::error("--data DIR is required (the batch to run on)");

  // torch.optim's defaults: SGD's weight decay is 0, AdamW's 0.01.
  bool adamw = out.optimizer.kind == rt::OptimizerKind::AdamW;
  if (adamw && !sgdOnly.empty())
    return Status::error(sgdOnly + " applies to --optimizer sgd only");
  if (!adamw && !adamwOnly.empty())
    return Status::error(adamwOnly + " applies to --optimizer adamw only");
  out.optimizer.lr = lr ? *lr : adamw ? 0.001 : 0.01;
  out.optimizer.weightDecay = weightDecay ? *weightDecay : adamw ? 0.01 : 0;
  return Status::ok();
}
