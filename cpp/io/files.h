// Whole-file reads and writes for cpp/io and the CLI. Failures throw IoError with
// the path and the system's reason.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/errors.h"

namespace cnnlab {

std::vector<uint8_t> read_file_bytes(const std::string& path);
// Writes to "path.tmp" and renames it over `path`, so a failed write never leaves a
// half-written file behind.
void write_file_bytes(const std::string& path, const uint8_t* data, size_t size);

}  // namespace cnnlab
