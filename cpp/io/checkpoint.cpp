#include "io/checkpoint.h"

#include <cmath>
#include <string>

#include "io/binary.h"
#include "io/weights.h"  // crc32

namespace cnnlab {

namespace {
using namespace binary;

constexpr size_t kHeader = 940, kChecksum = 4;
constexpr size_t kAugment = 48, kRun = 80, kCount = 936;

// The augmentation's eight floats, in AugmentOptions' (and kAugmentFields') order.
constexpr float AugmentOptions::*kAugmentMembers[8] = {
    &AugmentOptions::rotation, &AugmentOptions::scale,        &AugmentOptions::shift,
    &AugmentOptions::shear,    &AugmentOptions::elasticAlpha, &AugmentOptions::elasticSigma,
    &AugmentOptions::stroke,   &AugmentOptions::probability};

uint8_t schedule_code(LrSchedule s) { return s == LrSchedule::Cosine ? 1 : 0; }

[[noreturn]] void fail(const std::string& what) { throw FormatError("checkpoint: " + what); }
}  // namespace

std::vector<uint8_t> checkpoint_to_bytes(const Checkpoint& c) {
  const size_t n = c.params.size();
  if (c.run.velocity.size() != n || c.run.gradSum.size() != n) fail("buffers of different sizes");
  std::vector<uint8_t> out(kHeader + 12 * n + kChecksum, 0);
  uint8_t* p = out.data();
  std::memcpy(p, kCheckpointMagic, 8);
  put_u32(p + 8, kCheckpointVersion);
  p[12] = activation_code(c.config.activation);
  p[13] = pooling_code(c.config.pooling);
  put_u16(p + 14, uint32_t(c.config.maps1));
  put_u16(p + 16, uint32_t(c.config.maps2));
  put_u16(p + 18, uint32_t(c.config.hidden));
  put_u32(p + 20, c.seed);
  put_f32(p + 24, c.options.learningRate);
  put_u32(p + 28, uint32_t(c.options.batchSize));
  put_f32(p + 32, c.options.momentum);
  put_f32(p + 36, c.options.lrDecay);
  put_u32(p + 40, uint32_t(c.options.epochs));
  p[44] = c.options.shuffle ? 1 : 0;
  p[45] = schedule_code(c.options.lrSchedule);
  for (int i = 0; i < 8; ++i) put_f32(p + kAugment + 4 * i, c.options.augment.*kAugmentMembers[i]);
  const RunState& r = c.run;
  put_u64(p + kRun, r.trainCount);
  put_u64(p + kRun + 8, r.epoch);
  put_u64(p + kRun + 16, r.position);
  put_u64(p + kRun + 24, r.samplesSeen);
  put_u64(p + kRun + 32, r.epochRngState);
  put_f32(p + kRun + 40, r.learningRate);
  put_u32(p + kRun + 44, r.inBatch);
  put_u32(p + kRun + 48, r.recentCount);
  put_u32(p + kRun + 52, r.recentHead);
  for (int i = 0; i < kLossWindow; ++i) put_u64(p + kRun + 56 + 8 * i, double_bits(r.recentLoss[i]));
  put_u32(p + kCount, uint32_t(n));
  for (size_t i = 0; i < n; ++i) {
    put_f32(p + kHeader + 4 * i, c.params[i]);
    put_f32(p + kHeader + 4 * (n + i), r.velocity[i]);
    put_f32(p + kHeader + 4 * (2 * n + i), r.gradSum[i]);
  }
  const size_t body = kHeader + 12 * n;
  put_u32(p + body, crc32(p, body));
  return out;
}

Checkpoint checkpoint_from_bytes(const uint8_t* p, size_t size) {
  if (!p || size < 8 || std::memcmp(p, kCheckpointMagic, 8) != 0) fail("not a cnnlab checkpoint (bad magic)");
  if (size < kHeader + kChecksum) fail("truncated (" + std::to_string(size) + " bytes)");
  if (const uint32_t version = get_u32(p + 8); version != kCheckpointVersion)
    fail("unsupported version " + std::to_string(version) + " (this build reads version " +
         std::to_string(kCheckpointVersion) + "; version 1, from before the λ schedule and data augmentation "
         "were part of a run, cannot be read: start a new run)");
  Checkpoint c;
  const auto a = activation_from_code(p[12]);
  const auto pool = pooling_from_code(p[13]);
  if (!a || !pool) fail("unknown activation or pooling code");
  c.config.activation = *a;
  c.config.pooling = *pool;
  c.config.maps1 = int(get_u16(p + 14));
  c.config.maps2 = int(get_u16(p + 16));
  c.config.hidden = int(get_u16(p + 18));
  if (auto e = validate(c.config); !e.empty()) fail("bad config: " + e);
  const size_t n = ParamLayout(c.config).total;
  if (get_u32(p + kCount) != n) fail("parameter count does not match the config");
  const size_t body = kHeader + 12 * n;
  if (size != body + kChecksum)
    fail(std::to_string(size) + " bytes, expected " + std::to_string(body + kChecksum) +
         (size < body + kChecksum ? " (truncated)" : " (trailing bytes)"));
  if (get_u32(p + body) != crc32(p, body)) fail("checksum mismatch (the data is corrupt)");
  c.seed = get_u32(p + 20);
  c.options.learningRate = get_f32(p + 24);
  c.options.batchSize = int(get_u32(p + 28));
  c.options.momentum = get_f32(p + 32);
  c.options.lrDecay = get_f32(p + 36);
  c.options.epochs = int(get_u32(p + 40));
  c.options.shuffle = p[44] != 0;
  if (p[45] > 1) fail("unknown λ schedule code " + std::to_string(p[45]));
  c.options.lrSchedule = p[45] == 1 ? LrSchedule::Cosine : LrSchedule::Constant;
  for (int i = 0; i < 8; ++i) c.options.augment.*kAugmentMembers[i] = get_f32(p + kAugment + 4 * i);
  if (auto e = validate(c.options); !e.empty()) fail(e);
  RunState& r = c.run;
  r.trainCount = get_u64(p + kRun);
  r.epoch = get_u64(p + kRun + 8);
  r.position = get_u64(p + kRun + 16);
  r.samplesSeen = get_u64(p + kRun + 24);
  r.epochRngState = get_u64(p + kRun + 32);
  r.learningRate = get_f32(p + kRun + 40);
  r.inBatch = get_u32(p + kRun + 44);
  r.recentCount = get_u32(p + kRun + 48);
  r.recentHead = get_u32(p + kRun + 52);
  for (int i = 0; i < kLossWindow; ++i) r.recentLoss[i] = bits_double(get_u64(p + kRun + 56 + 8 * i));
  c.params.resize(n);
  r.velocity.resize(n);
  r.gradSum.resize(n);
  for (size_t i = 0; i < n; ++i) {
    c.params[i] = get_f32(p + kHeader + 4 * i);
    r.velocity[i] = get_f32(p + kHeader + 4 * (n + i));
    r.gradSum[i] = get_f32(p + kHeader + 4 * (2 * n + i));
  }
  return c;
}

}  // namespace cnnlab
