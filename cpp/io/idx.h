// IDX files (the MNIST distribution format, http://yann.lecun.com/exdb/mnist/):
// a big-endian header, then unsigned bytes.
//   images: u32 magic 0x00000803, u32 count, u32 rows (28), u32 cols (28), count·784 pixels
//   labels: u32 magic 0x00000801, u32 count, count labels 0..9
// Every check failure throws FormatError naming the file and the problem.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/errors.h"

namespace cnnlab {

inline constexpr uint32_t kIdxImagesMagic = 0x00000803;
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;

struct IdxImages {
  std::vector<uint8_t> pixels;  // count·784, image-major, row-major
  size_t count = 0;
};

// `name` is the file's name, used only to prefix error messages.
IdxImages parse_idx_images(const uint8_t* data, size_t size, std::string_view name);
std::vector<uint8_t> parse_idx_labels(const uint8_t* data, size_t size, std::string_view name);

struct MnistSet {
  std::vector<uint8_t> images;  // count·784
  std::vector<uint8_t> labels;  // count, 0..9
  size_t count = 0;
};

// Reads DIR/SPLIT-images-idx3-ubyte and DIR/SPLIT-labels-idx1-ubyte, SPLIT being
// "train" or "t10k", and checks that their counts match.
// Throws IoError (unreadable file) or FormatError.
MnistSet load_mnist(const std::string& dir, std::string_view split);

}  // namespace cnnlab
