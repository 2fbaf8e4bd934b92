#include "io/idx.h"

#include <cstdio>

#include "io/files.h"
#include "network/config.h"

namespace cnnlab {

namespace {

uint32_t read_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", unsigned(v));
  return buf;
}

[[noreturn]] void fail(std::string_view name, const std::string& what) {
  throw FormatError(printable(name) + ": " + what);
}

// The checks both kinds share: non-empty, a whole header, the magic number.
void check_header(const uint8_t* data, size_t size, std::string_view name, size_t headerSize,
                  uint32_t magic, const char* kind) {
  if (size == 0) fail(name, std::string("file is empty, expected an IDX ") + kind + " file");
  if (size < headerSize)
    fail(name, "file is " + std::to_string(size) + " bytes, too short for the " +
                   std::to_string(headerSize) + "-byte header of IDX " + kind);
  if (!data) fail(name, "no data");
  const uint32_t got = read_be32(data);
  if (got != magic)
    fail(name, "bad magic " + hex32(got) + ", expected " + hex32(magic) + " (IDX " + kind + ")");
}

}  // namespace

IdxImages parse_idx_images(const uint8_t* data, size_t size, std::string_view name) {
  check_header(data, size, name, 16, kIdxImagesMagic, "images");
  const uint32_t count = read_be32(data + 4);
  const uint32_t rows = read_be32(data + 8), cols = read_be32(data + 12);
  if (rows != uint32_t(kImageSide) || cols != uint32_t(kImageSide))
    fail(name, "images are " + std::to_string(rows) + "×" + std::to_string(cols) +
                   ", expected 28×28");
  if (count == 0) fail(name, "file holds no images (count 0)");
  // 64-bit arithmetic: count·784 cannot overflow.
  const uint64_t expected = 16 + uint64_t(count) * uint64_t(kImageSize);
  if (uint64_t(size) != expected)
    fail(name, "file is " + std::to_string(size) + " bytes, expected " + std::to_string(expected) +
                   " for " + std::to_string(count) + " images of 28×28" +
                   (uint64_t(size) < expected ? " (truncated)" : " (trailing bytes)"));
  IdxImages result;
  result.count = count;
  result.pixels.assign(data + 16, data + size);
  return result;
}

std::vector<uint8_t> parse_idx_labels(const uint8_t* data, size_t size, std::string_view name) {
  check_header(data, size, name, 8, kIdxLabelsMagic, "labels");
  const uint32_t count = read_be32(data + 4);
  if (count == 0) fail(name, "file holds no labels (count 0)");
  const uint64_t expected = 8 + uint64_t(count);
  if (uint64_t(size) != expected)
    fail(name, "file is " + std::to_string(size) + " bytes, expected " + std::to_string(expected) +
                   " for " + std::to_string(count) + " labels" +
                   (uint64_t(size) < expected ? " (truncated)" : " (trailing bytes)"));
  for (size_t i = 0; i < count; ++i)
    if (data[8 + i] > 9)
      fail(name, "label " + std::to_string(data[8 + i]) + " at index " + std::to_string(i) +
                     " is not a digit 0..9");
  return std::vector<uint8_t>(data + 8, data + size);
}

MnistSet load_mnist(const std::string& dir, std::string_view split) {
  if (split != "train" && split != "t10k")
    throw FormatError("unknown MNIST split \"" + printable(split) + "\", expected train or t10k");
  const std::string base = (dir.empty() ? std::string(".") : dir) + "/" + std::string(split);
  const std::string imagesPath = base + "-images-idx3-ubyte";
  const std::string labelsPath = base + "-labels-idx1-ubyte";
  const std::vector<uint8_t> imageBytes = read_file_bytes(imagesPath);
  IdxImages images = parse_idx_images(imageBytes.data(), imageBytes.size(), imagesPath);
  const std::vector<uint8_t> labelBytes = read_file_bytes(labelsPath);
  std::vector<uint8_t> labels = parse_idx_labels(labelBytes.data(), labelBytes.size(), labelsPath);
  if (labels.size() != images.count)
    throw FormatError(printable(labelsPath) + ": " + std::to_string(labels.size()) + " labels, but " +
                      printable(imagesPath) + " holds " + std::to_string(images.count) + " images");
  return MnistSet{std::move(images.pixels), std::move(labels), images.count};
}

}  // namespace cnnlab
