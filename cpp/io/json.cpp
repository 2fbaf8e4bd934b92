#include "io/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <unordered_set>

namespace cnnlab {

// ---------------------------------------------------------------- the value

const char* to_string(Json::Type type) {
  switch (type) {
    case Json::Type::Null: return "null";
    case Json::Type::Bool: return "a boolean";
    case Json::Type::Number: return "a number";
    case Json::Type::String: return "a string";
    case Json::Type::Array: return "an array";
    case Json::Type::Object: return "an object";
  }
  return "?";
}

namespace {
[[noreturn]] void wrong_type(Json::Type got, const char* wanted) {
  throw FormatError(std::string("expected ") + wanted + ", got " + to_string(got));
}
}  // namespace

bool Json::as_bool() const {
  if (type_ != Type::Bool) wrong_type(type_, "a boolean");
  return bool_;
}
double Json::as_number() const {
  if (type_ != Type::Number) wrong_type(type_, "a number");
  return number_;
}
float Json::as_float() const {
  if (type_ != Type::Number) wrong_type(type_, "a number");
  return float_;
}
const std::string& Json::as_string() const {
  if (type_ != Type::String) wrong_type(type_, "a string");
  return string_;
}
const Json::Array& Json::as_array() const {
  if (type_ != Type::Array) wrong_type(type_, "an array");
  return array_;
}
Json::Array& Json::as_array() {
  if (type_ != Type::Array) wrong_type(type_, "an array");
  return array_;
}
const Json::Object& Json::as_object() const {
  if (type_ != Type::Object) wrong_type(type_, "an object");
  return object_;
}
Json::Object& Json::as_object() {
  if (type_ != Type::Object) wrong_type(type_, "an object");
  return object_;
}

const Json* Json::find(std::string_view key) const {
  if (type_ != Type::Object) return nullptr;
  for (const auto& [k, v] : object_)
    if (k == key) return &v;
  return nullptr;
}

Json* Json::find(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json&>(*this).find(key));
}

Json& Json::set(std::string key, Json value) {
  Object& members = as_object();
  for (auto& [k, v] : members)
    if (k == key) return v = std::move(value);
  members.emplace_back(std::move(key), std::move(value));
  return members.back().second;
}

void Json::push_back(Json value) { as_array().push_back(std::move(value)); }

bool Json::operator==(const Json& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case Type::Null: return true;
    case Type::Bool: return bool_ == o.bool_;
    case Type::Number: return number_ == o.number_;
    case Type::String: return string_ == o.string_;
    case Type::Array: return array_ == o.array_;
    case Type::Object: return object_ == o.object_;
  }
  return false;
}

// ---------------------------------------------------------------- the parser

class JsonParser {
 public:
  JsonParser(std::string_view text, int maxDepth)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), maxDepth_(maxDepth) {}

  Json parse_document() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
    skip_whitespace();
    if (p_ == end_) fail(p_, "empty input, expected a JSON value");
    Json value = parse_value(0);
    skip_whitespace();
    if (p_ != end_) fail(p_, "unexpected " + describe(p_) + " after the JSON value");
    return value;
  }

 private:
  [[noreturn]] void fail(const char* at, const std::string& what) const {
    int line = 1, column = 1;
    for (const char* q = begin_; q < at; ++q) {
      if (*q == '\n') { ++line; column = 1; }
      else ++column;
    }
    throw FormatError("invalid JSON at " + std::to_string(line) + ":" + std::to_string(column) +
                      ": " + what);
  }

  // "end of input", "'x'" or "byte 0x07".
  std::string describe(const char* at) const {
    if (at >= end_) return "end of input";
    const unsigned char c = static_cast<unsigned char>(*at);
    if (c >= 0x20 && c < 0x7F) return std::string("'") + char(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", unsigned(c));
    return buf;
  }

  void skip_whitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool starts_with(std::string_view word) const {
    return size_t(end_ - p_) >= word.size() && std::string_view(p_, word.size()) == word;
  }

  Json parse_value(int depth) {
    if (p_ >= end_) fail(p_, "unexpected end of input, expected a value");
    switch (*p_) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': return Json(parse_string());
      case 't': return parse_literal("true", Json(true));
      case 'f': return parse_literal("false", Json(false));
      case 'n': return parse_literal("null", Json());
      default: break;
    }
    if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return parse_number();
    for (std::string_view word : {"NaN", "Infinity", "-Infinity", "nan", "inf"})
      if (starts_with(word))
        fail(p_, std::string(word) + " is not valid JSON: JSON has no non-finite numbers");
    fail(p_, "unexpected " + describe(p_) + ", expected a value");
  }

  Json parse_literal(std::string_view word, Json value) {
    if (!starts_with(word)) fail(p_, "unexpected " + describe(p_) + ", expected a value");
    p_ += word.size();
    return value;
  }

  void check_depth(int depth) const {
    if (depth > maxDepth_)
      fail(p_, "nesting deeper than " + std::to_string(maxDepth_) + " arrays/objects");
  }

  Json parse_object(int depth) {
    check_depth(depth);
    ++p_;  // '{'
    Json result = Json::object();
    Json::Object& members = result.object_;
    std::unordered_set<std::string> keys;
    skip_whitespace();
    if (p_ < end_ && *p_ == '}') { ++p_; return result; }
    for (;;) {
      skip_whitespace();
      if (p_ >= end_ || *p_ != '"')
        fail(p_, "unexpected " + describe(p_) + ", expected a string key");
      const char* keyAt = p_;
      std::string key = parse_string();
      if (!keys.insert(key).second) fail(keyAt, "duplicate key \"" + printable(key) + "\"");
      skip_whitespace();
      if (p_ >= end_ || *p_ != ':') fail(p_, "unexpected " + describe(p_) + ", expected ':'");
      ++p_;
      skip_whitespace();
      Json value = parse_value(depth);
      members.emplace_back(std::move(key), std::move(value));
      skip_whitespace();
      if (p_ < end_ && *p_ == ',') { ++p_; continue; }
      if (p_ < end_ && *p_ == '}') { ++p_; return result; }
      fail(p_, "unexpected " + describe(p_) + ", expected ',' or '}'");
    }
  }

  Json parse_array(int depth) {
    check_depth(depth);
    ++p_;  // '['
    Json result = Json::array();
    skip_whitespace();
    if (p_ < end_ && *p_ == ']') { ++p_; return result; }
    for (;;) {
      skip_whitespace();
      result.array_.push_back(parse_value(depth));
      skip_whitespace();
      if (p_ < end_ && *p_ == ',') { ++p_; continue; }
      if (p_ < end_ && *p_ == ']') { ++p_; return result; }
      fail(p_, "unexpected " + describe(p_) + ", expected ',' or ']'");
    }
  }

  unsigned parse_hex4() {
    unsigned v = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      if (p_ >= end_) fail(p_, "unexpected end of input in a \\u escape");
      const char c = *p_;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else fail(p_, "unexpected " + describe(p_) + " in a \\u escape, expected a hex digit");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    const char* open = p_;
    ++p_;  // '"'
    std::string out;
    for (;;) {
      if (p_ >= end_) fail(open, "unterminated string");
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') { ++p_; return out; }
      if (c < 0x20) fail(p_, "unescaped control character " + describe(p_) + " in a string");
      if (c != '\\') { out += char(c); ++p_; continue; }
      const char* escape = p_;
      ++p_;
      if (p_ >= end_) fail(open, "unterminated string");
      switch (*p_++) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = parse_hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail(escape, "lone low surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!starts_with("\\u")) fail(escape, "high surrogate not followed by a low surrogate");
            p_ += 2;
            const unsigned low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF)
              fail(escape, "high surrogate not followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail(escape, "invalid escape \\" + printable(std::string_view(p_ - 1, 1)) + " in a string");
      }
    }
  }

  // strtod/strtof rather than std::from_chars: Emscripten's libc++ 14 has no
  // floating-point from_chars. Both round correctly; out of range gives ±inf or 0.
  // (They follow LC_NUMERIC; cnnlab never calls setlocale, so '.' is the point.)
  template <class T>
  static T convert(std::string_view digits) {
    const std::string text(digits);
    if constexpr (std::is_same_v<T, float>) return std::strtof(text.c_str(), nullptr);
    else return std::strtod(text.c_str(), nullptr);
  }

  Json parse_number() {
    const char* start = p_;
    auto digit = [&] { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; };
    if (*p_ == '-') ++p_;
    if (!digit()) {
      if (starts_with("Infinity"))
        fail(start, "-Infinity is not valid JSON: JSON has no non-finite numbers");
      fail(p_, "unexpected " + describe(p_) + " in a number, expected a digit");
    }
    if (*p_ == '0') {
      ++p_;
      if (digit()) fail(p_, "leading zeros are not allowed in a number");
    } else {
      while (digit()) ++p_;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digit()) fail(p_, "unexpected " + describe(p_) + " after '.', expected a digit");
      while (digit()) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digit()) fail(p_, "unexpected " + describe(p_) + " in an exponent, expected a digit");
      while (digit()) ++p_;
    }
    const std::string_view digits(start, size_t(p_ - start));
    Json result(convert<double>(digits));
    result.float_ = convert<float>(digits);
    return result;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  int maxDepth_;
};

Json parse_json(std::string_view text, int maxDepth) {
  return JsonParser(text, maxDepth).parse_document();
}

// ---------------------------------------------------------------- the writer

namespace {
template <class T>
void append_number(std::string& out, T value) {
  if (!std::isfinite(value))
    throw FormatError(std::string("cannot write ") + (std::isnan(value) ? "NaN" : "an infinite number") +
                      " as JSON: JSON has no non-finite numbers");
  // The shortest %.*g that reads back to the same bits (std::to_chars for floats
  // is missing from Emscripten's libc++ 14).
  char buf[64];
  const int maxDigits = std::is_same_v<T, float> ? 9 : 17;
  for (int digits = std::is_same_v<T, float> ? 6 : 15;; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, double(value));
    const T back = std::is_same_v<T, float> ? T(std::strtof(buf, nullptr)) : T(std::strtod(buf, nullptr));
    if (back == value || digits == maxDigits) break;
  }
  out += buf;
}
}  // namespace

void append_json_number(std::string& out, double value) { append_number(out, value); }
void append_json_number(std::string& out, float value) { append_number(out, value); }

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

class JsonWriter {
 public:
  static void write(const Json& v, std::string& out) {
    switch (v.type_) {
      case Json::Type::Null: out += "null"; break;
      case Json::Type::Bool: out += v.bool_ ? "true" : "false"; break;
      case Json::Type::Number:
        if (v.isFloat_) append_json_number(out, v.float_);
        else append_json_number(out, v.number_);
        break;
      case Json::Type::String: append_json_string(out, v.string_); break;
      case Json::Type::Array: {
        out += '[';
        for (size_t i = 0; i < v.array_.size(); ++i) {
          if (i) out += ',';
          write(v.array_[i], out);
        }
        out += ']';
        break;
      }
      case Json::Type::Object: {
        out += '{';
        for (size_t i = 0; i < v.object_.size(); ++i) {
          if (i) out += ',';
          append_json_string(out, v.object_[i].first);
          out += ':';
          write(v.object_[i].second, out);
        }
        out += '}';
        break;
      }
    }
  }
};

void write_json(const Json& value, std::string& out) { JsonWriter::write(value, out); }

std::string write_json(const Json& value) {
  std::string out;
  write_json(value, out);
  return out;
}

}  // namespace cnnlab
