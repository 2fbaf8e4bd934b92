// What both weights formats share: the size cap, the checks before saving, CRC-32,
// and reading and writing weights files. The formats themselves:
// weights_json.cpp and weights_binary.cpp.
#include "io/weights.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstring>

#include "io/files.h"
#include "io/json.h"
#include "io/weights_internal.h"

namespace cnnlab {

namespace weights_detail {

void check_size(size_t size, const char* what) {
  const uint64_t max = uint64_t(limits::weightsFileBytes.max);
  if (uint64_t(size) > max) fail(std::string(what) + " is " + size_over_limit(size, false, max, kLimitKind));
}

std::vector<int> shape_of(const ParamTensor& t) {
  return std::vector<int>(t.shape.begin(), t.shape.begin() + t.rank);
}

std::string shape_string(const std::vector<int>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

std::string float_string(float v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s;
  append_json_number(s, v);
  return s;
}

std::string param_name(const Config& config, size_t i) {
  for (const ParamTensor& t : param_tensors(config))
    if (i >= t.offset && i < t.offset + t.size) {
      std::string s = t.name;
      s += '[';
      s += std::to_string(i - t.offset);
      s += ']';
      return s;
    }
  return "parameter " + std::to_string(i);
}

void check_for_saving(const Config& config, const float* params) {
  if (std::string e = validate(config); !e.empty()) fail("cannot save weights: bad config: " + e);
  if (!params) fail("cannot save weights: no parameters");
  const size_t n = ParamLayout(config).total;
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(params[i]))
      fail("cannot save weights: " + param_name(config, i) + " is not finite (" +
           float_string(params[i]) + ")");
}

}  // namespace weights_detail

using namespace weights_detail;

namespace {
constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();
}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = kCrcTable[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

LoadedWeights load_weights_file(const std::string& path) {
  // Refused before it is read whole if larger than the limit (also /dev/zero, pipes).
  const std::vector<uint8_t> bytes =
      read_file_bytes(path, uint64_t(limits::weightsFileBytes.max), kLimitKind);
  try {
    if (bytes.empty()) fail("file is empty, expected cnnlab weights (JSON or binary)");
    // "CNNLAB" selects the binary reader, so a damaged magic is reported as such.
    if (bytes.size() >= 6 && std::memcmp(bytes.data(), kWeightsMagic, 6) == 0)
      return weights_from_binary(bytes.data(), bytes.size());
    return weights_from_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const FormatError& e) {
    throw FormatError(printable(path) + ": " + e.what());
  }
}

bool is_json_path(const std::string& path) {
  std::string ext = path.size() >= 5 ? path.substr(path.size() - 5) : "";
  for (char& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".json";
}

void save_weights_file(const std::string& path, const Config& config, const float* params) {
  if (is_json_path(path)) {
    const std::string text = weights_to_json(config, params);
    write_file_bytes(path, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  } else {
    const std::vector<uint8_t> bytes = weights_to_binary(config, params);
    write_file_bytes(path, bytes.data(), bytes.size());
  }
}

}  // namespace cnnlab
