#include "io/weights.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>

#include "io/files.h"
#include "io/json.h"

namespace cnnlab {

namespace {

// std::bit_cast is missing from Emscripten's libc++ 14.
uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

[[noreturn]] void fail(const std::string& what) { throw FormatError(what); }

std::vector<int> shape_of(const ParamTensor& t) { return std::vector<int>(t.shape.begin(), t.shape.begin() + t.rank); }

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

// Index i of the flat buffer as "conv2.weight[17]".
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

// Checks what both writers need: a valid config and finite parameters.
void check_for_saving(const Config& config, const float* params) {
  if (std::string e = validate(config); !e.empty()) fail("cannot save weights: bad config: " + e);
  if (!params) fail("cannot save weights: no parameters");
  const size_t n = ParamLayout(config).total;
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(params[i]))
      fail("cannot save weights: " + param_name(config, i) + " is not finite (" +
           float_string(params[i]) + ")");
}

// The binary format's codes for the enums (fixed by the format, not by the enums).
uint8_t activation_code(Activation a) {
  switch (a) {
    case Activation::ReLU: return 0;
    case Activation::Tanh: return 1;
    case Activation::Sigmoid: return 2;
  }
  return 0xFF;
}
uint8_t pooling_code(Pooling p) { return p == Pooling::Max ? 1 : 0; }

// Little-endian, byte by byte: the same bytes on any host.
void put_u16(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get_u16(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

constexpr size_t kBinaryHeaderSize = 24, kChecksumSize = 4;

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

std::string hex32(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += digits[(v >> shift) & 15];
  return s;
}

// ---- JSON reading helpers

int config_int(const Json& config, const char* key) {
  const Json* v = config.find(key);
  if (!v) fail(std::string("config: missing \"") + key + "\"");
  if (!v->is_number())
    fail(std::string("config.") + key + " must be an integer, got " + to_string(v->type()));
  const double d = v->as_number();
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != std::floor(d)) {
    std::string s;
    if (std::isfinite(d)) append_json_number(s, d);
    else s = "a non-finite number";
    fail(std::string("config.") + key + " must be an integer, got " + s);
  }
  return int(d);
}

const std::string& config_string(const Json& config, const char* key) {
  const Json* v = config.find(key);
  if (!v) fail(std::string("config: missing \"") + key + "\"");
  if (!v->is_string())
    fail(std::string("config.") + key + " must be a string, got " + to_string(v->type()));
  return v->as_string();
}

Config parse_config(const Json& json) {
  if (!json.is_object()) fail(std::string("\"config\" must be an object, got ") + to_string(json.type()));
  for (const auto& [key, value] : json.as_object())
    if (key != "activation" && key != "pooling" && key != "maps1" && key != "maps2" && key != "hidden")
      fail("config: unknown key \"" + key + "\" (expected activation, pooling, maps1, maps2, hidden)");
  Config c;
  const std::string& activation = config_string(json, "activation");
  const auto a = parse_activation(activation);
  if (!a) fail("config.activation: unknown activation \"" + activation + "\" (expected relu, tanh or sigmoid)");
  c.activation = *a;
  const std::string& pooling = config_string(json, "pooling");
  const auto p = parse_pooling(pooling);
  if (!p) fail("config.pooling: unknown pooling \"" + pooling + "\" (expected average or max)");
  c.pooling = *p;
  c.maps1 = config_int(json, "maps1");
  c.maps2 = config_int(json, "maps2");
  c.hidden = config_int(json, "hidden");
  if (std::string e = validate(c); !e.empty()) fail("bad config: " + e);
  return c;
}

// One value of tensor `name` at flat index `i` (its place in the message).
float tensor_value(const std::string& name, const std::string& where, const Json& v) {
  if (!v.is_number())
    fail(name + ": " + where + " is " + to_string(v.type()) + ", expected a number");
  const float f = v.as_float();
  if (!std::isfinite(f))
    fail(name + ": " + where + " is not a finite float (out of range)");
  return f;
}

// {"shape":[...],"data":[...]}
void read_tensor_object(const ParamTensor& t, const Json& json, float* out) {
  for (const auto& [key, value] : json.as_object())
    if (key != "shape" && key != "data")
      fail(std::string(t.name) + ": unknown key \"" + key + "\" (expected \"shape\" and \"data\")");
  const Json* shape = json.find("shape");
  const Json* data = json.find("data");
  if (!shape) fail(std::string(t.name) + ": missing \"shape\"");
  if (!data) fail(std::string(t.name) + ": missing \"data\"");
  if (!shape->is_array()) fail(std::string(t.name) + ": \"shape\" must be an array, got " + to_string(shape->type()));
  std::vector<int> got;
  for (const Json& d : shape->as_array()) {
    if (!d.is_number() || d.as_number() != std::floor(d.as_number()) || !(d.as_number() >= 0) ||
        d.as_number() > 1e9)
      fail(std::string(t.name) + ": \"shape\" must hold non-negative integers");
    got.push_back(int(d.as_number()));
  }
  if (got != shape_of(t))
    fail(std::string(t.name) + ": expected shape " + shape_string(shape_of(t)) + ", got " + shape_string(got));
  if (!data->is_array()) fail(std::string(t.name) + ": \"data\" must be an array, got " + to_string(data->type()));
  const Json::Array& values = data->as_array();
  if (values.size() != t.size)
    fail(std::string(t.name) + ": data has " + std::to_string(values.size()) + " values, expected " +
         std::to_string(t.size) + " for shape " + shape_string(shape_of(t)));
  for (size_t i = 0; i < t.size; ++i)
    out[i] = tensor_value(t.name, "data[" + std::to_string(i) + "]", values[i]);
}

// Nested arrays, as PyTorch's tensor.tolist() gives: [[[[...]]]] for shape [4,1,5,5].
void read_nested(const ParamTensor& t, const Json& json, size_t dim, std::string where,
                 float*& out) {
  if (dim == size_t(t.rank)) {
    *out++ = tensor_value(t.name, where, json);
    return;
  }
  const size_t want = size_t(t.shape[dim]);
  if (!json.is_array() || json.as_array().size() != want)
    fail(std::string(t.name) + ": nested arrays do not match shape " + shape_string(shape_of(t)) + ": " +
         (where.empty() ? std::string("the value") : where) + " is " +
         (json.is_array() ? "an array of " + std::to_string(json.as_array().size())
                          : std::string(to_string(json.type()))) +
         ", expected an array of " + std::to_string(want));
  const Json::Array& items = json.as_array();
  for (size_t i = 0; i < want; ++i)
    read_nested(t, items[i], dim + 1, where + "[" + std::to_string(i) + "]", out);
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = kCrcTable[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// ---------------------------------------------------------------- JSON

std::string weights_to_json(const Config& config, const float* params) {
  check_for_saving(config, params);
  Json header = Json::object();
  header.set("format", kWeightsFormatName);
  header.set("version", int(kWeightsVersion));
  Json cfg = Json::object();
  cfg.set("activation", to_string(config.activation));
  cfg.set("pooling", to_string(config.pooling));
  cfg.set("maps1", config.maps1);
  cfg.set("maps2", config.maps2);
  cfg.set("hidden", config.hidden);
  header.set("config", std::move(cfg));
  // One member per line (still compact JSON inside each), for readable diffs.
  std::string out = write_json(header);
  out.pop_back();  // '}'
  for (const ParamTensor& t : param_tensors(config)) {
    Json shape = Json::array();
    for (int d : shape_of(t)) shape.push_back(d);
    Json data = Json::array();
    data.as_array().reserve(t.size);
    for (size_t i = 0; i < t.size; ++i) data.push_back(params[t.offset + i]);
    Json tensor = Json::object();
    tensor.set("shape", std::move(shape));
    tensor.set("data", std::move(data));
    out += ",\n";
    append_json_string(out, t.name);
    out += ':';
    write_json(tensor, out);
  }
  out += "}\n";
  return out;
}

LoadedWeights weights_from_json(std::string_view text) {
  const Json doc = parse_json(text);
  if (!doc.is_object())
    fail(std::string("weights JSON must be an object, got ") + to_string(doc.type()));
  if (const Json* f = doc.find("format")) {
    if (!f->is_string() || f->as_string() != kWeightsFormatName)
      fail(std::string("\"format\" must be \"") + kWeightsFormatName + "\"" +
           (f->is_string() ? ", got \"" + f->as_string() + "\"" : std::string(", got ") + to_string(f->type())));
  }
  if (const Json* v = doc.find("version")) {
    if (!v->is_number()) fail(std::string("\"version\" must be a number, got ") + to_string(v->type()));
    if (v->as_number() != kWeightsVersion) {
      std::string s;
      if (std::isfinite(v->as_number())) append_json_number(s, v->as_number());
      else s = "(not finite)";
      fail("unsupported version " + s + " (this build reads version 1)");
    }
  }
  const Json* cfg = doc.find("config");
  if (!cfg) fail("missing \"config\"");
  LoadedWeights w;
  w.config = parse_config(*cfg);
  const auto tensors = param_tensors(w.config);
  for (const auto& entry : doc.as_object()) {
    const std::string& key = entry.first;
    if (key == "format" || key == "version" || key == "config") continue;
    if (std::none_of(tensors.begin(), tensors.end(), [&](const ParamTensor& t) { return key == t.name; })) {
      std::string names;
      for (const ParamTensor& t : tensors) names += std::string(names.empty() ? "" : ", ") + t.name;
      fail("unknown key \"" + key + "\" (expected format, version, config and the tensors " + names + ")");
    }
  }
  w.params.assign(ParamLayout(w.config).total, 0.0f);
  for (const ParamTensor& t : tensors) {
    const Json* tensor = doc.find(t.name);
    if (!tensor) fail(std::string("missing tensor \"") + t.name + "\"");
    float* out = w.params.data() + t.offset;
    if (tensor->is_object()) read_tensor_object(t, *tensor, out);
    else if (tensor->is_array()) read_nested(t, *tensor, 0, "", out);
    else
      fail(std::string(t.name) + ": expected {\"shape\":[...],\"data\":[...]} or nested arrays, got " +
           to_string(tensor->type()));
  }
  return w;
}

// ---------------------------------------------------------------- binary

std::vector<uint8_t> weights_to_binary(const Config& config, const float* params) {
  check_for_saving(config, params);
  const size_t n = ParamLayout(config).total;
  const size_t body = kBinaryHeaderSize + 4 * n;
  std::vector<uint8_t> out(body + kChecksumSize);
  uint8_t* p = out.data();
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(kWeightsMagic[i]);
  put_u32(p + 8, kWeightsVersion);
  p[12] = activation_code(config.activation);
  p[13] = pooling_code(config.pooling);
  put_u16(p + 14, uint32_t(config.maps1));
  put_u16(p + 16, uint32_t(config.maps2));
  put_u16(p + 18, uint32_t(config.hidden));
  put_u32(p + 20, uint32_t(n));
  for (size_t i = 0; i < n; ++i) put_u32(p + kBinaryHeaderSize + 4 * i, float_bits(params[i]));
  put_u32(p + body, crc32(p, body));
  return out;
}

LoadedWeights weights_from_binary(const uint8_t* data, size_t size) {
  const size_t minimum = kBinaryHeaderSize + kChecksumSize;
  if (size == 0 || !data) fail("file is empty, expected cnnlab weights");
  if (size < 8 || std::memcmp(data, kWeightsMagic, 8) != 0) {
    std::string got;
    for (size_t i = 0; i < std::min<size_t>(size, 8); ++i) {
      const char c = char(data[i]);
      if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') got += c;
      else got += "\\x" + hex32(data[i]).substr(8);
    }
    fail("bad magic \"" + got + "\", expected \"CNNLAB\\0W\" (cnnlab binary weights)");
  }
  if (size < minimum)
    fail("file is " + std::to_string(size) + " bytes, too short for the " +
         std::to_string(minimum) + " bytes of header and checksum (truncated)");
  const uint32_t version = get_u32(data + 8);
  if (version != kWeightsVersion)
    fail("unsupported version " + std::to_string(version) + " (this build reads version 1)");
  Config c;
  switch (data[12]) {
    case 0: c.activation = Activation::ReLU; break;
    case 1: c.activation = Activation::Tanh; break;
    case 2: c.activation = Activation::Sigmoid; break;
    default: fail("bad config: unknown activation code " + std::to_string(data[12]) +
                  " (0 relu, 1 tanh, 2 sigmoid)");
  }
  switch (data[13]) {
    case 0: c.pooling = Pooling::Average; break;
    case 1: c.pooling = Pooling::Max; break;
    default: fail("bad config: unknown pooling code " + std::to_string(data[13]) + " (0 average, 1 max)");
  }
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
  const uint64_t expectedSize = kBinaryHeaderSize + 4 * uint64_t(count) + kChecksumSize;
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
    w.params[i] = bits_float(get_u32(data + kBinaryHeaderSize + 4 * i));
    if (!std::isfinite(w.params[i]))
      fail(param_name(c, i) + " is not finite (" + float_string(w.params[i]) + ")");
  }
  return w;
}

// ---------------------------------------------------------------- files

LoadedWeights load_weights_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  try {
    if (bytes.empty()) fail("file is empty, expected cnnlab weights (JSON or binary)");
    // "CNNLAB" selects the binary reader, so a damaged magic is reported as such.
    if (bytes.size() >= 6 && std::memcmp(bytes.data(), kWeightsMagic, 6) == 0)
      return weights_from_binary(bytes.data(), bytes.size());
    return weights_from_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
}

void save_weights_file(const std::string& path, const Config& config, const float* params) {
  std::string ext = path.size() >= 5 ? path.substr(path.size() - 5) : "";
  for (char& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  if (ext == ".json") {
    const std::string text = weights_to_json(config, params);
    write_file_bytes(path, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  } else {
    const std::vector<uint8_t> bytes = weights_to_binary(config, params);
    write_file_bytes(path, bytes.data(), bytes.size());
  }
}

}  // namespace cnnlab
