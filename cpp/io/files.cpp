#include "io/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace cnnlab {

namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string reason() { return errno ? std::strerror(errno) : "unknown error"; }
}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  errno = 0;
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw IoError("cannot open " + path + ": " + reason());
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  for (;;) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, f.get());
    bytes.insert(bytes.end(), buffer, buffer + n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(f.get())) throw IoError("cannot read " + path + ": " + reason());
  return bytes;
}

void write_file_bytes(const std::string& path, const uint8_t* data, size_t size) {
  const std::string tmp = path + ".tmp";
  errno = 0;
  File f(std::fopen(tmp.c_str(), "wb"));
  if (!f) throw IoError("cannot write " + path + ": " + reason());
  const bool written = size == 0 || std::fwrite(data, 1, size, f.get()) == size;
  const bool closed = std::fclose(f.release()) == 0;
  if (!written || !closed) {
    const std::string why = reason();
    std::remove(tmp.c_str());
    throw IoError("cannot write " + path + ": " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = reason();
    std::remove(tmp.c_str());
    throw IoError("cannot write " + path + ": " + why);
  }
}

}  // namespace cnnlab
