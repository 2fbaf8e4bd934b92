// Weights files: JSON and binary round trips, and every kind of malformed file.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "io/files.h"
#include "io/json.h"
#include "io/weights.h"
#include "io_test_util.h"
#include "network/network.h"

namespace cnnlab {
namespace {

using testing::expect_format_error;
using testing::TempDir;

const Config kOtherConfig{Activation::Tanh, Pooling::Max, 3, 5, 20};

std::vector<float> params_of(const Config& config, uint32_t seed) {
  Network net(config, seed);
  // Non-zero biases too, so a mix-up of tensors would show.
  std::vector<float> p(net.params(), net.params() + net.param_count());
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] == 0.0f) p[i] = 0.001f * float(i % 97) - 0.05f;
  return p;
}

void expect_bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_EQ(testing::bits_as<uint32_t>(a[i]), testing::bits_as<uint32_t>(b[i])) << "parameter " << i;
}

std::vector<Config> configs() {
  return {Config{}, kOtherConfig, Config{Activation::Sigmoid, Pooling::Average, 16, 16, 512},
          Config{Activation::ReLU, Pooling::Max, 1, 1, 1}};
}

// The one table of parameter tensors, for the default config, against the README's
// table (PyTorch state_dict names, shapes, buffer order); the network's views use it.
TEST(ParamTable, DefaultConfigHasTheReadmeTensorsInStateDictOrder) {
  const auto t = param_tensors(Config{});
  const std::vector<std::pair<std::string, std::vector<int>>> expected = {
      {"conv1.weight", {4, 1, 5, 5}}, {"conv1.bias", {4}},  {"conv2.weight", {6, 4, 5, 5}},
      {"conv2.bias", {6}},            {"fc1.weight", {50, 96}}, {"fc1.bias", {50}},
      {"fc2.weight", {10, 50}},       {"fc2.bias", {10}}};
  ASSERT_EQ(t.size(), expected.size());
  size_t offset = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(t[i].name, expected[i].first);
    EXPECT_EQ(std::vector<int>(t[i].shape.begin(), t[i].shape.begin() + t[i].rank), expected[i].second);
    EXPECT_EQ(t[i].offset, offset) << t[i].name;
    offset += t[i].size;
  }
  EXPECT_EQ(offset, 6070u);
  EXPECT_EQ(ParamLayout(Config{}).total, 6070u);
  for (const Config& c : configs()) {
    Network net(c, 1);
    const auto views = net.parameter_views();
    const auto tensors = param_tensors(c);
    ASSERT_EQ(views.size(), tensors.size());
    for (size_t i = 0; i < views.size(); ++i) EXPECT_EQ(net.params() + tensors[i].offset, views[i].data);
    EXPECT_EQ(tensors.back().offset + tensors.back().size, ParamLayout(c).total);
  }
}

TEST(WeightsCrc, KnownVectors) {
  const char* check = "123456789";
  EXPECT_EQ(crc32(reinterpret_cast<const uint8_t*>(check), 9), 0xCBF43926u);
  EXPECT_EQ(crc32(nullptr, 0), 0u);
  const uint8_t fox[] = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(crc32(fox, sizeof fox - 1), 0x414FA339u);
}

TEST(WeightsRoundTrip, JsonIsBitIdentical) {
  for (const Config& c : configs()) {
    const std::vector<float> p = params_of(c, 42);
    const LoadedWeights w = weights_from_json(weights_to_json(c, p.data()));
    EXPECT_EQ(w.config, c);
    expect_bit_identical(w.params, p);
  }
}

TEST(WeightsRoundTrip, BinaryIsBitIdentical) {
  for (const Config& c : configs()) {
    const std::vector<float> p = params_of(c, 43);
    const std::vector<uint8_t> bytes = weights_to_binary(c, p.data());
    EXPECT_EQ(bytes.size(), 28 + 4 * p.size());
    const LoadedWeights w = weights_from_binary(bytes.data(), bytes.size());
    EXPECT_EQ(w.config, c);
    expect_bit_identical(w.params, p);
  }
}

TEST(WeightsRoundTrip, ExtremeValues) {
  std::vector<float> p = params_of(Config{}, 1);
  const float special[] = {-0.0f, std::numeric_limits<float>::denorm_min(),
                           std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                           std::numeric_limits<float>::lowest(), 1e-7f, 123456.789f};
  for (size_t i = 0; i < std::size(special); ++i) p[i * 3] = special[i];
  expect_bit_identical(weights_from_json(weights_to_json(Config{}, p.data())).params, p);
  const auto bytes = weights_to_binary(Config{}, p.data());
  expect_bit_identical(weights_from_binary(bytes.data(), bytes.size()).params, p);
}

TEST(WeightsBinary, ExactByteLayout) {
  const std::vector<float> p = params_of(kOtherConfig, 5);
  const auto b = weights_to_binary(kOtherConfig, p.data());
  EXPECT_EQ(std::memcmp(b.data(), "CNNLAB\0W", 8), 0);
  EXPECT_EQ(b[8], 1); EXPECT_EQ(b[9], 0); EXPECT_EQ(b[10], 0); EXPECT_EQ(b[11], 0);  // version
  EXPECT_EQ(b[12], 1);  // tanh
  EXPECT_EQ(b[13], 1);  // max
  EXPECT_EQ(b[14], 3); EXPECT_EQ(b[15], 0);
  EXPECT_EQ(b[16], 5); EXPECT_EQ(b[17], 0);
  EXPECT_EQ(b[18], 20); EXPECT_EQ(b[19], 0);
  const uint32_t n = uint32_t(p.size());
  EXPECT_EQ(b[20] | b[21] << 8 | b[22] << 16 | uint32_t(b[23]) << 24, n);
  const uint32_t first = testing::bits_as<uint32_t>(p[0]);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(b[24 + k], uint8_t(first >> (8 * k)));
  const size_t body = 24 + 4 * p.size();
  const uint32_t crc = crc32(b.data(), body);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(b[body + k], uint8_t(crc >> (8 * k)));
}

TEST(WeightsJson, DocumentStructure) {
  const std::vector<float> p = params_of(Config{}, 3);
  const Json doc = parse_json(weights_to_json(Config{}, p.data()));
  EXPECT_EQ(doc.find("format")->as_string(), "cnnlab-weights");
  EXPECT_EQ(doc.find("version")->as_number(), 1.0);
  const Json& cfg = *doc.find("config");
  EXPECT_EQ(cfg.find("activation")->as_string(), "relu");
  EXPECT_EQ(cfg.find("pooling")->as_string(), "average");
  EXPECT_EQ(cfg.find("maps1")->as_number(), 4.0);
  EXPECT_EQ(cfg.find("maps2")->as_number(), 6.0);
  EXPECT_EQ(cfg.find("hidden")->as_number(), 50.0);
  const std::pair<const char*, std::vector<double>> shapes[] = {
      {"conv1.weight", {4, 1, 5, 5}}, {"conv1.bias", {4}},  {"conv2.weight", {6, 4, 5, 5}},
      {"conv2.bias", {6}},            {"fc1.weight", {50, 96}}, {"fc1.bias", {50}},
      {"fc2.weight", {10, 50}},       {"fc2.bias", {10}}};
  EXPECT_EQ(doc.as_object().size(), 3u + 8u);
  for (const auto& [name, shape] : shapes) {
    const Json* t = doc.find(name);
    ASSERT_NE(t, nullptr) << name;
    std::vector<double> got;
    for (const Json& d : t->find("shape")->as_array()) got.push_back(d.as_number());
    EXPECT_EQ(got, shape) << name;
  }
  // fc1.weight[h][i] is the flat buffer's W₁ at h·96 + i, as is.
  const ParamLayout L{Config{}};
  EXPECT_EQ(doc.find("fc1.weight")->find("data")->as_array()[2 * 96 + 17].as_float(),
            p[L.weights1 + 2 * 96 + 17]);
}

// What a PyTorch export script would write: "config" and the 8 tensors only, as
// {"shape","data"} or as nested lists (tensor.tolist()).
TEST(WeightsJson, PyTorchStyleFilesLoad) {
  const std::vector<float> p = params_of(Config{}, 8);
  Json doc = parse_json(weights_to_json(Config{}, p.data()));
  Json::Object& members = doc.as_object();
  members.erase(members.begin(), members.begin() + 2);  // drop format and version
  expect_bit_identical(weights_from_json(write_json(doc)).params, p);

  // conv1.weight as [4][1][5][5] nested lists, fc1.bias as a plain list.
  Json nested = Json::array();
  for (int m = 0; m < 4; ++m) {
    Json channel = Json::array(), rows = Json::array();
    for (int r = 0; r < 5; ++r) {
      Json row = Json::array();
      for (int c = 0; c < 5; ++c) row.push_back(p[m * 25 + r * 5 + c]);
      rows.push_back(std::move(row));
    }
    channel.push_back(std::move(rows));
    nested.push_back(std::move(channel));
  }
  doc.set("conv1.weight", nested);
  doc.set("fc1.bias", *doc.find("fc1.bias")->find("data"));
  expect_bit_identical(weights_from_json(write_json(doc)).params, p);

  // A ragged nested list is an error naming where.
  nested.as_array()[2].as_array()[0].as_array()[3].as_array().pop_back();
  doc.set("conv1.weight", nested);
  expect_format_error([&] { weights_from_json(write_json(doc)); },
                      "conv1.weight: nested arrays do not match shape [4,1,5,5]: [2][0][3] is an array of 4, "
                      "expected an array of 5");
}

// The malformed-JSON cases: a valid document, changed in one way.
class WeightsJsonMalformed : public ::testing::Test {
 protected:
  void SetUp() override {
    params_ = params_of(Config{}, 11);
    doc_ = parse_json(weights_to_json(Config{}, params_.data()));
  }
  void expect_rejected(const char* message) {
    expect_format_error([&] { weights_from_json(write_json(doc_)); }, message);
  }
  Json& tensor(const char* name) { return *doc_.find(name); }
  Json& config() { return *doc_.find("config"); }
  std::vector<float> params_;
  Json doc_;
};

TEST_F(WeightsJsonMalformed, InvalidJson) {
  std::string text = write_json(doc_);
  text.resize(text.size() / 2);
  expect_format_error([&] { weights_from_json(text); }, "invalid JSON at 1:");
  expect_format_error([] { weights_from_json("{\"config\":{},}"); }, "invalid JSON at 1:14");
}

TEST_F(WeightsJsonMalformed, NotAnObject) {
  expect_format_error([] { weights_from_json("[1,2,3]"); }, "weights JSON must be an object, got an array");
}

TEST_F(WeightsJsonMalformed, WrongFormatName) {
  doc_.set("format", "something-else");
  expect_rejected("\"format\" must be \"cnnlab-weights\", got \"something-else\"");
}

TEST_F(WeightsJsonMalformed, WrongVersion) {
  doc_.set("version", 2);
  expect_rejected("unsupported version 2 (this build reads version 1)");
  doc_.set("version", "1");
  expect_rejected("\"version\" must be a number, got a string");
}

TEST_F(WeightsJsonMalformed, MissingConfig) {
  Json::Object& m = doc_.as_object();
  m.erase(m.begin() + 2);
  expect_rejected("missing \"config\"");
}

TEST_F(WeightsJsonMalformed, BadConfig) {
  config().set("maps1", 17);
  expect_rejected("bad config: maps1 must be a whole number between 1 and 16, got 17");
  config().set("maps1", 4.5);
  expect_rejected("config.maps1 must be an integer, got 4.5");
  config().set("maps1", 4);
  config().set("activation", "swish");
  expect_rejected("config.activation: unknown activation \"swish\"");
  config().set("activation", "relu");
  config().set("pooling", 1);
  expect_rejected("config.pooling must be a string, got a number");
  config().set("pooling", "max");
  config().set("dropout", 0.5);
  expect_rejected("config: unknown key \"dropout\"");
  config().as_object().pop_back();
  config().as_object().pop_back();  // hidden
  expect_rejected("config: missing \"hidden\"");
}

TEST_F(WeightsJsonMalformed, ConfigDisagreesWithTensors) {
  config().set("maps1", 5);
  expect_rejected("conv1.weight: expected shape [5,1,5,5], got [4,1,5,5]");
}

TEST_F(WeightsJsonMalformed, MissingTensor) {
  doc_.as_object().pop_back();
  expect_rejected("missing tensor \"fc2.bias\"");
}

TEST_F(WeightsJsonMalformed, ExtraTensor) {
  doc_.set("fc3.weight", *doc_.find("fc2.weight"));
  expect_rejected("unknown key \"fc3.weight\"");
}

TEST_F(WeightsJsonMalformed, ExtraKeyInATensor) {
  tensor("conv2.bias").set("dtype", "float32");
  expect_rejected("conv2.bias: unknown key \"dtype\"");
}

TEST_F(WeightsJsonMalformed, WrongShape) {
  Json& shape = *tensor("fc1.weight").find("shape");
  shape.as_array()[1] = Json(95);
  expect_rejected("fc1.weight: expected shape [50,96], got [50,95]");
  shape.as_array().pop_back();
  expect_rejected("fc1.weight: expected shape [50,96], got [50]");
  shape = Json("50x96");
  expect_rejected("fc1.weight: \"shape\" must be an array, got a string");
}

TEST_F(WeightsJsonMalformed, WrongDataLength) {
  Json& data = *tensor("fc1.bias").find("data");
  data.as_array().pop_back();
  expect_rejected("fc1.bias: data has 49 values, expected 50 for shape [50]");
  data.as_array().push_back(1.0f);
  data.as_array().push_back(1.0f);
  expect_rejected("fc1.bias: data has 51 values, expected 50");
}

TEST_F(WeightsJsonMalformed, NonNumbers) {
  Json& data = *tensor("conv1.bias").find("data");
  data.as_array()[3] = Json("0.5");
  expect_rejected("conv1.bias: data[3] is a string, expected a number");
  data.as_array()[3] = Json();
  expect_rejected("conv1.bias: data[3] is null, expected a number");
}

TEST_F(WeightsJsonMalformed, NonFiniteValues) {
  std::string text = write_json(doc_);
  const std::string first = "\"data\":[";
  const size_t at = text.find(first) + first.size();
  const size_t end = text.find(',', at);
  for (const char* bad : {"NaN", "Infinity", "-Infinity"}) {
    std::string t = text;
    t.replace(at, end - at, bad);
    expect_format_error([&] { weights_from_json(t); }, std::string(bad) + " is not valid JSON");
  }
  for (const char* bad : {"1e999", "-1e999", "1e39", "3.5e38"}) {
    std::string t = text;
    t.replace(at, end - at, bad);
    expect_format_error([&] { weights_from_json(t); },
                        "conv1.weight: data[0] is not a finite float (out of range)");
  }
}

// The malformed-binary cases: a valid file, changed in one way.
class WeightsBinaryMalformed : public ::testing::Test {
 protected:
  void SetUp() override {
    params_ = params_of(Config{}, 12);
    bytes_ = weights_to_binary(Config{}, params_.data());
  }
  void expect_rejected(const std::string& message) {
    expect_format_error([&] { weights_from_binary(bytes_.data(), bytes_.size()); }, message);
  }
  // Re-computes the checksum after an edit, so only the edit is wrong.
  void fix_checksum() {
    const size_t body = bytes_.size() - 4;
    const uint32_t crc = crc32(bytes_.data(), body);
    for (int k = 0; k < 4; ++k) bytes_[body + k] = uint8_t(crc >> (8 * k));
  }
  void set_param(size_t i, float v) {
    const uint32_t bits = testing::bits_as<uint32_t>(v);
    for (int k = 0; k < 4; ++k) bytes_[24 + 4 * i + k] = uint8_t(bits >> (8 * k));
  }
  std::vector<float> params_;
  std::vector<uint8_t> bytes_;
};

TEST_F(WeightsBinaryMalformed, WrongMagic) {
  bytes_[7] = '1';
  expect_rejected("bad magic \"CNNLAB\\x001\", expected \"CNNLAB\\0W\" (cnnlab binary weights)");
  expect_format_error([] { weights_from_binary(reinterpret_cast<const uint8_t*>("GIF89a"), 6); },
                      "bad magic \"GIF89a\"");
}

TEST_F(WeightsBinaryMalformed, EmptyAndTooShort) {
  expect_format_error([] { weights_from_binary(nullptr, 0); }, "file is empty");
  bytes_.resize(20);
  expect_rejected("file is 20 bytes, too short for the 28 bytes of header and checksum (truncated)");
}

TEST_F(WeightsBinaryMalformed, WrongVersion) {
  bytes_[8] = 2;
  fix_checksum();
  expect_rejected("unsupported version 2 (this build reads version 1)");
}

TEST_F(WeightsBinaryMalformed, BadConfig) {
  bytes_[12] = 7;
  expect_rejected("bad config: unknown activation code 7 (0 relu, 1 tanh, 2 sigmoid)");
  bytes_[12] = 0;
  bytes_[13] = 2;
  expect_rejected("bad config: unknown pooling code 2");
  bytes_[13] = 0;
  bytes_[14] = 0;  // maps1 = 0
  expect_rejected("bad config: maps1 must be a whole number between 1 and 16, got 0");
  bytes_[14] = 4;
  bytes_[19] = 2;  // hidden = 512 + 50
  expect_rejected("bad config: hidden must be a whole number between 1 and 512, got 562");
}

TEST_F(WeightsBinaryMalformed, CountDisagreesWithConfig) {
  bytes_[20] = uint8_t(bytes_[20] - 1);  // 6069
  expect_rejected("parameter count 6069 does not match the config (maps1=4 maps2=6 hidden=50 has 6070)");
}

TEST_F(WeightsBinaryMalformed, Truncated) {
  bytes_.pop_back();
  expect_rejected("file is 24307 bytes, expected 24308 for 6070 parameters (truncated)");
  bytes_.resize(1000);
  expect_rejected("file is 1000 bytes, expected 24308 for 6070 parameters (truncated)");
}

TEST_F(WeightsBinaryMalformed, TrailingBytes) {
  bytes_.push_back(0);
  expect_rejected("file is 24309 bytes, expected 24308 for 6070 parameters (trailing bytes)");
}

TEST_F(WeightsBinaryMalformed, ChecksumMismatch) {
  bytes_[24 + 4 * 100] ^= 0x01;  // one flipped bit in a parameter
  expect_rejected("checksum mismatch: stored CRC-32 0x");
  expect_rejected("(the file is corrupt)");
}

TEST_F(WeightsBinaryMalformed, NonFiniteValues) {
  set_param(5, std::nanf(""));
  fix_checksum();
  expect_rejected("conv1.weight[5] is not finite (nan)");
  set_param(5, 0.5f);
  set_param(6069, -std::numeric_limits<float>::infinity());
  fix_checksum();
  expect_rejected("fc2.bias[9] is not finite (-inf)");
}

// Text from the file goes into messages escaped: a key holding a terminal colour
// code comes out as \x1b[31m, never as the escape character itself.
TEST_F(WeightsJsonMalformed, ControlCharactersInKeysAndStringsAreEscaped) {
  const std::string red = "\x1b[31mred\x1b[0m", shown = "\\x1b[31mred\\x1b[0m";
  const auto expect_escaped = [&](const std::string& expected) {
    const std::string message = expect_format_error([&] { weights_from_json(write_json(doc_)); }, expected);
    for (char c : message) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << message;
  };
  doc_.set(red, 1);
  expect_escaped("unknown key \"" + shown + "\" (expected format, version, config");
  doc_.as_object().pop_back();
  tensor("fc1.bias").set(red, 1);
  expect_escaped("fc1.bias: unknown key \"" + shown + "\"");
  tensor("fc1.bias").as_object().pop_back();
  config().set(red, 1);
  expect_escaped("config: unknown key \"" + shown + "\"");
  config().as_object().pop_back();
  config().set("activation", red);
  expect_escaped("config.activation: unknown activation \"" + shown + "\"");
  config().set("activation", "relu");
  config().set("pooling", "\x07\xc2\x9b");  // BEL and the C1 CSI
  expect_escaped("config.pooling: unknown pooling \"\\x07\\xc2\\x9b\"");
  config().set("pooling", "max");
  doc_.set("format", red);
  expect_escaped("\"format\" must be \"cnnlab-weights\", got \"" + shown + "\"");
  // The parser's own messages too: a duplicate key.
  expect_format_error([&] { weights_from_json("{\"\\u001b[2J\":1,\"\\u001b[2J\":2}"); },
                      "duplicate key \"\\x1b[2J\"");
}

// Larger than limits::weightsFileBytes: refused before parsing, so a 5 MB document
// (which would take hundreds of MB as a parse tree) costs nothing.
TEST(WeightsSizeLimit, OversizedInputIsRefusedBeforeParsing) {
  const size_t limit = size_t(limits::weightsFileBytes.max);
  std::string text = "[0";
  text.reserve(5 << 20);
  while (text.size() < (5u << 20) - 1) text += ",0";
  text.resize((5 << 20) - 1);
  text += "]";
  const auto start = std::chrono::steady_clock::now();
  expect_format_error([&] { weights_from_json(text); },
                      "weights JSON is 5 MB (5242880 bytes); weights files are limited to " + format_bytes(limit));
  const std::vector<uint8_t> bytes(limit + 1, 0);
  expect_format_error([&] { weights_from_binary(bytes.data(), bytes.size()); },
                      "weights data is 4.0 MB (" + std::to_string(limit + 1) + " bytes); weights files are limited to " +
                          format_bytes(limit));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.5);
  // At the limit the format's own checks run (here: not an object).
  const std::string atLimit = "[0]" + std::string(limit - 3, ' ');
  expect_format_error([&] { weights_from_json(atLimit); }, "weights JSON must be an object, got an array");
  // The largest network's files are well under the limit.
  const Config largest{Activation::Sigmoid, Pooling::Max, int(limits::maps1.max), int(limits::maps2.max),
                       int(limits::hidden.max)};
  const std::vector<float> p = params_of(largest, 4);
  EXPECT_LT(weights_to_json(largest, p.data()).size(), limit / 2);
  EXPECT_LT(weights_to_binary(largest, p.data()).size(), limit / 2);
}

TEST(WeightsSizeLimit, OversizedFilesAreRefusedBeforeReadingThemWhole) {
  TempDir dir;
  const std::string big(5 << 20, ' ');
  write_file_bytes(dir.file("big.json"), reinterpret_cast<const uint8_t*>(big.data()), big.size());
  expect_format_error([&] { load_weights_file(dir.file("big.json")); },
                      dir.file("big.json") + ": the file is 5 MB (5242880 bytes); weights files are limited to 4 MB");
#ifndef __EMSCRIPTEN__
  expect_format_error([] { load_weights_file("/dev/zero"); },
                      "/dev/zero: the file is more than 4 MB; weights files are limited to 4 MB");
#endif
}

TEST(WeightsSave, WritersRejectNonFiniteParamsAndBadConfigs) {
  std::vector<float> p = params_of(Config{}, 1);
  p[ParamLayout(Config{}).weights2 + 3] = std::numeric_limits<float>::infinity();
  expect_format_error([&] { weights_to_json(Config{}, p.data()); },
                      "cannot save weights: fc2.weight[3] is not finite (inf)");
  expect_format_error([&] { weights_to_binary(Config{}, p.data()); }, "fc2.weight[3] is not finite (inf)");
  Config bad;
  bad.hidden = 0;
  expect_format_error([&] { weights_to_binary(bad, p.data()); },
                      "cannot save weights: bad config: hidden must be a whole number between 1 and 512, got 0");
}

TEST(WeightsFile, SaveAndLoadByExtensionAndContent) {
  TempDir dir;
  const std::vector<float> p = params_of(kOtherConfig, 21);
  save_weights_file(dir.file("w.json"), kOtherConfig, p.data());
  save_weights_file(dir.file("w.bin"), kOtherConfig, p.data());
  save_weights_file(dir.file("W.JSON"), kOtherConfig, p.data());
  const auto json = read_file_bytes(dir.file("w.json"));
  const auto bin = read_file_bytes(dir.file("w.bin"));
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(read_file_bytes(dir.file("W.JSON")), json);
  EXPECT_EQ(std::memcmp(bin.data(), kWeightsMagic, 8), 0);
  for (const char* name : {"w.json", "w.bin"}) {
    const LoadedWeights w = load_weights_file(dir.file(name));
    EXPECT_EQ(w.config, kOtherConfig);
    expect_bit_identical(w.params, p);
  }
  // Detection is by content, not by name.
  write_file_bytes(dir.file("json-content.bin"), json.data(), json.size());
  write_file_bytes(dir.file("binary-content.json"), bin.data(), bin.size());
  expect_bit_identical(load_weights_file(dir.file("json-content.bin")).params, p);
  expect_bit_identical(load_weights_file(dir.file("binary-content.json")).params, p);
}

TEST(WeightsFile, ErrorsNameTheFile) {
  TempDir dir;
  std::vector<uint8_t> bin = weights_to_binary(Config{}, params_of(Config{}, 2).data());
  bin[100] ^= 0xFF;
  write_file_bytes(dir.file("corrupt.bin"), bin.data(), bin.size());
  expect_format_error([&] { load_weights_file(dir.file("corrupt.bin")); },
                      dir.file("corrupt.bin") + ": checksum mismatch");
  write_file_bytes(dir.file("empty.json"), nullptr, 0);
  expect_format_error([&] { load_weights_file(dir.file("empty.json")); }, "empty.json: file is empty");
  const std::string garbage = "hello";
  write_file_bytes(dir.file("garbage"), reinterpret_cast<const uint8_t*>(garbage.data()), garbage.size());
  expect_format_error([&] { load_weights_file(dir.file("garbage")); }, "garbage: invalid JSON at 1:1");
  EXPECT_THROW(load_weights_file(dir.file("missing.bin")), IoError);
}

}  // namespace
}  // namespace cnnlab
