// Weights files as JSON (README "Weights files", JSON): writing, and reading with
// every check. Text from the file (keys, strings) goes through printable() before
// it is put in a message.
#include <algorithm>
#include <cmath>

#include "io/json.h"
#include "io/weights.h"
#include "io/weights_internal.h"

namespace cnnlab {

using namespace weights_detail;

namespace {

// A key or string from the file, quoted and safe to print.
std::string quoted(std::string_view s) {
  std::string q(1, '"');  // (built with +=: GCC 12 warns wrongly about "\"" + std::string)
  q += printable(s);
  q += '"';
  return q;
}

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
      fail("config: unknown key " + quoted(key) + " (expected activation, pooling, maps1, maps2, hidden)");
  Config c;
  const std::string& activation = config_string(json, "activation");
  const auto a = parse_activation(activation);
  if (!a) fail("config.activation: unknown activation " + quoted(activation) + " (expected relu, tanh or sigmoid)");
  c.activation = *a;
  const std::string& pooling = config_string(json, "pooling");
  const auto p = parse_pooling(pooling);
  if (!p) fail("config.pooling: unknown pooling " + quoted(pooling) + " (expected average or max)");
  c.pooling = *p;
  c.maps1 = config_int(json, "maps1");
  c.maps2 = config_int(json, "maps2");
  c.hidden = config_int(json, "hidden");
  if (std::string e = validate(c); !e.empty()) fail("bad config: " + e);
  return c;
}

// One value of tensor `name` at `where` (its place in the message).
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
      fail(std::string(t.name) + ": unknown key " + quoted(key) + " (expected \"shape\" and \"data\")");
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
  check_size(text.size(), "weights JSON");  // before parsing: the parsed tree takes ~90× the text
  const Json doc = parse_json(text);
  if (!doc.is_object())
    fail(std::string("weights JSON must be an object, got ") + to_string(doc.type()));
  if (const Json* f = doc.find("format")) {
    if (!f->is_string() || f->as_string() != kWeightsFormatName)
      fail(std::string("\"format\" must be \"") + kWeightsFormatName + "\"" +
           (f->is_string() ? ", got " + quoted(f->as_string()) : std::string(", got ") + to_string(f->type())));
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
      fail("unknown key " + quoted(key) + " (expected format, version, config and the tensors " + names + ")");
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

}  // namespace cnnlab
