// Data augmentation (cpp/augment/): exact identity and integer shifts, a 90° rotation,
// ink preserved by small transforms, the elastic field's strength, the stroke change,
// the range of the output, determinism (same seed same bits; a pinned checksum that
// the native and the WebAssembly suites must both give), and the text form.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "augment/augment.h"
#include "mnist_fixture.h"
#include "run_test_util.h"
#include "network/config.h"
#include "network/model.h"

using namespace cnnlab;
using cnnlab::testing::mnist;

using cnnlab::testing::fnv1a;

namespace {

const uint8_t* train_image(size_t i) { return mnist("train").images.data() + i * kImageSize; }

double ink(const float* image) {
  double s = 0.0;
  for (int i = 0; i < kImageSize; ++i) s += image[i];
  return s;
}
double ink(const uint8_t* image) {
  double s = 0.0;
  for (int i = 0; i < kImageSize; ++i) s += image[i] / 255.0;
  return s;
}

AugmentParams transform() {
  AugmentParams p;
  p.apply = true;
  return p;
}

// The scratch is ≈ 59 KB: on the heap, as a model would hold it.
std::unique_ptr<AugmentScratch> scratch() { return std::make_unique<AugmentScratch>(); }

}  // namespace

TEST(Augment, OffAndZeroAmountsGiveTheInputOver255Exactly) {
  auto s = scratch();
  float out[kImageSize];
  Rng rng(7);
  for (size_t i = 0; i < 50; ++i) {
    const uint8_t* in = train_image(i);
    augment_image(out, in, AugmentOptions{}, rng, *s);
    for (int j = 0; j < kImageSize; ++j) ASSERT_EQ(out[j], float(in[j]) / 255.0f) << i << " " << j;
    apply_augment(out, in, transform(), *s);  // the whole warp path with every amount 0
    for (int j = 0; j < kImageSize; ++j) ASSERT_EQ(out[j], float(in[j]) / 255.0f) << i << " " << j;
  }
  // Every byte value, through the warp path.
  uint8_t all[kImageSize];
  for (int j = 0; j < kImageSize; ++j) all[j] = uint8_t(j * 7);
  apply_augment(out, all, transform(), *s);
  for (int j = 0; j < kImageSize; ++j) ASSERT_EQ(out[j], float(all[j]) / 255.0f) << "byte " << int(all[j]);
  // p = 0 never augments, whatever the amounts.
  AugmentOptions never = AugmentOptions::strong();
  never.probability = 0.0f;
  EXPECT_FALSE(never.enabled());
  augment_image(out, train_image(3), never, rng, *s);
  for (int j = 0; j < kImageSize; ++j) ASSERT_EQ(out[j], float(train_image(3)[j]) / 255.0f);
}

TEST(Augment, IntegerShiftMovesPixelsExactly) {
  auto s = scratch();
  float out[kImageSize];
  for (auto [dx, dy] : {std::pair{3, -2}, {-5, 4}, {0, 1}, {-1, 0}}) {
    AugmentParams p = transform();
    p.shiftX = float(dx);
    p.shiftY = float(dy);
    const uint8_t* in = train_image(11);
    apply_augment(out, in, p, *s);
    for (int y = 0; y < kImageSide; ++y)
      for (int x = 0; x < kImageSide; ++x) {
        const int sx = x - dx, sy = y - dy;
        const float want = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? float(in[sy * 28 + sx]) / 255.0f : 0.0f;
        ASSERT_EQ(out[y * 28 + x], want) << "shift " << dx << "," << dy << " at " << x << "," << y;
      }
  }
}

TEST(Augment, Rotation90DegreesIsClockwiseAboutTheCentreOfMass) {
  // A point-symmetric image has its centre of mass at (13.5, 13.5), so a 90° turn maps
  // pixels to pixels: out(x, y) = in(y, 27 − x).
  uint8_t in[kImageSize];
  const uint8_t* digit = train_image(0);
  for (int i = 0; i < kImageSize; ++i) in[i] = std::max(digit[i], digit[kImageSize - 1 - i]);
  in[5 * 28 + 20] = 255;  // and two marks, so that the turn's direction shows
  in[22 * 28 + 7] = 255;
  auto s = scratch();
  float out[kImageSize];
  AugmentParams p = transform();
  p.rotation = 90.0f;
  apply_augment(out, in, p, *s);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      ASSERT_NEAR(out[y * 28 + x], in[(27 - x) * 28 + y] / 255.0f, 1e-6) << x << "," << y;
  // The mark at (x 20, y 5), up-right of the centre, goes down-right: to (22, 20).
  EXPECT_NEAR(out[20 * 28 + 22], 1.0f, 1e-6);
}

TEST(Augment, SmallTransformsKeepTheInkAndScaleMultipliesItByS2) {
  auto s = scratch();
  float out[kImageSize];
  for (size_t i = 0; i < 200; ++i) {
    const uint8_t* in = train_image(i);
    AugmentParams p = transform();
    p.rotation = float(int(i % 21) - 10);
    p.shear = 0.02f * float(int(i % 11) - 5);
    p.shiftX = 0.37f * float(int(i % 7) - 3);
    p.shiftY = -0.29f * float(int(i % 5) - 2);
    apply_augment(out, in, p, *s);
    ASSERT_NEAR(ink(out) / ink(in), 1.0, 0.03) << i;
    p.scale = i % 2 ? 0.9f : 1.1f;
    apply_augment(out, in, p, *s);
    ASSERT_NEAR(ink(out) / (ink(in) * p.scale * p.scale), 1.0, 0.04) << i;
  }
}

TEST(Augment, StrokeThickensAndThins) {
  auto s = scratch();
  float plain[kImageSize], thick[kImageSize], thin[kImageSize];
  for (size_t i = 0; i < 20; ++i) {
    const uint8_t* in = train_image(i);
    AugmentParams p = transform();
    apply_augment(plain, in, p, *s);
    p.stroke = 1.0f;
    apply_augment(thick, in, p, *s);
    p.stroke = -1.0f;
    apply_augment(thin, in, p, *s);
    for (int j = 0; j < kImageSize; ++j) {
      ASSERT_GE(thick[j], plain[j]);
      ASSERT_LE(thin[j], plain[j]);
    }
    EXPECT_GT(ink(thick), 1.3 * ink(plain));
    EXPECT_LT(ink(thin), 0.7 * ink(plain));
  }
}

TEST(Augment, ElasticFieldHasTheStrengthOfSmoothedUniformNoise) {
  // Away from the border, α·(G_σ ⋆ u) with u uniform in [−1, 1] (variance 1/3) has
  // standard deviation α·Σ_t g_t² / √3 (g the 1-D kernel, separable).
  auto s = scratch();
  float out[kImageSize];
  AugmentParams p = transform();
  p.elasticAlpha = 30.0f;
  p.elasticSigma = 3.0f;
  double sum2 = 0.0;
  int n = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    p.elasticSeed = seed;
    apply_augment(out, train_image(seed), p, *s);
    for (int f = 0; f < 2; ++f)
      for (int y = 10; y < 18; ++y)
        for (int x = 10; x < 18; ++x, ++n) sum2 += double(s->field[f][y * 28 + x]) * s->field[f][y * 28 + x];
  }
  double g2 = 0.0;
  for (int t = 0; t <= 2 * s->kernelRadius; ++t) g2 += double(s->kernel[t]) * s->kernel[t];
  EXPECT_EQ(s->kernelRadius, 9);
  EXPECT_NEAR(std::sqrt(sum2 / n) / (30.0 * g2 / std::sqrt(3.0)), 1.0, 0.1);
}

// The field's second-order statistics against those of the exact blur it stands for,
// α·(G_σ ⋆ u) with G_σ the truncated kernel and u uniform in [−1, 1] (variance 1/3),
// zero beyond the image: Cov(F(x, y), F(x', y')) = α²/3 · K(x, x') · K(y, y'),
// K(x, x') = Σ_{c=0..27} g(c − x)·g(c − x'). Over many fields, every pixel and pair:
// the mean variance, and the correlation at lags 1..8 along x and along y. Below
// σ = 4 the field is the exact blur, and only the sampling error of 4,000 fields
// separates them (about 1% in the variance and 0.005 in the correlations at σ 2 to 4,
// 2% and 0.005 at σ 8, where a field has few degrees of freedom); from σ = 4 on it is
// computed at half resolution with bilinear interpolation, which lowers the variance
// (on average over the image, in theory: by 3.3% at σ 4, 1.6% at σ 6, 0.9% at σ 8)
// and raises the correlations (by up to 0.012, 0.004, 0.0015). Tolerances: the
// variance within 6%, each correlation within 0.03 (a σ 10% off changes the variance
// by 20% and the lag-8 correlation at σ 4 by 0.07).
TEST(Augment, ElasticFieldHasTheStatisticsOfTheExactGaussianBlur) {
  auto s = scratch();
  float out[kImageSize];
  for (float sigma : {2.0f, 3.5f, 4.0f, 6.0f, 8.0f}) {
    AugmentParams p = transform();
    p.elasticAlpha = 1.0f;
    p.elasticSigma = sigma;
    constexpr int kLags = 8, kFields = 4000;
    double var = 0.0, lagged[2][kLags + 1] = {}, lead[2][kLags + 1] = {}, trail[2][kLags + 1] = {};
    Rng seeds(11);  // (seeds of one SplitMix64 stream, as in training: never overlapping streams)
    for (uint64_t seed = 1; seed <= kFields / 2; ++seed) {
      p.elasticSeed = seeds.next();
      apply_augment(out, train_image(seed), p, *s);
      for (int f = 0; f < 2; ++f) {
        const float* F = s->field[f];
        for (int i = 0; i < kImageSize; ++i) var += double(F[i]) * F[i];
        for (int d = 1; d <= kLags; ++d)
          for (int y = 0; y < 28; ++y)
            for (int x = 0; x + d < 28; ++x) {
              const double a = F[y * 28 + x], b = F[y * 28 + x + d], c = F[x * 28 + y], e = F[(x + d) * 28 + y];
              lagged[0][d] += a * b, lead[0][d] += a * a, trail[0][d] += b * b;  // along x
              lagged[1][d] += c * e, lead[1][d] += c * c, trail[1][d] += e * e;  // along y
            }
      }
    }
    var /= double(kFields) * kImageSize;
    // The exact blur's: K from the kernel in double.
    const int r = s->kernelRadius;
    auto g = [&](int t) { return std::abs(t) <= r ? double(s->kernel[t + r]) : 0.0; };
    double K[28][28];
    for (int a = 0; a < 28; ++a)
      for (int b = 0; b < 28; ++b) {
        K[a][b] = 0.0;
        for (int c = 0; c < 28; ++c) K[a][b] += g(c - a) * g(c - b);
      }
    double want = 0.0;
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) want += K[x][x] * K[y][y] / 3.0;
    want /= kImageSize;
    EXPECT_NEAR(var / want, 1.0, 0.06) << "variance, sigma " << sigma;  // see above
    double worst = 0.0;
    for (int d = 1; d <= kLags; ++d) {
      double cov = 0.0, v0 = 0.0, v1 = 0.0;  // the same pairs, in theory (either axis: K is symmetric)
      for (int y = 0; y < 28; ++y)
        for (int x = 0; x + d < 28; ++x) {
          cov += K[x][x + d] * K[y][y];
          v0 += K[x][x] * K[y][y];
          v1 += K[x + d][x + d] * K[y][y];
        }
      const double rho = cov / std::sqrt(v0 * v1);
      for (int axis = 0; axis < 2; ++axis) {
        const double got = lagged[axis][d] / std::sqrt(lead[axis][d] * trail[axis][d]);
        EXPECT_NEAR(got, rho, 0.03) << "correlation at lag " << d << (axis ? " along y" : " along x")
                                    << ", sigma " << sigma;
        worst = std::max(worst, std::abs(got - rho));
      }
    }
    std::printf("elastic sigma %g: variance %.4f of the exact blur's, correlations at lags 1..%d within %.4f\n",
                double(sigma), var / want, kLags, worst);
  }
}

TEST(Augment, OutputIsInZeroToOneAndSeedsDecide) {
  auto s = scratch();
  std::vector<float> a(kImageSize), b(kImageSize);
  AugmentOptions strongest;
  for (const AugmentField& f : kAugmentFields) strongest.*f.member = f.max;
  strongest.elasticSigma = 2.0f;
  for (const AugmentOptions& o : {AugmentOptions::mild(), AugmentOptions::strong(), strongest}) {
    int differ = 0;
    for (uint64_t i = 0; i < 300; ++i) {
      Rng r1 = augment_rng(1, i), r2 = augment_rng(1, i), r3 = augment_rng(2, i);
      augment_image(a.data(), train_image(i), o, r1, *s);
      for (float v : a) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << to_string(o) << " image " << i;
      augment_image(b.data(), train_image(i), o, r2, *s);
      ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4)) << "same seed, other bits";
      augment_image(b.data(), train_image(i), o, r3, *s);
      differ += std::memcmp(a.data(), b.data(), a.size() * 4) != 0;
      EXPECT_EQ(r1.state(), r2.state());
    }
    EXPECT_EQ(differ, 300) << to_string(o);
  }
}

TEST(Augment, DrawTakesAFixedNumberOfValues) {
  for (const AugmentOptions& o : {AugmentOptions{}, AugmentOptions::mild(), AugmentOptions::strong()}) {
    Rng a(5), b(5);
    draw_augment(o, a);
    for (int i = 0; i < kAugmentDraws; ++i) b.next();
    EXPECT_EQ(a.state(), b.state()) << to_string(o);
  }
  // augment_rng: a different stream per sample index and per seed.
  EXPECT_NE(augment_rng(1, 0).state(), augment_rng(1, 1).state());
  EXPECT_NE(augment_rng(1, 0).state(), augment_rng(2, 0).state());
  EXPECT_EQ(augment_rng(9, 123).state(), augment_rng(9, 123).state());
}

// The same bits natively and in WebAssembly: this checksum is pinned, and the WASM
// suite runs this test under Node. A change here means the augmentation changed.
TEST(Augment, PinnedChecksumIsTheSameNativelyAndInWebAssembly) {
  auto s = scratch();
  std::vector<float> out(kImageSize);
  uint64_t h = 0xCBF29CE484222325ull;
  for (const AugmentOptions& o : {AugmentOptions::mild(), AugmentOptions::strong()})
    for (uint64_t i = 0; i < 64; ++i) {
      Rng rng = augment_rng(1, i);
      augment_image(out.data(), train_image(i), o, rng, *s);
      h = fnv1a(out.data(), out.size(), h);
    }
  AugmentParams p = transform();
  p.rotation = 33.0f;
  p.elasticAlpha = 8.0f;
  p.elasticSigma = 7.5f;
  p.elasticSeed = 99;
  apply_augment(out.data(), train_image(100), p, *s);
  h = fnv1a(out.data(), out.size(), h);
  EXPECT_EQ(h, 0x8d0bf8a785b619c8ull) << std::hex << h;
}

// ---------------------------------------------------------------- the text form

TEST(AugmentText, PresetsAndItems) {
  AugmentOptions o;
  EXPECT_EQ(parse_augment(o, "off"), "");
  EXPECT_EQ(o, AugmentOptions{});
  EXPECT_EQ(parse_augment(o, "on"), "");
  EXPECT_EQ(o, AugmentOptions::mild());
  EXPECT_EQ(parse_augment(o, "mild"), "");
  EXPECT_EQ(o, AugmentOptions::mild());
  EXPECT_EQ(parse_augment(o, "strong"), "");
  EXPECT_EQ(o, AugmentOptions::strong());

  EXPECT_EQ(parse_augment(o, "rot=10,shift=1.5"), "");
  AugmentOptions want;
  want.rotation = 10.0f;
  want.shift = 1.5f;
  EXPECT_EQ(o, want);

  EXPECT_EQ(parse_augment(o, "mild, elastic=20:3 ,p=0.5"), "");
  want = AugmentOptions::mild();
  want.elasticAlpha = 20.0f;
  want.elasticSigma = 3.0f;
  want.probability = 0.5f;
  EXPECT_EQ(o, want);

  EXPECT_EQ(parse_augment(o, "elastic=34,scale=.1,shear=3.6e-1,stroke=1"), "");
  want = AugmentOptions{};
  want.elasticAlpha = 34.0f;
  want.scale = 0.1f;
  want.shear = 0.36f;
  want.stroke = 1.0f;
  EXPECT_EQ(o, want);
  EXPECT_EQ(o.elasticSigma, 4.0f);

  EXPECT_EQ(to_string(AugmentOptions{}), "off");
  EXPECT_EQ(to_string(AugmentOptions::mild()), "rot=8,scale=0.08,shift=2,shear=0.15,stroke=0.7");
  EXPECT_EQ(to_string(AugmentOptions::strong()),
            "rot=12,scale=0.12,shift=3,shear=0.3,elastic=20,stroke=0.8");
  EXPECT_EQ(to_string(want), "scale=0.1,shear=0.36,elastic=34,stroke=1");
}

TEST(AugmentText, ToStringRoundTripsBitForBit) {
  Rng rng(3);
  for (int i = 0; i < 2000; ++i) {
    AugmentOptions o;
    for (const AugmentField& f : kAugmentFields) {
      const uint32_t pick = rng.below(4);  // min, max, an odd value, or the default
      if (pick == 0) o.*f.member = f.min;
      else if (pick == 1) o.*f.member = f.max;
      else if (pick == 2) o.*f.member = f.min + (f.max - f.min) * rng.uniform();
    }
    ASSERT_EQ(validate(o), "");
    AugmentOptions back;
    back.rotation = -1.0f;  // anything: parsing must set every field
    const std::string text = to_string(o);
    ASSERT_EQ(parse_augment(back, text), "") << text;
    ASSERT_EQ(0, std::memcmp(&back, &o, sizeof o)) << text;
  }
}

TEST(AugmentText, BadInputIsRejectedWithAMessageNamingIt) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty augmentation"},
      {"   ", "empty augmentation"},
      {"yes", "unknown augmentation 'yes'"},
      {"rott=8", "unknown key 'rott' in 'rott=8' (keys: rot, scale, shift, shear, elastic, stroke, p)"},
      {"rot=90", "rot must be between 0 and 45 degrees, got '90'"},
      {"rot=-1", "rot must be between 0 and 45 degrees, got '-1'"},
      {"rot=abc", "rot must be a number between 0 and 45 degrees, got 'abc'"},
      {"rot=nan", "rot must be a number"},
      {"rot=inf", "rot must be a number"},
      {"rot=0x10", "rot must be a number"},
      {"rot=1e99", "rot must be a number"},
      {"rot=", "missing value for rot in 'rot='"},
      {"rot=8,rot=9", "rot given twice"},
      {"rot=8,,shift=1", "empty item 2 in 'rot=8,,shift=1'"},
      {"rot=8,", "empty item 2"},
      {"rot=8,mild", "the preset 'mild' must come first"},
      {"scale=0.6", "scale must be between 0 and 0.5, got '0.6'"},
      {"shift=9", "shift must be between 0 and 8 pixels, got '9'"},
      {"shear=2", "shear must be between 0 and 1, got '2'"},
      {"elastic=70", "elastic alpha must be between 0 and 60 pixels, got '70'"},
      {"elastic=34:0.5", "elastic sigma must be between 1 and 8 pixels, got '0.5'"},
      {"elastic=34:", "elastic sigma must be a number between 1 and 8 pixels, got '' (elastic=ALPHA or elastic=ALPHA:SIGMA)"},
      {"elastic=34:4:4", "elastic sigma must be a number"},
      {"stroke=1.5", "stroke must be between 0 and 1, got '1.5'"},
      {"p=2", "p must be between 0 and 1, got '2'"},
      {"Mild", "unknown augmentation 'Mild'"},
      {"rot=8\x1b[31m", "rot must be a number between 0 and 45 degrees, got '8\\x1B[31m'"},
      {"\x07\x7f=1", "unknown key '\\x07\\x7F'"},
      {"a'b=1", "unknown key 'a\\'b'"},
      {"rot=111111111111111111111111111111111111111111111111111111",
       "got '1111111111111111111111111111111111111111...'"},
  };
  for (const auto& [spec, message] : cases) {
    AugmentOptions o = AugmentOptions::mild();
    const std::string e = parse_augment(o, spec);
    EXPECT_NE(e.find(message), std::string::npos) << "spec " << spec << "\n got: " << e;
    EXPECT_EQ(o, AugmentOptions::mild()) << "unchanged on error: " << spec;
    for (char c : e) EXPECT_FALSE((unsigned char)c < 0x20 || c == 0x7F) << "raw control character in: " << e;
  }
}

TEST(AugmentText, ValidateNamesTheField) {
  AugmentOptions o;
  EXPECT_EQ(validate(o), "");
  EXPECT_EQ(validate(AugmentOptions::mild()), "");
  EXPECT_EQ(validate(AugmentOptions::strong()), "");
  o.elasticSigma = 0.0f;
  EXPECT_EQ(validate(o), "elastic sigma must be between 1 and 8 pixels, got 0");
  o = AugmentOptions{};
  o.shift = NAN;
  EXPECT_EQ(validate(o), "shift must be between 0 and 8 pixels, got nan");
}

// ---------------------------------------------------------------- cost

// Not a pass/fail test: prints the cost of augmentation and of a training step with
// and without it, in whichever build runs it (the WASM suite runs it under Node, which
// is how the WebAssembly figures in the README were measured). Google Benchmark
// (build/cnnlab_bench, BM_Augment and BM_TrainStepAugmented) gives the native ones.
TEST(AugmentCost, PrintsMicrosecondsPerSample) {
  const auto& train = mnist("train");
  auto s = scratch();
  Model m(Config{}, 1);
  std::vector<float> image(kImageSize);
  AugmentOptions affine;
  affine.rotation = 8.0f;
  affine.scale = 0.08f;
  affine.shift = 2.0f;
  AugmentOptions elastic;
  elastic.elasticAlpha = 34.0f;
  const std::pair<const char*, AugmentOptions> sets[] = {
      {"off", {}}, {"mild", AugmentOptions::mild()}, {"affine", affine}, {"elastic=34", elastic},
      {"strong", AugmentOptions::strong()}};
  constexpr int kSets = 5, kRounds = 5, n = 3000;
  // The time of n samples: the minimum over rounds that interleave the sets, so that
  // other load on the machine affects every set alike.
  double alone[kSets], withStep[kSets];
  std::fill(alone, alone + kSets, 1e30);
  std::fill(withStep, withStep + kSets, 1e30);
  uint64_t index = 0;
  for (int round = 0; round < kRounds; ++round)
    for (int j = 0; j < kSets; ++j)
      for (bool step : {false, true}) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i, ++index) {
          const size_t k = size_t(index * 7919 % train.count);
          Rng rng = augment_rng(1, index);
          augment_image(image.data(), train.images.data() + k * kImageSize, sets[j].second, rng, *s);
          if (step) m.step(image.data(), train.labels[k], 0.01f);
        }
        const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / n;
        double& best = step ? withStep[j] : alone[j];
        best = std::min(best, us);
      }
  for (int j = 0; j < kSets; ++j)
    std::printf("augment %-11s %6.2f us/sample alone; a training step with it %6.2f us: %5.1f%% of off's samples/s\n",
                sets[j].first, alone[j], withStep[j], 100.0 * withStep[0] / withStep[j]);
}
