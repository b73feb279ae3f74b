//===- SgemmBench.cpp - OpenBLAS sgemm alone on a GPT step's products -----===//
//
// Times OpenBLAS's cblas_sgemm on one thread on the matrix products of one
// training step (forward, input gradients, weight gradients) of a GPT as
// examples/export_models.py builds it: pre-norm blocks of a fused QKV
// projection, causal attention, an output projection and a 4x MLP, and an
// LM head. The sum is the time those products take at sgemm's own speed, the
// yardstick for pp-run's matrix products (bench/train/run_train_bench.py).
//
//   sgemm_bench [--batch B] [--seq T] [--d-model D] [--heads H]
//               [--layers L] [--vocab V] [--repeat R] [--json]
//
// Products are row-major C (m x n) = op(A) (m x k) op(B) (k x n) with the
// transposes PyTorch uses for nn.Linear (y = x W^T, dx = dy W,
// dW = dy^T x) and attention; each shape is timed R times after a warm-up
// call and the median is kept. `count` is how often one step runs it (per
// layer, and per batch element and head for attention).
//
//===----------------------------------------------------------------------===//

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

struct Product {
  std::string name;
  bool transA, transB;
  int64_t m, n, k;
  int64_t count; // calls per training step
};

struct Options {
  int64_t batch = 1, seq = 256, dModel = 512, heads = 8, layers = 8;
  int64_t vocab = 4096, repeat = 5;
  bool json = false;
};

[[noreturn]] void usage(const char *message) {
  std::fprintf(stderr,
               "sgemm_bench: %s\nusage: sgemm_bench [--batch B] [--seq T] "
               "[--d-model D] [--heads H] [--layers L] [--vocab V] "
               "[--repeat R] [--json]\n",
               message);
  std::exit(2);
}

Options parseOptions(int argc, char **argv) {
  Options o;
  struct {
    const char *flag;
    int64_t *value;
  } ints[] = {{"--batch", &o.batch},    {"--seq", &o.seq},
              {"--d-model", &o.dModel}, {"--heads", &o.heads},
              {"--layers", &o.layers},  {"--vocab", &o.vocab},
              {"--repeat", &o.repeat}};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    bool known = false;
    for (auto &opt : ints) {
      if (arg != opt.flag)
        continue;
      if (i + 1 >= argc)
        usage((arg + " needs a value").c_str());
      char *end = nullptr;
      long long v = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0' || v < 1)
        usage(
            (arg + " needs a positive integer, got '" + argv[i] + "'").c_str());
      *opt.value = v;
      known = true;
    }
    if (!known)
      usage(("unknown option '" + arg + "'").c_str());
  }
  if (o.dModel % o.heads != 0)
    usage("--d-model must be a multiple of --heads");
  return o;
}

/// The matrix products of one forward and backward pass.
std::vector<Product> gptProducts(const Options &o) {
  int64_t tokens = o.batch * o.seq, d = o.dModel, L = o.layers;
  int64_t hd = d / o.heads, t = o.seq, bh = o.batch * o.heads * L;
  std::vector<Product> p;
  // nn.Linear(in, out) on `tokens` rows: forward, dx, dW.
  auto linear = [&](const std::string &name, int64_t in, int64_t out,
                    int64_t count) {
    p.push_back({name + " forward", false, true, tokens, out, in, count});
    p.push_back({name + " dx", false, false, tokens, in, out, count});
    p.push_back({name + " dW", true, false, out, in, tokens, count});
  };
  linear("qkv", d, 3 * d, L);
  linear("attn.proj", d, d, L);
  linear("mlp.fc", d, 4 * d, L);
  linear("mlp.proj", 4 * d, d, L);
  // Per batch element and head: S = Q K^T, Y = P V and their gradients.
  p.push_back({"attn Q K^T forward", false, true, t, t, hd, bh});
  p.push_back({"attn P V forward", false, false, t, hd, t, bh});
  p.push_back({"attn dP = dY V^T", false, true, t, t, hd, bh});
  p.push_back({"attn dV = P^T dY", true, false, t, hd, t, bh});
  p.push_back({"attn dQ = dS K", false, false, t, hd, t, bh});
  p.push_back({"attn dK = dS^T Q", true, false, t, hd, t, bh});
  // The LM head (tied to the token embedding, whose own gradient is a
  // scatter-add, not a product).
  linear("lm_head", d, o.vocab, 1);
  return p;
}

double medianSeconds(const Product &p, int64_t repeat) {
  int64_t rowsA = p.transA ? p.k : p.m, colsA = p.transA ? p.m : p.k;
  int64_t rowsB = p.transB ? p.n : p.k, colsB = p.transB ? p.k : p.n;
  std::vector<float> a(rowsA * colsA), b(rowsB * colsB), c(p.m * p.n);
  std::mt19937 gen(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float &v : a)
    v = dist(gen);
  for (float &v : b)
    v = dist(gen);
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans,
                p.transB ? CblasTrans : CblasNoTrans, blasint(p.m),
                blasint(p.n), blasint(p.k), 1.0f, a.data(), blasint(colsA),
                b.data(), blasint(colsB), 0.0f, c.data(), blasint(p.n));
  };
  call(); // warm-up: page in the buffers, let OpenBLAS pick its kernels
  std::vector<double> times;
  for (int64_t r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    call();
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    times.push_back(elapsed.count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  openblas_set_num_threads(1);
  std::vector<Product> products = gptProducts(o);
  double totalSeconds = 0, totalFlop = 0;
  if (o.json)
    std::printf("{\"threads\": 1, \"products\": [\n");
  else
    std::printf("%-22s %2s %6s %6s %6s %6s %11s %9s %10s\n", "product", "op",
                "m", "n", "k", "count", "time/call", "GFLOP/s", "per step");
  for (size_t i = 0; i < products.size(); ++i) {
    const Product &p = products[i];
    double seconds = medianSeconds(p, o.repeat);
    double flop = 2.0 * p.m * p.n * p.k;
    totalSeconds += seconds * p.count;
    totalFlop += flop * p.count;
    const char *op =
        p.transA ? (p.transB ? "TT" : "TN") : (p.transB ? "NT" : "NN");
    if (o.json)
      std::printf("  {\"name\": \"%s\", \"op\": \"%s\", \"m\": %lld, "
                  "\"n\": %lld, \"k\": %lld, \"count\": %lld, "
                  "\"seconds\": %.9g, \"gflops\": %.4g}%s\n",
                  p.name.c_str(), op, (long long)p.m, (long long)p.n,
                  (long long)p.k, (long long)p.count, seconds,
                  flop / seconds * 1e-9, i + 1 < products.size() ? "," : "");
    else
      std::printf("%-22s %2s %6lld %6lld %6lld %6lld %9.3f ms %9.1f "
                  "%7.1f ms\n",
                  p.name.c_str(), op, (long long)p.m, (long long)p.n,
                  (long long)p.k, (long long)p.count, seconds * 1e3,
                  flop / seconds * 1e-9, seconds * p.count * 1e3);
  }
  if (o.json)
    std::printf("], \"step_seconds\": %.9g, \"step_gflop\": %.6g}\n",
                totalSeconds, totalFlop * 1e-9);
  else
    std::printf("all products of one step: %.1f ms, %.2f GFLOP, %.1f "
                "GFLOP/s\n",
                totalSeconds * 1e3, totalFlop * 1e-9,
                totalFlop / totalSeconds * 1e-9);
  return 0;
}
