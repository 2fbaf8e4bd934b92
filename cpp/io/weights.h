// Weights files: a Config and its flat parameter buffer (ParamLayout, PyTorch
// state_dict order), as JSON or as a compact binary. Kernels are stored in the
// core's cross-correlation orientation, which is PyTorch's, so a state_dict maps
// onto the file with no flipping. The full description of both formats is in the
// README ("Weights files").
//
// JSON:   {"format":"cnnlab-weights","version":1,
//          "config":{"activation":"relu","pooling":"average","maps1":4,"maps2":6,"hidden":50},
//          "conv1.weight":{"shape":[4,1,5,5],"data":[...]}, ... "fc2.bias":{...}}
// Binary (little-endian):
//   0  8  magic "CNNLAB\0W"           20  u32 parameter count n
//   8  u32 version (1)                24  n × f32 parameters
//   12 u8 activation, 13 u8 pooling   24+4n  u32 CRC-32 (IEEE/zlib) of bytes [0, 24+4n)
//   14 u16 maps1, 16 u16 maps2, 18 u16 hidden
//
// Loading checks everything (structure, shapes, lengths, config, checksum, finite
// values) and throws FormatError saying what is wrong and where; text from the file
// is escaped (printable()) in the message. Input larger than
// limits::weightsFileBytes.max (4 MB) is refused before it is parsed or read whole.
//
// weights.cpp: what both formats share (size cap, checks before saving, CRC-32,
// files); weights_json.cpp and weights_binary.cpp: the two formats.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/errors.h"
#include "network/config.h"

namespace cnnlab {

inline constexpr char kWeightsMagic[8] = {'C', 'N', 'N', 'L', 'A', 'B', '\0', 'W'};
inline constexpr uint32_t kWeightsVersion = 1;
inline constexpr const char* kWeightsFormatName = "cnnlab-weights";

struct LoadedWeights {
  Config config;
  std::vector<float> params;  // ParamLayout(config).total values
};

// `params` holds ParamLayout(config).total floats. Both throw FormatError on an
// invalid config or a non-finite parameter (neither format can hold one).
std::string weights_to_json(const Config& config, const float* params);
std::vector<uint8_t> weights_to_binary(const Config& config, const float* params);

// Both throw FormatError, before parsing, on more than limits::weightsFileBytes.max bytes.
LoadedWeights weights_from_json(std::string_view text);
LoadedWeights weights_from_binary(const uint8_t* data, size_t size);

// By content: binary if the file starts with the magic, else JSON. Errors are
// prefixed with the path. A file over the size limit is refused before it is read
// whole (by its size, or after limit + 1 bytes of a pipe or device). Throws IoError
// if the file cannot be read.
LoadedWeights load_weights_file(const std::string& path);
// True if the path ends in ".json" (any case): save_weights_file writes JSON there.
bool is_json_path(const std::string& path);
// JSON if is_json_path(path), else binary.
void save_weights_file(const std::string& path, const Config& config, const float* params);

// CRC-32 as in zlib/PNG/gzip (reflected polynomial 0xEDB88320, init and final
// xor 0xFFFFFFFF); crc32("123456789") = 0xCBF43926.
uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace cnnlab
