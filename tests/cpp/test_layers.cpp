// Hand-computed small cases for each layer: pooling (average and max) forward and
// backward, activation derivatives, softmax + cross-entropy with δ = S − Y, dense.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "layers/activation.h"
#include "layers/dense.h"
#include "layers/detmath.h"
#include "layers/pool.h"
#include "layers/softmax_xent.h"
#include "network/config.h"
#include "random_vector.h"

using namespace cnnlab;

TEST(Pooling, AverageForwardIsQuarterSumOfEachBlock) {  // eq. (3), p. 3
  const std::vector<float> in = {1, 2, 3, 4,  //
                                 5, 6, 7, 8,  //
                                 -1, -2, 0, 0,  //
                                 -3, -4, 0, 8};
  std::vector<float> out(4);
  pool_forward(out.data(), in.data(), 1, 4, Pooling::Average);
  EXPECT_EQ(out, (std::vector<float>{3.5f, 5.5f, -2.5f, 2.0f}));
}

TEST(Pooling, AverageBackwardSpreadsQuarterDelta) {  // δC(i,j) = ¼ δC_P(⌈i/2⌉,⌈j/2⌉)
  const std::vector<float> in(16, 0.0f), dOut = {4, -8, 2, 1};
  std::vector<float> dIn(16, NAN);
  pool_backward(dIn.data(), dOut.data(), in.data(), 1, 4, Pooling::Average);
  EXPECT_EQ(dIn, (std::vector<float>{1, 1, -2, -2, 1, 1, -2, -2, 0.5f, 0.5f, 0.25f, 0.25f,
                                     0.5f, 0.5f, 0.25f, 0.25f}));
}

TEST(Pooling, MaxForwardAndBackwardRouteToArgMax) {
  const std::vector<float> in = {1, 9, 3, 4,  //
                                 5, 6, 7, 2,  //
                                 -1, -2, 0, 0,  //
                                 -3, -4, 0, 0};  // last block all ties: first cell wins
  std::vector<float> out(4);
  pool_forward(out.data(), in.data(), 1, 4, Pooling::Max);
  EXPECT_EQ(out, (std::vector<float>{9, 7, -1, 0}));
  const std::vector<float> dOut = {1, 2, 3, 4};
  std::vector<float> dIn(16, NAN);
  pool_backward(dIn.data(), dOut.data(), in.data(), 1, 4, Pooling::Max);
  EXPECT_EQ(dIn, (std::vector<float>{0, 1, 0, 0, 0, 0, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0}));
}

TEST(Activation, ValuesAndDerivatives) {
  EXPECT_EQ(activate(-1.0f, Activation::ReLU), 0.0f);
  EXPECT_EQ(activate(2.5f, Activation::ReLU), 2.5f);
  EXPECT_EQ(activate_derivative(-1.0f, Activation::ReLU), 0.0f);
  EXPECT_EQ(activate_derivative(0.0f, Activation::ReLU), 0.0f);  // ReLU′(0) = 0 (reading 1)
  EXPECT_EQ(activate_derivative(3.0f, Activation::ReLU), 1.0f);
  EXPECT_NEAR(activate(0.5f, Activation::Tanh), 0.46211715726f, 1e-7);
  EXPECT_NEAR(activate_derivative(0.0f, Activation::Tanh), 1.0f, 1e-7);
  EXPECT_NEAR(activate_derivative(1.0f, Activation::Tanh), 0.41997434161f, 1e-7);  // 1 − tanh²(1)
  EXPECT_NEAR(activate(0.0f, Activation::Sigmoid), 0.5f, 1e-7);
  EXPECT_NEAR(activate(2.0f, Activation::Sigmoid), 0.88079707797f, 1e-7);
  EXPECT_NEAR(activate_derivative(0.0f, Activation::Sigmoid), 0.25f, 1e-7);
  EXPECT_NEAR(activate_derivative(2.0f, Activation::Sigmoid), 0.10499358540f, 1e-7);
  // Backward uses the stored output: δ ⊙ f′.
  const std::vector<float> pre = {-1.0f, 0.0f, 2.0f}, dOut = {5.0f, 5.0f, 5.0f};
  for (Activation f : {Activation::ReLU, Activation::Tanh, Activation::Sigmoid}) {
    std::vector<float> out(3), dPre(3);
    activation_forward(out.data(), pre.data(), 3, f);
    activation_backward(dPre.data(), dOut.data(), pre.data(), out.data(), 3, f);
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(dPre[i], 5.0f * activate_derivative(pre[i], f), 1e-6) << to_string(f) << i;
  }
}

// The pooling and activation loops run 4 outputs at a time on vectors: against the
// plain per-element formulas over many sizes (vector part, scalar tail, both), with
// ties, zeros, −0 and NaN in the input and the outputs NaN-filled first, bit for bit.
namespace {
// The bits of a number; every NaN as one value (the sign and payload of a NaN result
// are not specified by IEEE 754 or WebAssembly, and compilers may swap operands).
uint32_t bits(float f) {
  if (std::isnan(f)) return 0x7FC00000u;
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
std::vector<float> awkward_values(size_t n, uint64_t seed) {
  auto v = cnnlab::testing::random_vector(n, seed);
  for (size_t i = 0; i < n; ++i) {
    if (i % 7 == 3) v[i] = 0.0f;
    if (i % 11 == 5) v[i] = -0.0f;
    if (i % 13 == 1 && i > 0) v[i] = v[i - 1];  // a tie
    if (i % 29 == 17) v[i] = NAN;
  }
  return v;
}
}  // namespace

TEST(Pooling, VectorLoopsMatchThePerElementFormulasBitForBit) {
  for (Pooling mode : {Pooling::Average, Pooling::Max})
    for (int S = 2; S <= 28; S += 2)
      for (int C : {1, 3}) {
        const int P = S / 2;
        const auto in = awkward_values(size_t(C) * S * S, 100 + S);
        const auto dOut = awkward_values(size_t(C) * P * P, 200 + S);
        std::vector<float> out(size_t(C) * P * P, NAN), dIn(size_t(C) * S * S, NAN);
        pool_forward(out.data(), in.data(), C, S, mode);
        pool_backward(dIn.data(), dOut.data(), in.data(), C, S, mode);
        for (int c = 0; c < C; ++c)
          for (int i = 0; i < P; ++i)
            for (int j = 0; j < P; ++j) {
              const int at = (c * S + 2 * i) * S + 2 * j;
              const float a = in[at], b = in[at + 1], d = in[at + S], e = in[at + S + 1];
              const float g = dOut[(c * P + i) * P + j];
              float v, cell[4];
              if (mode == Pooling::Average) {
                v = 0.25f * ((a + b) + (d + e));
                for (float& x : cell) x = 0.25f * g;
              } else {
                v = b > a ? b : a;
                int best = b > a ? 1 : 0;
                best = d > v ? 2 : best;
                v = d > v ? d : v;
                best = e > v ? 3 : best;
                v = e > v ? e : v;
                for (int k = 0; k < 4; ++k) cell[k] = k == best ? g : 0.0f;
              }
              ASSERT_EQ(bits(out[(c * P + i) * P + j]), bits(v)) << to_string(mode) << " S=" << S << " c=" << c << " (" << i << "," << j << ")";
              const int cells[4] = {at, at + 1, at + S, at + S + 1};
              for (int k = 0; k < 4; ++k)
                ASSERT_EQ(bits(dIn[cells[k]]), bits(cell[k])) << to_string(mode) << " backward S=" << S << " c=" << c << " (" << i << "," << j << ") cell " << k;
            }
      }
}

TEST(Activation, VectorLoopsMatchThePerElementFormulasBitForBit) {
  for (Activation f : {Activation::ReLU, Activation::Tanh, Activation::Sigmoid})
    for (int n = 1; n <= 41; ++n) {
      const auto pre = awkward_values(size_t(n), 300 + n), dOut = awkward_values(size_t(n), 400 + n);
      std::vector<float> out(n, NAN), dPre(n, NAN);
      activation_forward(out.data(), pre.data(), n, f);
      activation_backward(dPre.data(), dOut.data(), pre.data(), out.data(), n, f);
      for (int i = 0; i < n; ++i) {
        const float y = f == Activation::ReLU ? (pre[i] > 0.0f ? pre[i] : 0.0f) : activate(pre[i], f);
        const float dp = f == Activation::ReLU  ? (pre[i] > 0.0f ? dOut[i] : 0.0f)
                         : f == Activation::Tanh ? dOut[i] * (1.0f - y * y)
                                                 : dOut[i] * (y * (1.0f - y));
        ASSERT_EQ(bits(out[i]), bits(y)) << to_string(f) << " n=" << n << " i=" << i;
        ASSERT_EQ(bits(dPre[i]), bits(dp)) << to_string(f) << " backward n=" << n << " i=" << i;
      }
    }
}

// f and pooling fused into one pass (forward and backward) against the two separate
// layers, for every f and pooling, over many sizes (vector path and fallbacks).
TEST(Pooling, FusedWithTheActivationEqualsTheTwoLayersBitForBit) {
  for (Activation f : {Activation::ReLU, Activation::Tanh, Activation::Sigmoid})
    for (Pooling mode : {Pooling::Average, Pooling::Max})
      for (int S = 2; S <= 28; S += 2)
        for (int C : {1, 4}) {
          const int P = S / 2, n = C * S * S;
          const auto pre = awkward_values(size_t(n), 500 + S), dPooled = awkward_values(size_t(C) * P * P, 600 + S);
          std::vector<float> act(n, NAN), pooled(size_t(C) * P * P, NAN), act2 = act, pooled2 = pooled;
          activation_forward(act.data(), pre.data(), n, f);
          pool_forward(pooled.data(), act.data(), C, S, mode);
          activation_pool_forward(act2.data(), pooled2.data(), pre.data(), C, S, f, mode);
          std::vector<float> dAct(n, NAN), dPre(n, NAN), dAct2 = dAct, dPre2 = dPre;
          pool_backward(dAct.data(), dPooled.data(), act.data(), C, S, mode);
          activation_backward(dPre.data(), dAct.data(), pre.data(), act.data(), n, f);
          pool_activation_backward(dAct2.data(), dPre2.data(), dPooled.data(), pre.data(), act.data(), C, S, f, mode);
          const auto same = [&](const std::vector<float>& a, const std::vector<float>& b, const char* what) {
            for (size_t i = 0; i < a.size(); ++i)
              ASSERT_EQ(bits(a[i]), bits(b[i])) << what << " " << to_string(f) << " " << to_string(mode)
                                                << " S=" << S << " C=" << C << " i=" << i;
          };
          same(act, act2, "act");
          same(pooled, pooled2, "pooled");
          same(dAct, dAct2, "dAct");
          same(dPre, dPre2, "dPre");
        }
}

TEST(DetMath, ExpAndLogAgreeWithTheCLibraryToDoublePrecisionNoise) {
  for (double x = -80.0; x <= 80.0; x += 0.37) {
    EXPECT_NEAR(detmath::exp(x) / std::exp(x), 1.0, 1e-13) << x;
    const double y = std::exp(x);
    EXPECT_NEAR(detmath::log(y), x, 1e-12 * std::max(1.0, std::fabs(x))) << x;
  }
  EXPECT_EQ(detmath::exp(1000.0), HUGE_VAL);
  EXPECT_EQ(detmath::exp(-1000.0), 0.0);
  EXPECT_TRUE(std::isnan(detmath::log(-1.0)));
}

TEST(DetMath, SinAndCosAgreeWithTheCLibraryToDoublePrecisionNoise) {
  for (double x = -1000.0; x <= 1000.0; x += 0.0137) {
    ASSERT_NEAR(detmath::sin(x), std::sin(x), 1e-14) << x;
    ASSERT_NEAR(detmath::cos(x), std::cos(x), 1e-14) << x;
  }
  for (double x : {1e5, -1e5 + 0.3, 999999.0})
    EXPECT_NEAR(detmath::sin(x), std::sin(x), 1e-12) << x;
  const double pi = 3.14159265358979323846;
  EXPECT_EQ(detmath::sin(0.0), 0.0);
  EXPECT_EQ(detmath::cos(0.0), 1.0);
  EXPECT_EQ(detmath::sin(pi / 2), 1.0);
  EXPECT_NEAR(detmath::cos(pi / 2), 0.0, 1e-16);
  EXPECT_NEAR(detmath::sin(8.0 * pi / 180.0), 0.13917310096006544, 1e-16);
  EXPECT_TRUE(std::isnan(detmath::sin(NAN)));
  EXPECT_TRUE(std::isnan(detmath::cos(INFINITY)));
}

TEST(SoftmaxCrossEntropy, UniformLogitsGiveLn10AndDeltaSMinusY) {
  const std::vector<float> logits(10, 0.3f);
  std::vector<float> probs(10), delta(10);
  const float loss = softmax_xent_forward(probs.data(), logits.data(), 3, 10);
  EXPECT_NEAR(loss, 2.302585093f, 1e-6);
  softmax_xent_backward(delta.data(), probs.data(), 3, 10);
  for (int k = 0; k < 10; ++k) EXPECT_NEAR(delta[k], k == 3 ? -0.9f : 0.1f, 1e-7);  // δ = S − Y
}

TEST(SoftmaxCrossEntropy, TwoClassHandComputed) {
  // logits (ln 3, 0): S = (3/4, 1/4); L(label 1) = ln 4; δ = (3/4, −3/4).
  const float logits[2] = {std::log(3.0f), 0.0f};
  float probs[2], delta[2];
  EXPECT_NEAR(softmax_xent_forward(probs, logits, 1, 2), std::log(4.0f), 1e-6);
  EXPECT_NEAR(probs[0], 0.75f, 1e-7);
  softmax_xent_backward(delta, probs, 1, 2);
  EXPECT_NEAR(delta[0], 0.75f, 1e-7);
  EXPECT_NEAR(delta[1], -0.75f, 1e-7);
  // Huge logits stay finite (log-sum-exp).
  const float big[2] = {1000.0f, -1000.0f};
  EXPECT_NEAR(softmax_xent_forward(probs, big, 1, 2), 2000.0f, 1e-3);
}

TEST(Dense, ForwardAndBackwardHandComputed) {
  // W = [[1, 2, 3], [−1, 0, 1]], b = [0.5, −0.5], x = [1, 2, 3]
  const std::vector<float> W = {1, 2, 3, -1, 0, 1}, b = {0.5f, -0.5f}, x = {1, 2, 3};
  std::vector<float> out(2);
  dense_forward(out.data(), x.data(), W.data(), b.data(), 2, 3);
  EXPECT_EQ(out, (std::vector<float>{14.5f, 1.5f}));
  const std::vector<float> delta = {1.0f, -2.0f};
  std::vector<float> dW(6), db(2), dIn(3);
  dense_backward(dW.data(), db.data(), dIn.data(), delta.data(), x.data(), W.data(), 2, 3);
  EXPECT_EQ(dW, (std::vector<float>{1, 2, 3, -2, -4, -6}));  // ΔW = δ·xᵀ
  EXPECT_EQ(db, delta);                                      // Δb = δ
  EXPECT_EQ(dIn, (std::vector<float>{3, 2, 1}));             // Wᵀδ
}
