//===- CudaKernelBench.cpp - pp's CUDA kernels against their yardsticks ---===//
//
//   cuda_kernel_bench [--device N] [--tokens T] [--d-model D] [--repeat R]
//
// Times the CUDA backend's kernels on the shapes of a GPT training step
// (T tokens of one microbatch, width D) with CUDA events, each against what
// it should be measured by (issue targets in docs/CUDA.md):
//  - matrix products (nn.matmul, nn.gemm with bias) against cuBLAS's sgemm
//    alone on the same shapes, on the same stream: target >= 90%;
//  - elementwise and normalisation kernels (nn.add, nn.gelu, nn.layer_norm,
//    nn.softmax, their gradients) against the bandwidth of a device-to-
//    device cudaMemcpy of the same bytes: target >= 70%.
// Prints a markdown table. Without a GPU it says so and exits 1.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/CudaBackend.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace pp::rt;

namespace {

struct Config {
  int device = 0;
  int64_t tokens = 1024;
  int64_t dModel = 2048;
  int repeat = 20;
};

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "cuda_kernel_bench: %s\n", message.c_str());
  std::exit(1);
}

/// Median seconds of `fn` on `stream` over `repeat` timed runs after two
/// warm-up runs.
double timeOn(cudaStream_t stream, int repeat,
              const std::function<void()> &fn) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  for (int i = 0; i < 2; ++i)
    fn();
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    cudaEventRecord(start, stream);
    fn();
    cudaEventRecord(stop, stream);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    times.push_back(ms * 1e-3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  if (cudaError_t err = cudaGetLastError())
    die(std::string("CUDA error: ") + cudaGetErrorString(err));
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

class Bench {
public:
  Bench(const Config &config, Device &device)
      : config_(config), device_(device), pool_(device),
        ctx_(pool_, Backend::CUDA) {
    registerCudaKernels(registry_);
    if (Status s = device_.createQueue(ctx_))
      die(s.message());
    stream_ = static_cast<cudaStream_t>(ctx_.stream);
  }
  ~Bench() { device_.releaseQueue(ctx_); }

  /// A device tensor of `type` with values in [-1, 1).
  Tensor random(const TensorType &type) {
    std::vector<float> host(size_t(type.numel()));
    for (float &v : host)
      v = float(std::rand()) / float(RAND_MAX) * 2 - 1;
    Tensor t = Tensor::empty(type, pool_);
    cudaMemcpy(t.raw(), host.data(), t.bytes(), cudaMemcpyHostToDevice);
    return t;
  }

  /// Seconds per run of `op` on `inputs`.
  double kernel(const std::string &op, const Attributes &attrs,
                const std::vector<Tensor> &inputs,
                const std::vector<TensorType> &outputs) {
    KernelFactory factory = registry_.lookup(op, Backend::CUDA);
    if (!factory)
      die("no CUDA kernel for " + op);
    KernelSpec spec;
    spec.op = op;
    spec.attrs = attrs;
    for (const Tensor &t : inputs)
      spec.inputs.push_back(t.type());
    spec.outputs = outputs;
    KernelFn fn;
    if (Status s = factory(spec, fn))
      die(s.message());
    std::vector<Tensor> outs;
    for (const TensorType &type : outputs)
      outs.push_back(Tensor::empty(type, pool_));
    std::vector<const Tensor *> in;
    for (const Tensor &t : inputs)
      in.push_back(&t);
    std::vector<Tensor *> out;
    for (Tensor &t : outs)
      out.push_back(&t);
    double seconds = timeOn(stream_, config_.repeat,
                            [&] { fn(ctx_, in.data(), out.data()); });
    if (ctx_.failed())
      die(op + ": " + ctx_.takeFailure());
    return seconds;
  }

  /// Seconds of cuBLAS's sgemm alone: C[m,n] = A[m,k] B[k,n], row-major.
  double sgemm(int64_t m, int64_t n, int64_t k) {
    Tensor a = random({DType::F32, {m, k}}), b = random({DType::F32, {k, n}});
    Tensor c = Tensor::empty({DType::F32, {m, n}}, pool_);
    auto handle = static_cast<cublasHandle_t>(ctx_.blasHandle);
    cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH);
    float alpha = 1, beta = 0;
    return timeOn(stream_, config_.repeat, [&] {
      cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, int(n), int(m), int(k),
                  &alpha, b.data<float>(), int(n), a.data<float>(), int(k),
                  &beta, c.data<float>(), int(n));
    });
  }

  /// Seconds of a device-to-device copy of `bytes`.
  double copy(size_t bytes) {
    Tensor a = Tensor::empty({DType::U8, {int64_t(bytes)}}, pool_);
    Tensor b = Tensor::empty({DType::U8, {int64_t(bytes)}}, pool_);
    return timeOn(stream_, config_.repeat, [&] {
      cudaMemcpyAsync(b.raw(), a.raw(), bytes, cudaMemcpyDeviceToDevice,
                      stream_);
    });
  }

private:
  Config config_;
  Device &device_;
  BufferPool pool_;
  KernelContext ctx_;
  KernelRegistry registry_;
  cudaStream_t stream_ = nullptr;
};

Attributes attributes(std::vector<std::pair<std::string, AttrValue>> list) {
  Attributes a;
  for (auto &[name, value] : list)
    a.set(name, value);
  return a;
}

} // namespace

int main(int argc, char **argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> int64_t {
      if (i + 1 >= argc)
        die(arg + " needs a value");
      return std::atoll(argv[++i]);
    };
    if (arg == "--device")
      config.device = int(value());
    else if (arg == "--tokens")
      config.tokens = value();
    else if (arg == "--d-model")
      config.dModel = value();
    else if (arg == "--repeat")
      config.repeat = int(std::max<int64_t>(3, value()));
    else
      die("unknown option " + arg);
  }
  std::unique_ptr<Device> device;
  if (Status s = openCudaDevice(config.device, device))
    die(s.message());
  Bench bench(config, *device);
  const int64_t t = config.tokens, d = config.dModel;
  std::printf("device: %s; %lld tokens, d_model %lld, median of %d runs\n\n",
              device->describe().c_str(), (long long)t, (long long)d,
              config.repeat);

  std::printf("| matrix product | shape (m x k x n) | pp | cuBLAS sgemm | "
              "pp / cuBLAS speed | TFLOP/s |\n|---|---|---|---|---|---|\n");
  struct Product {
    const char *what;
    int64_t m, k, n;
  };
  for (const Product &p :
       {Product{"QKV projection", t, d, 3 * d},
        Product{"attention output", t, d, d}, Product{"MLP up", t, d, 4 * d},
        Product{"MLP down", t, 4 * d, d}}) {
    double ours = bench.kernel("nn.matmul", Attributes(),
                               {bench.random({DType::F32, {p.m, p.k}}),
                                bench.random({DType::F32, {p.k, p.n}})},
                               {{DType::F32, {p.m, p.n}}});
    double theirs = bench.sgemm(p.m, p.n, p.k);
    std::printf("| %s | %lld x %lld x %lld | %.3f ms | %.3f ms | %.1f%% | %.1f "
                "|\n",
                p.what, (long long)p.m, (long long)p.k, (long long)p.n,
                ours * 1e3, theirs * 1e3, 100 * theirs / ours,
                2.0 * double(p.m * p.k * p.n) / ours * 1e-12);
  }

  std::printf("\n| kernel | shape | time | bandwidth | device copy "
              "bandwidth | share |\n|---|---|---|---|---|---|\n");
  TensorType act{DType::F32, {t, d}}, wide{DType::F32, {t, 4 * d}};
  auto row = [&](const char *name, const TensorType &shape, double seconds,
                 double bytes) {
    double copySeconds = bench.copy(size_t(bytes / 2));
    double bw = bytes / seconds, copyBw = bytes / copySeconds;
    std::printf("| %s | %s | %.3f ms | %.0f GB/s | %.0f GB/s | %.0f%% |\n",
                name, shape.str().c_str(), seconds * 1e3, bw * 1e-9,
                copyBw * 1e-9, 100 * bw / copyBw);
  };
  double bytes = double(act.bytes());
  row("nn.add", act,
      bench.kernel("nn.add", Attributes(),
                   {bench.random(act), bench.random(act)}, {act}),
      3 * bytes);
  row("nn.gelu (tanh)", wide,
      bench.kernel("nn.gelu",
                   attributes({{"approximate", std::string("tanh")}}),
                   {bench.random(wide)}, {wide}),
      2 * double(wide.bytes()));
  row("nn.gelu_grad (tanh)", wide,
      bench.kernel("nn.gelu_grad",
                   attributes({{"approximate", std::string("tanh")}}),
                   {bench.random(wide), bench.random(wide)}, {wide}),
      3 * double(wide.bytes()));
  TensorType param{DType::F32, {d}};
  row("nn.layer_norm", act,
      bench.kernel(
          "nn.layer_norm",
          attributes({{"axis", int64_t(-1)}, {"epsilon", 1e-5}}),
          {bench.random(act), bench.random(param), bench.random(param)}, {act}),
      2 * bytes);
  TensorType scores{DType::F32, {16, t, t}};
  row("nn.softmax", scores,
      bench.kernel("nn.softmax", attributes({{"axis", int64_t(-1)}}),
                   {bench.random(scores)}, {scores}),
      2 * double(scores.bytes()));
  row("nn.softmax_grad", scores,
      bench.kernel("nn.softmax_grad", attributes({{"axis", int64_t(-1)}}),
                   {bench.random(scores), bench.random(scores)}, {scores}),
      3 * double(scores.bytes()));
  return 0;
}
