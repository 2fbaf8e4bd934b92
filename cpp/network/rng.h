// The project's own pseudo-random generator (SplitMix64), so that a seed gives the
// same numbers natively and in WebAssembly: only integer arithmetic and exact
// integer→float conversions, no std:: distributions.
#pragma once
#include <cstdint>

namespace cnnlab {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 24 random bits: exactly representable.
  float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }
  // Uniform in [−bound, bound).
  float symmetric(float bound) { return bound * (2.0f * uniform() - 1.0f); }
  // Uniform integer in [0, n), n ≥ 1 (multiply-shift, no division).
  uint32_t below(uint32_t n) { return uint32_t(((next() >> 32) * uint64_t(n)) >> 32); }
  uint64_t state() const { return state_; }
  void set_state(uint64_t s) { state_ = s; }

 private:
  uint64_t state_;
};

}  // namespace cnnlab
