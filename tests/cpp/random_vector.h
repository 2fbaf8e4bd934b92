// Deterministic random test data in [−1, 1) from the project's Rng (for the kernel
// tests and the kernel benchmarks).
#pragma once
#include <vector>

#include "network/rng.h"

namespace cnnlab::testing {

inline std::vector<float> random_vector(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.symmetric(1.0f);
  return v;
}

}  // namespace cnnlab::testing
