// Helpers shared by the tests of the core's training run (test_run, test_augmented_run,
// test_augment, test_network): bit-for-bit comparisons and a checksum of float bits.
#pragma once
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "network/model.h"

namespace cnnlab::testing {

inline bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

// 64-bit FNV-1a over the bit patterns of the floats (pinned checksums of parameters).
inline uint64_t fnv1a(const float* v, size_t n, uint64_t h = 0xCBF29CE484222325ull) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, v + i, 4);
    for (int b = 0; b < 4; ++b) {
      h ^= (bits >> (8 * b)) & 0xFF;
      h *= 0x100000001B3ull;
    }
  }
  return h;
}

// Two models are at the same point of the same run: θ and every field of the run state.
inline void expect_same_run(Model& a, Model& b) {
  EXPECT_TRUE(bit_identical(a.get_params(), b.get_params()));
  const RunState &x = a.run(), &y = b.run();
  EXPECT_EQ(x.epoch, y.epoch);
  EXPECT_EQ(x.position, y.position);
  EXPECT_EQ(x.samplesSeen, y.samplesSeen);
  EXPECT_EQ(x.epochRngState, y.epochRngState);
  EXPECT_EQ(x.inBatch, y.inBatch);
  EXPECT_EQ(std::memcmp(&x.learningRate, &y.learningRate, 4), 0);
  EXPECT_TRUE(bit_identical(x.velocity, y.velocity));
  EXPECT_TRUE(bit_identical(x.gradSum, y.gradSum));
}

}  // namespace cnnlab::testing
