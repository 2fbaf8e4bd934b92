// Weights files in the binary format (README "Weights files", Binary): writing, and
// reading with every check in the documented order. Fields are assembled byte by
// byte with io/binary.h, as the checkpoint format does.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/binary.h"
#include "io/weights.h"
#include "io/weights_internal.h"

namespace cnnlab {

using namespace weights_detail;
using namespace binary;

namespace {

constexpr size_t kHeaderSize = 24, kChecksumSize = 4;

std::string hex32(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += digits[(v >> shift) & 15];
  return s;
}

// The first bytes of a file that is not ours, as a quoted C-like string: printable
// ASCII as is, everything else (and " and \) as \xNN.
std::string magic_string(const uint8_t* data, size_t size) {
  std::string got;
  for (size_t i = 0; i < std::min<size_t>(size, 8); ++i) {
    const char c = char(data[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') got += c;
    else got += "\\x" + hex32(data[i]).substr(8);
  }
  return "\"" + got + "\"";
}

}  // namespace

std::vector<uint8_t> weights_to_binary(const Config& config, const float* params) {
  check_for_saving(config, params);
  const size_t n = ParamLayout(config).total;
  const size_t body = kHeaderSize + 4 * n;
  std::vector<uint8_t> out(body + kChecksumSize);
  uint8_t* p = out.data();
  std::memcpy(p, kWeightsMagic, 8);
  put_u32(p + 8, kWeightsVersion);
  p[12] = activation_code(config.activation);
  p[13] = pooling_code(config.pooling);
  put_u16(p + 14, uint32_t(config.maps1));
  put_u16(p + 16, uint32_t(config.maps2));
  put_u16(p + 18, uint32_t(config.hidden));
  put_u32(p + 20, uint32_t(n));
  for (size_t i = 0; i < n; ++i) put_f32(p + kHeaderSize + 4 * i, params[i]);
  put_u32(p + body, crc32(p, body));
  return out;
}

LoadedWeights weights_from_binary(const uint8_t* data, size_t size) {
  const size_t minimum = kHeaderSize + kChecksumSize;
  if (size == 0 || !data) fail("file is empty, expected cnnlab weights");
  check_size(size, "weights data");
  if (size < 8 || std::memcmp(data, kWeightsMagic, 8) != 0)
    fail("bad magic " + magic_string(data, size) + ", expected \"CNNLAB\\0W\" (cnnlab binary weights)");
  if (size < minimum)
    fail("file is " + std::to_string(size) + " bytes, too short for the " +
         std::to_string(minimum) + " bytes of header and checksum (truncated)");
  const uint32_t version = get_u32(data + 8);
  if (version != kWeightsVersion)
    fail("unsupported version " + std::to_string(version) + " (this build reads version 1)");
  Config c;
  const auto activation = activation_from_code(data[12]);
  if (!activation)
    fail("bad config: unknown activation code " + std::to_string(data[12]) + " (0 relu, 1 tanh, 2 sigmoid)");
  c.activation = *activation;
  const auto pooling = pooling_from_code(data[13]);
  if (!pooling) fail("bad config: unknown pooling code " + std::to_string(data[13]) + " (0 average, 1 max)");
  c.pooling = *pooling;
  c.maps1 = int(get_u16(data + 14));
  c.maps2 = int(get_u16(data + 16));
  c.hidden = int(get_u16(data + 18));
  if (std::string e = validate(c); !e.empty()) fail("bad config: " + e);
  const size_t expectedCount = ParamLayout(c).total;
  const uint32_t count = get_u32(data + 20);
  if (count != expectedCount)
    fail("parameter count " + std::to_string(count) + " does not match the config (maps1=" +
         std::to_string(c.maps1) + " maps2=" + std::to_string(c.maps2) + " hidden=" +
         std::to_string(c.hidden) + " has " + std::to_string(expectedCount) + ")");
  const uint64_t expectedSize = kHeaderSize + 4 * uint64_t(count) + kChecksumSize;
  if (uint64_t(size) != expectedSize)
    fail("file is " + std::to_string(size) + " bytes, expected " + std::to_string(expectedSize) +
         " for " + std::to_string(count) + " parameters" +
         (uint64_t(size) < expectedSize ? " (truncated)" : " (trailing bytes)"));
  const size_t body = size - kChecksumSize;
  const uint32_t stored = get_u32(data + body), computed = crc32(data, body);
  if (stored != computed)
    fail("checksum mismatch: stored CRC-32 " + hex32(stored) + ", computed " + hex32(computed) +
         " (the file is corrupt)");
  LoadedWeights w;
  w.config = c;
  w.params.resize(count);
  for (size_t i = 0; i < count; ++i) {
    w.params[i] = get_f32(data + kHeaderSize + 4 * i);
    if (!std::isfinite(w.params[i]))
      fail(param_name(c, i) + " is not finite (" + float_string(w.params[i]) + ")");
  }
  return w;
}

}  // namespace cnnlab
