#include "network/config.h"

#include <cmath>
#include <cstdio>

namespace cnnlab {

std::string format_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

std::string format_count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool within(const Limit& limit, double v) {
  if (limit.integer) return v >= limit.min && v <= limit.max && v == std::floor(v);  // false for NaN
  // Real-valued options are single-precision floats: compare with the ends as floats.
  return v >= double(float(limit.min)) && v <= double(float(limit.max));
}

std::string out_of_range(const Limit& limit, const std::string& what, const std::string& got) {
  auto end = [&](double v) {
    if (!limit.integer) return format_number(v);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
    return std::string(buffer);
  };
  return what + " must be " + (limit.integer ? "a whole number " : "") + "between " + end(limit.min) +
         " and " + end(limit.max) + ", got " + got;
}

std::string validate(const Config& c) {
  if (!within(limits::maps1, c.maps1)) return out_of_range(limits::maps1, "maps1", std::to_string(c.maps1));
  if (!within(limits::maps2, c.maps2)) return out_of_range(limits::maps2, "maps2", std::to_string(c.maps2));
  if (!within(limits::hidden, c.hidden)) return out_of_range(limits::hidden, "hidden", std::to_string(c.hidden));
  if (c.activation != Activation::ReLU && c.activation != Activation::Tanh &&
      c.activation != Activation::Sigmoid)
    return "unknown activation (relu, tanh or sigmoid)";
  if (c.pooling != Pooling::Average && c.pooling != Pooling::Max)
    return "unknown pooling (average or max)";
  return {};
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::ReLU: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
  }
  return "?";
}
const char* to_string(Pooling p) { return p == Pooling::Max ? "max" : "average"; }

std::optional<Activation> parse_activation(const std::string& s) {
  if (s == "relu") return Activation::ReLU;
  if (s == "tanh") return Activation::Tanh;
  if (s == "sigmoid") return Activation::Sigmoid;
  return std::nullopt;
}
std::optional<Pooling> parse_pooling(const std::string& s) {
  if (s == "average" || s == "avg") return Pooling::Average;
  if (s == "max") return Pooling::Max;
  return std::nullopt;
}

std::array<ParamTensor, kParamGroups> param_tensors(const Config& c) {
  const int M1 = c.maps1, M2 = c.maps2, H = c.hidden, F = 16 * M2;
  std::array<ParamTensor, kParamGroups> t = {{
      {"conv1.weight", "K¹", 4, {M1, 1, 5, 5}, 0, 0},
      {"conv1.bias", "b¹", 1, {M1, 0, 0, 0}, 0, 0},
      {"conv2.weight", "K²", 4, {M2, M1, 5, 5}, 0, 0},
      {"conv2.bias", "b²", 1, {M2, 0, 0, 0}, 0, 0},
      {"fc1.weight", "W₁", 2, {H, F, 0, 0}, 0, 0},
      {"fc1.bias", "b₁", 1, {H, 0, 0, 0}, 0, 0},
      {"fc2.weight", "W₂", 2, {kClasses, H, 0, 0}, 0, 0},
      {"fc2.bias", "b₂", 1, {kClasses, 0, 0, 0}, 0, 0},
  }};
  size_t at = 0;
  for (ParamTensor& p : t) {
    p.size = 1;
    for (int d = 0; d < p.rank; ++d) p.size *= size_t(p.shape[d]);
    p.offset = at;
    at += p.size;
  }
  return t;
}

ParamLayout::ParamLayout(const Config& c)
    : maps1(c.maps1), maps2(c.maps2), hidden(c.hidden), flatten(c.maps2 * 16) {
  const auto t = param_tensors(c);
  kernels1 = t[kConv1Weight].offset;
  bias1 = t[kConv1Bias].offset;
  kernels2 = t[kConv2Weight].offset;
  bias2 = t[kConv2Bias].offset;
  weights1 = t[kFc1Weight].offset;
  bias1d = t[kFc1Bias].offset;
  weights2 = t[kFc2Weight].offset;
  bias2d = t[kFc2Bias].offset;
  total = t[kFc2Bias].offset + t[kFc2Bias].size;
}

}  // namespace cnnlab
