// What the JSON and binary weights formats share (cpp/io/weights*.cpp only).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "io/errors.h"
#include "network/config.h"

namespace cnnlab::weights_detail {

[[noreturn]] inline void fail(const std::string& what) { throw FormatError(what); }

// What limits::weightsFileBytes is for, in messages: "weights files are limited to 4 MB".
inline constexpr std::string_view kLimitKind = "weights files";
// Throws FormatError if `size` bytes are more than a weights file may hold;
// `what` names the input: "weights JSON is 20 MB (...); weights files are limited to 4 MB".
void check_size(size_t size, const char* what);

// Checks what both writers need: a valid config and finite parameters.
void check_for_saving(const Config& config, const float* params);

std::vector<int> shape_of(const ParamTensor& t);
std::string shape_string(const std::vector<int>& shape);
// "nan", "-inf" or the shortest decimal.
std::string float_string(float v);
// Index i of the flat buffer as "conv2.weight[17]".
std::string param_name(const Config& config, size_t i);

}  // namespace cnnlab::weights_detail
