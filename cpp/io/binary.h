// Little-endian fields assembled byte by byte (the same bytes on any host), shared by
// the binary weights file and the checkpoint format, and the one-byte codes both
// use for f and the pooling (fixed by the formats, not by the enums).
#pragma once
#include <cstdint>
#include <cstring>
#include <optional>

#include "network/config.h"

namespace cnnlab::binary {

inline void put_u16(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
inline void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
inline void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
inline uint32_t get_u16(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
inline uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint64_t get_u64(const uint8_t* p) { return uint64_t(get_u32(p)) | uint64_t(get_u32(p + 4)) << 32; }

// std::bit_cast is missing from Emscripten's libc++ 14.
inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint64_t double_bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}
inline double bits_double(uint64_t u) {
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}
inline void put_f32(uint8_t* p, float v) { put_u32(p, float_bits(v)); }
inline float get_f32(const uint8_t* p) { return bits_float(get_u32(p)); }

// f: 0 relu, 1 tanh, 2 sigmoid; pooling: 0 average, 1 max.
inline uint8_t activation_code(Activation a) {
  switch (a) {
    case Activation::ReLU: return 0;
    case Activation::Tanh: return 1;
    case Activation::Sigmoid: return 2;
  }
  return 0xFF;
}
inline uint8_t pooling_code(Pooling p) { return p == Pooling::Max ? 1 : 0; }
inline std::optional<Activation> activation_from_code(uint8_t c) {
  if (c == 0) return Activation::ReLU;
  if (c == 1) return Activation::Tanh;
  if (c == 2) return Activation::Sigmoid;
  return std::nullopt;
}
inline std::optional<Pooling> pooling_from_code(uint8_t c) {
  if (c == 0) return Pooling::Average;
  if (c == 1) return Pooling::Max;
  return std::nullopt;
}

}  // namespace cnnlab::binary
