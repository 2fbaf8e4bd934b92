// The page's live gradient check agrees with backprop on a real MNIST digit, and
// reports the kinks where the loss has no derivative.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "mnist_fixture.h"
#include "network/gradcheck.h"
#include "network/model.h"

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
      const auto groups = gradient_check(net, image.data(), test.labels[3], 12, 1e-4f, 1);
      ASSERT_EQ(groups.size(), 8u);
      for (const auto& g : groups) {
        EXPECT_GT(g.probes, 0) << g.name;
        // Double-precision finite differences against float backprop: well under the
        // page's verdict threshold of 1e-2.
        EXPECT_LT(g.maxRelativeError, 1e-3) << to_string(f) << "/" << to_string(p) << " " << g.name;
      }
      EXPECT_EQ(before, std::vector<float>(net.params(), net.params() + net.param_count()));
      // Reading 1: with ReLU, the digit's blank border leaves the pre-activations of
      // C¹ at exactly b¹ = 0, a kink; the check finds it for the conv1 bias.
      if (f == Activation::ReLU) {
        EXPECT_GT(groups[1].kinkProbes, 0) << "conv1.bias";
        EXPECT_GT(groups[1].maxKinkRelativeError, 1e-3);
        std::printf("%s/%s conv1.bias: %d of %d probes at a kink, relative error there %.3g\n",
                    to_string(f), to_string(p), groups[1].kinkProbes, groups[1].probes,
                    groups[1].maxKinkRelativeError);
      }
    }
}

// With the shipped ReLU weights, b¹ is slightly negative: the blank border's C¹ = b¹
// sits near, not at, the kink. Double-precision differences with a small ε agree.
TEST(LiveGradientCheck, AgreesNearTheKinkWithTrainedWeights) {
  const auto& test = cnnlab::testing::mnist("t10k");
  Config c;
  Network net(c, 1);
  Model trained(c, 1);
  trained.set_training_data(cnnlab::testing::mnist("train").images.data(),
                            cnnlab::testing::mnist("train").labels.data(), 5000);
  trained.train(5000);
  const auto params = trained.get_params();
  std::copy(params.begin(), params.end(), net.params());
  for (int index : {11, 18, 42}) {
    std::vector<float> image(kImageSize);
    for (int i = 0; i < kImageSize; ++i) image[i] = test.images[size_t(kImageSize) * index + i] / 255.0f;
    for (const auto& g : gradient_check(net, image.data(), test.labels[index], 20, 1e-4f, 2))
      EXPECT_LT(g.maxRelativeError, 1e-3) << "test image " << index << " " << g.name;
  }
}
