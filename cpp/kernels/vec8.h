// An 8-lane float vector in GCC/Clang vector extensions. Natively it compiles to
// AVX (or pairs of SSE registers); under Emscripten with -msimd128 to pairs of
// WebAssembly v128. Lane arithmetic is plain IEEE single precision with no FMA
// contraction (-ffp-contract=off), so every lane computes exactly what the scalar
// code computes, on every platform.
#pragma once
#include <cstring>

namespace cnnlab {

typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef int i32x4 __attribute__((vector_size(16)));  // lane masks: a comparison gives −1 or 0

inline f32x8 load8(const float* p) {
  f32x8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }
inline f32x8 splat8(float s) { return f32x8{s, s, s, s, s, s, s, s}; }
inline f32x4 load4(const float* p) {
  f32x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, f32x4 v) { std::memcpy(p, &v, sizeof v); }
inline f32x4 splat4(float s) { return f32x4{s, s, s, s}; }
inline f32x4 low4(f32x8 v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3); }
inline f32x4 high4(f32x8 v) { return __builtin_shufflevector(v, v, 4, 5, 6, 7); }

// The four lane sums of a, b, c, d as one vector {Σa, Σb, Σc, Σd}, by shuffles
// (no lane extraction, which is slow in WebAssembly). Fixed order everywhere:
// Σv = (v0 + v2) + (v1 + v3).
inline f32x4 sum4x4(f32x4 a, f32x4 b, f32x4 c, f32x4 d) {
  const f32x4 ab = __builtin_shufflevector(a, b, 0, 1, 4, 5) + __builtin_shufflevector(a, b, 2, 3, 6, 7);
  const f32x4 cd = __builtin_shufflevector(c, d, 0, 1, 4, 5) + __builtin_shufflevector(c, d, 2, 3, 6, 7);
  return __builtin_shufflevector(ab, cd, 0, 2, 4, 6) + __builtin_shufflevector(ab, cd, 1, 3, 5, 7);
}

// The lane sum of v in sum4x4's order: (v0 + v2) + (v1 + v3).
inline float sum4(f32x4 v) {
  const f32x4 h = v + __builtin_shufflevector(v, v, 2, 3, 0, 1);
  return h[0] + h[1];
}

// Fixed pairwise order, the same on every platform.
inline float sum8(f32x8 v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

}  // namespace cnnlab
