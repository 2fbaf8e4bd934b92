// Whole-file reads and writes for cpp/io and the CLI. Failures throw IoError with
// the path and the system's reason; paths in messages go through printable().
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/errors.h"

namespace cnnlab {

// The whole file. With a limit, a file of more than `maxBytes` bytes is refused
// before it is read whole: a regular file by its size, anything else (a pipe,
// /dev/zero) after reading maxBytes + 1 bytes. Then it throws FormatError
// "PATH: the file is 20.0 MB (20971520 bytes); KIND are limited to 4 MB"
// (`kind` names what the limit is for: "weights files").
std::vector<uint8_t> read_file_bytes(const std::string& path);
std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t maxBytes, std::string_view kind);

// "20.0 MB (20971520 bytes); weights files are limited to 4 MB": what a size limit's
// message says after "<what> is ". `atLeast`: the size is only known to be larger.
std::string size_over_limit(uint64_t size, bool atLeast, uint64_t maxBytes, std::string_view kind);
// 4 MB, 64 KB, 100 bytes (1 MB = 1,048,576 bytes); whole units without a decimal.
std::string format_bytes(uint64_t bytes);

// Writes to "path.tmp" and renames it over `path`, so a failed write never leaves a
// half-written file behind.
void write_file_bytes(const std::string& path, const uint8_t* data, size_t size);
// Throws IoError unless write_file_bytes(path, ...) can work: `path` is not a
// directory and "path.tmp" can be created (and is removed again) — so a long job
// can check its output file before it starts.
void check_writable(const std::string& path);

}  // namespace cnnlab
