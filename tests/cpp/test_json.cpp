// The JSON value, parser and writer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "io/json.h"
#include "io_test_util.h"

namespace cnnlab {
namespace {

using testing::expect_format_error;

TEST(JsonParse, Scalars) {
  EXPECT_TRUE(parse_json("null").is_null());
  EXPECT_TRUE(parse_json(" true ").as_bool());
  EXPECT_FALSE(parse_json("false").as_bool());
  EXPECT_EQ(parse_json("0").as_number(), 0.0);
  EXPECT_EQ(parse_json("-12.5e1").as_number(), -125.0);
  EXPECT_EQ(parse_json("1E-2").as_number(), 0.01);
  EXPECT_EQ(parse_json("\"hi\"").as_string(), "hi");
  EXPECT_TRUE(std::signbit(parse_json("-0").as_number()));
}

TEST(JsonParse, ArraysAndObjectsKeepOrder) {
  const Json v = parse_json(R"({"b":[1,2,{"c":null}],"a":{},"e":[]})");
  ASSERT_TRUE(v.is_object());
  const Json::Object& o = v.as_object();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[0].first, "b");
  EXPECT_EQ(o[1].first, "a");
  EXPECT_EQ(v.find("b")->as_array().size(), 3u);
  EXPECT_TRUE(v.find("b")->as_array()[2].find("c")->is_null());
  EXPECT_EQ(v.find("nope"), nullptr);
  EXPECT_EQ(write_json(v), R"({"b":[1,2,{"c":null}],"a":{},"e":[]})");
}

TEST(JsonParse, StringEscapes) {
  EXPECT_EQ(parse_json(R"("a\"b\\c\/d\b\f\n\r\t")").as_string(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(parse_json(R"("\u00e9\u20AC")").as_string(), "é€");
  EXPECT_EQ(parse_json(R"("\ud83d\ude00")").as_string(), "😀");  // surrogate pair
  EXPECT_EQ(parse_json("\"é raw UTF-8\"").as_string(), "é raw UTF-8");
  EXPECT_EQ(parse_json(R"("\u0000")").as_string(), std::string(1, '\0'));
}

TEST(JsonParse, ErrorsGiveLineAndColumn) {
  expect_format_error([] { parse_json("{\n  \"a\": 1,\n  \"b\" 2\n}"); },
                      "invalid JSON at 3:7: unexpected '2', expected ':'");
  expect_format_error([] { parse_json("[1, 2"); }, "invalid JSON at 1:6: unexpected end of input, expected ',' or ']'");
  expect_format_error([] { parse_json(""); }, "invalid JSON at 1:1: empty input");
  expect_format_error([] { parse_json("   \n "); }, "invalid JSON at 2:2: empty input");
}

TEST(JsonParse, RejectsMalformedInput) {
  struct Case { const char* text; const char* message; };
  const Case cases[] = {
      {"[1,]", "unexpected ']', expected a value"},
      {"{\"a\":1,}", "unexpected '}', expected a string key"},
      {"{a:1}", "unexpected 'a', expected a string key"},
      {"[1 2]", "expected ',' or ']'"},
      {"01", "leading zeros are not allowed"},
      {"1.", "after '.', expected a digit"},
      {".5", "unexpected '.', expected a value"},
      {"1e", "in an exponent, expected a digit"},
      {"+1", "unexpected '+'"},
      {"-", "expected a digit"},
      {"tru", "unexpected 't', expected a value"},
      {"\"abc", "unterminated string"},
      {"\"a\nb\"", "unescaped control character byte 0x0A"},
      {"\"\\x\"", "invalid escape \\x"},
      {"\"\\u12G4\"", "expected a hex digit"},
      {"\"\\ud800\"", "high surrogate not followed by a low surrogate"},
      {"\"\\udc00\"", "lone low surrogate"},
      {"{\"a\":1,\"a\":2}", "duplicate key \"a\""},
      {"NaN", "NaN is not valid JSON"},
      {"[Infinity]", "Infinity is not valid JSON"},
      {"-Infinity", "-Infinity is not valid JSON"},
      {"'single'", "unexpected '''"},
      {"\x01", "unexpected byte 0x01"},
      // Quoted input is escaped: no control character reaches the message.
      {"{\"\\u001b[31m\":1,\"\\u001b[31m\":2}", "duplicate key \"\\x1b[31m\""},
      {"\"\\\x1b\"", "invalid escape \\\\x1b in a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    expect_format_error([&] { parse_json(c.text); }, c.message);
  }
}

TEST(JsonParse, RejectsTrailingGarbage) {
  expect_format_error([] { parse_json("{} x"); }, "invalid JSON at 1:4: unexpected 'x' after the JSON value");
  expect_format_error([] { parse_json("1 2"); }, "after the JSON value");
  expect_format_error([] { parse_json("[1]]"); }, "unexpected ']' after the JSON value");
  EXPECT_NO_THROW(parse_json("\xEF\xBB\xBF[1]\r\n\t "));  // BOM and whitespace are fine
}

TEST(JsonParse, DepthLimit) {
  const std::string ok = std::string(kJsonMaxDepth, '[') + std::string(kJsonMaxDepth, ']');
  EXPECT_NO_THROW(parse_json(ok));
  const std::string deep = std::string(kJsonMaxDepth + 1, '[') + std::string(kJsonMaxDepth + 1, ']');
  expect_format_error([&] { parse_json(deep); }, "nesting deeper than 256");
  // Far deeper input fails the same way, without exhausting the stack.
  expect_format_error([] { parse_json(std::string(1'000'000, '[')); }, "nesting deeper than 256");
  expect_format_error([] { parse_json("[[[1]]]", 2); }, "nesting deeper than 2");
}

TEST(JsonParse, HugeNumbersBecomeInfinityTinyOnesZero) {
  EXPECT_EQ(parse_json("1e999").as_number(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_json("-1e999").as_number(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_json("123456789e400").as_number(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_json("1e-999").as_number(), 0.0);
  EXPECT_EQ(parse_json("0.000000001e-999").as_number(), 0.0);
  // Finite as a double, too large for a float.
  EXPECT_EQ(parse_json("1e39").as_number(), 1e39);
  EXPECT_EQ(parse_json("1e39").as_float(), std::numeric_limits<float>::infinity());
  EXPECT_EQ(parse_json("1e-50").as_float(), 0.0f);
}

TEST(JsonWrite, StringsAreEscaped) {
  EXPECT_EQ(write_json(Json("a\"b\\c\n\x01é")), "\"a\\\"b\\\\c\\n\\u0001é\"");
  const std::string tricky = std::string("x\0y\x1f\"\\/\b\f\r\t", 11);
  EXPECT_EQ(parse_json(write_json(Json(tricky))).as_string(), tricky);
}

TEST(JsonWrite, NumbersAreShortest) {
  EXPECT_EQ(write_json(Json(0.1f)), "0.1");
  EXPECT_EQ(write_json(Json(0.1)), "0.1");
  EXPECT_EQ(write_json(Json(60000)), "60000");
  EXPECT_EQ(write_json(Json(-0.0f)), "-0");
  EXPECT_EQ(write_json(Json(1e-7f)), "1e-07");
  EXPECT_EQ(write_json(Json(3.4028235e38f)), "3.4028235e+38");
}

TEST(JsonWrite, RejectsNonFiniteNumbers) {
  expect_format_error([] { write_json(Json(std::nanf(""))); }, "cannot write NaN as JSON");
  expect_format_error([] { write_json(Json(std::numeric_limits<double>::infinity())); },
                      "cannot write an infinite number as JSON");
  Json a = Json::array();
  a.push_back(1.0f);
  a.push_back(-std::numeric_limits<float>::infinity());
  expect_format_error([&] { write_json(a); }, "infinite");
}

// Every float, written and read back, has the same bits. Checks special values and
// a deterministic sweep of bit patterns over the whole finite range.
TEST(JsonRoundTrip, FloatsAreBitIdentical) {
  std::vector<float> values = {0.0f, -0.0f, 1.0f, -1.0f, 0.1f, 1.0f / 3.0f,
                               std::numeric_limits<float>::min(),
                               std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::max(),
                               std::numeric_limits<float>::lowest(),
                               std::numeric_limits<float>::epsilon(), 16777217.0f, 1e-38f};
  uint32_t x = 0x12345678u;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;  // xorshift32
    const float f = testing::bits_as<float>(x);
    if (std::isfinite(f)) values.push_back(f);
  }
  Json array = Json::array();
  for (float f : values) array.push_back(f);
  const Json back = parse_json(write_json(array));
  ASSERT_EQ(back.as_array().size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const float got = back.as_array()[i].as_float();
    ASSERT_EQ(testing::bits_as<uint32_t>(got), testing::bits_as<uint32_t>(values[i]))
        << "value " << i << ": wrote " << write_json(Json(values[i]));
  }
}

TEST(JsonRoundTrip, DoublesAreBitIdentical) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;  // xorshift64
    const double d = testing::bits_as<double>(x);
    if (!std::isfinite(d)) continue;
    const double back = parse_json(write_json(Json(d))).as_number();
    ASSERT_EQ(testing::bits_as<uint64_t>(back), x) << write_json(Json(d));
  }
}

TEST(JsonRoundTrip, DocumentsSurviveWriteAndParse) {
  const std::string text =
      R"({"name":"cnnlab","list":[1,-2.5,true,false,null,"s"],"nested":{"a":{"b":[[],{}]}}})";
  const Json v = parse_json(text);
  EXPECT_EQ(write_json(v), text);
  EXPECT_EQ(parse_json(write_json(v)), v);
}

TEST(JsonValue, WrongTypeAccessThrows) {
  expect_format_error([] { Json(1.0).as_string(); }, "expected a string, got a number");
  expect_format_error([] { Json("x").as_array(); }, "expected an array, got a string");
  Json o = Json::object();
  o.set("a", 1);
  o.set("a", 2);  // replaces
  EXPECT_EQ(o.as_object().size(), 1u);
  EXPECT_EQ(o.find("a")->as_number(), 2.0);
}

}  // namespace
}  // namespace cnnlab
