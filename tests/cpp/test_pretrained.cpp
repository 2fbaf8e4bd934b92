// The pretrained weights shipped for the page (public/models/cnnlab-default.json,
// made by the command recorded in public/models/cnnlab-default.md) load and reach
// ≥ 99.0% on the 10,000 MNIST test images.
#include <gtest/gtest.h>

#include "io/weights.h"
#include "mnist_fixture.h"
#include "network/model.h"

using namespace cnnlab;

TEST(Pretrained, ShippedWeightsReach99_0Percent) {
  const auto w = load_weights_file(std::string(CNNLAB_SOURCE_DIR) + "/public/models/cnnlab-default.json");
  EXPECT_EQ(w.config, Config{});
  ASSERT_EQ(w.params.size(), 6070u);
  Model m(w.config, 1);
  m.set_params(w.params.data(), w.params.size());
  const auto& test = cnnlab::testing::mnist("t10k");
  const auto e = m.evaluate(test.images.data(), test.labels.data(), test.count);
  std::printf("shipped weights: test accuracy %.2f%%, mean loss %.4f\n", 100 * e.accuracy, e.meanLoss);
  EXPECT_GE(e.accuracy, 0.990);
}
