// A small JSON value, a strict parser (RFC 8259) and a compact writer.
//
// Numbers are doubles. A number parsed from text also keeps its value correctly
// rounded to float (as_float()), so a float written by the writer reads back
// bit-identical, with no double-rounding. Numbers too large for a double (1e999)
// parse as ±infinity, as JavaScript's JSON.parse does; users that need finite
// values (the weights loader) check. The writer rejects NaN and ±infinity:
// JSON cannot represent them.
//
// Parse errors throw FormatError("invalid JSON at LINE:COLUMN: what"), 1-based,
// the column counted in bytes; text quoted from the input is escaped (printable()).
#pragma once
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/errors.h"

namespace cnnlab {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  // Members in document order (the writer keeps it); the parser rejects duplicates.
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(double d) : type_(Type::Number), number_(d), float_(float(d)) {}
  // Written in float's shortest form, which reads back as the same float.
  Json(float f) : type_(Type::Number), number_(f), float_(f), isFloat_(true) {}
  template <std::integral T>
  Json(T i) : Json(double(i)) {}
  Json(std::string s) : type_(Type::String), string_(std::move(s)) {}
  Json(const char* s) : Json(std::string(s)) {}
  Json(Array a) : type_(Type::Array), array_(std::move(a)) {}
  Json(Object o) : type_(Type::Object), object_(std::move(o)) {}
  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  // The accessors throw FormatError when the type is not the one asked for.
  bool as_bool() const;
  double as_number() const;
  float as_float() const;  // see the header comment
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object member by key, or nullptr (also when this is not an object).
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  // Sets an object member, replacing one with the same key. Returns the value.
  Json& set(std::string key, Json value);
  // Appends to an array.
  void push_back(Json value);

  // Structural equality (numbers compare as doubles).
  bool operator==(const Json& other) const;

 private:
  friend class JsonParser;
  friend class JsonWriter;
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0.0;
  float float_ = 0.0f;
  bool isFloat_ = false;  // write with float's shortest form
  std::string string_;
  Array array_;
  Object object_;
};

const char* to_string(Json::Type type);

inline constexpr int kJsonMaxDepth = 256;

// Parses one JSON text; whitespace around it is allowed, anything else after it is
// an error. A UTF-8 byte-order mark at the start is skipped.
Json parse_json(std::string_view text, int maxDepth = kJsonMaxDepth);

// Compact JSON (no spaces). Throws FormatError on a non-finite number.
std::string write_json(const Json& value);
void write_json(const Json& value, std::string& out);  // appends

// The shortest decimal that reads back as exactly `value` (JSON number syntax).
// Throw FormatError for non-finite values.
void append_json_number(std::string& out, double value);
void append_json_number(std::string& out, float value);
void append_json_string(std::string& out, std::string_view s);

}  // namespace cnnlab
