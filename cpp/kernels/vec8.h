// An 8-lane float vector in GCC/Clang vector extensions. Natively it compiles to
// AVX (or pairs of SSE registers); under Emscripten with -msimd128 to pairs of
// WebAssembly v128. Lane arithmetic is plain IEEE single precision with no FMA
// contraction (-ffp-contract=off), so every lane computes exactly what the scalar
// code computes, on every platform.
#pragma once
#include <cstring>

namespace cnnlab {

typedef float f32x8 __attribute__((vector_size(32)));

inline f32x8 load8(const float* p) {
  f32x8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }
inline f32x8 splat8(float s) { return f32x8{s, s, s, s, s, s, s, s}; }
// Fixed pairwise order, the same on every platform.
inline float sum8(f32x8 v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

}  // namespace cnnlab
