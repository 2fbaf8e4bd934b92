#include "io/files.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sys/stat.h>

namespace cnnlab {

namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string reason() { return errno ? std::strerror(errno) : "unknown error"; }

constexpr uint64_t kKB = 1024, kMB = 1024 * 1024;

// Reads at most `maxBytes` + 1 bytes (all of it with no limit).
std::vector<uint8_t> read_all(std::FILE* f, const std::string& path, uint64_t maxBytes) {
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  for (;;) {
    const uint64_t room = maxBytes == UINT64_MAX ? sizeof buffer : maxBytes + 1 - bytes.size();
    const size_t want = size_t(room < sizeof buffer ? room : sizeof buffer);
    const size_t n = std::fread(buffer, 1, want, f);
    bytes.insert(bytes.end(), buffer, buffer + n);
    if (n < want || bytes.size() > maxBytes) break;
  }
  if (std::ferror(f)) throw IoError("cannot read " + printable(path) + ": " + reason());
  return bytes;
}

std::vector<uint8_t> read_limited(const std::string& path, uint64_t maxBytes, std::string_view kind) {
  errno = 0;
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw IoError("cannot open " + printable(path) + ": " + reason());
  if (maxBytes != UINT64_MAX) {
    struct stat st;
    if (::fstat(fileno(f.get()), &st) == 0 && S_ISREG(st.st_mode) && uint64_t(st.st_size) > maxBytes)
      throw FormatError(printable(path) + ": the file is " +
                        size_over_limit(uint64_t(st.st_size), false, maxBytes, kind));
  }
  std::vector<uint8_t> bytes = read_all(f.get(), path, maxBytes);
  if (bytes.size() > maxBytes)  // not a regular file, or one that grew
    throw FormatError(printable(path) + ": the file is " + size_over_limit(bytes.size(), true, maxBytes, kind));
  return bytes;
}
}  // namespace

std::string format_bytes(uint64_t bytes) {
  char buffer[48];
  const auto unit = [&](uint64_t size, const char* name) {
    if (bytes % size == 0) std::snprintf(buffer, sizeof buffer, "%" PRIu64 " %s", bytes / size, name);
    else std::snprintf(buffer, sizeof buffer, "%.1f %s", double(bytes) / double(size), name);
  };
  if (bytes >= kMB) unit(kMB, "MB");
  else if (bytes >= kKB) unit(kKB, "KB");
  else std::snprintf(buffer, sizeof buffer, "%" PRIu64 " bytes", bytes);
  return buffer;
}

std::string size_over_limit(uint64_t size, bool atLeast, uint64_t maxBytes, std::string_view kind) {
  std::string s = atLeast ? "more than " + format_bytes(maxBytes)
                          : format_bytes(size) + " (" + std::to_string(size) + " bytes)";
  return s + "; " + std::string(kind) + " are limited to " + format_bytes(maxBytes);
}

std::vector<uint8_t> read_file_bytes(const std::string& path) { return read_limited(path, UINT64_MAX, {}); }

std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t maxBytes, std::string_view kind) {
  return read_limited(path, maxBytes, kind);
}

void write_file_bytes(const std::string& path, const uint8_t* data, size_t size) {
  const std::string tmp = path + ".tmp";
  errno = 0;
  File f(std::fopen(tmp.c_str(), "wb"));
  if (!f) throw IoError("cannot write " + printable(path) + ": " + reason());
  const bool written = size == 0 || std::fwrite(data, 1, size, f.get()) == size;
  const bool closed = std::fclose(f.release()) == 0;
  if (!written || !closed) {
    const std::string why = reason();
    std::remove(tmp.c_str());
    throw IoError("cannot write " + printable(path) + ": " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = reason();
    std::remove(tmp.c_str());
    throw IoError("cannot write " + printable(path) + ": " + why);
  }
}

void check_writable(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw IoError("cannot write " + printable(path) + ": it is a directory");
  const std::string tmp = path + ".tmp";
  errno = 0;
  File f(std::fopen(tmp.c_str(), "wb"));
  if (!f) throw IoError("cannot write " + printable(path) + ": " + reason());
  f.reset();
  std::remove(tmp.c_str());
}

}  // namespace cnnlab
