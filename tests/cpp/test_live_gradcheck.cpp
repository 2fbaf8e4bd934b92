// The page's live gradient check agrees with backprop on a real MNIST digit, and
// reports the kinks where the loss has no derivative.
#include <gtest/gtest.h>

#include <vector>

#include "mnist_fixture.h"
#include "network/gradcheck.h"

using namespace cnnlab;

TEST(LiveGradientCheck, EveryGroupAgreesOnARealDigit) {
  const auto& test = cnnlab::testing::mnist("t10k");
  std::vector<float> image(kImageSize);
  for (int i = 0; i < kImageSize; ++i) image[i] = test.images[kImageSize * 3 + i] / 255.0f;
  for (Activation f : {Activation::ReLU, Activation::Tanh})
    for (Pooling p : {Pooling::Average, Pooling::Max}) {
      Config c;
      c.activation = f;
      c.pooling = p;
      Network net(c, 5);
      const std::vector<float> before(net.params(), net.params() + net.param_count());
      const auto groups = gradient_check(net, image.data(), test.labels[3], 12, 1e-3f, 1);
      ASSERT_EQ(groups.size(), 8u);
      for (const auto& g : groups) {
        EXPECT_GT(g.probes, 0) << g.name;
        // The page's verdict threshold: relative error < 1e-2.
        EXPECT_LT(g.maxRelativeError, 1e-2) << to_string(f) << "/" << to_string(p) << " " << g.name;
      }
      EXPECT_EQ(before, std::vector<float>(net.params(), net.params() + net.param_count()));
      // Reading 1: with ReLU, the digit's blank border leaves the pre-activations of
      // C¹ at exactly b¹ = 0, a kink; the check finds it for the conv1 bias.
      if (f == Activation::ReLU) {
        EXPECT_GT(groups[1].kinkProbes, 0) << "conv1.bias";
        EXPECT_GT(groups[1].maxKinkRelativeError, 1e-2);
      }
    }
}
