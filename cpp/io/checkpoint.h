// A training run saved as bytes: the network's config, seed and options, θ, and the
// run state (network/model.h: RunState), so that a new worker, a reloaded page or
// another machine goes on bit for bit. All fields little-endian, byte by byte.
//
// Version 2 (version 1 had no λ schedule and no augmentation; it is refused):
//   offset  size  field
//   0       8     magic "CNNLAB\0C"
//   8       4     u32 version = 2
//   12      1+1   u8 activation (0 relu, 1 tanh, 2 sigmoid), u8 pooling (0 average, 1 max)
//   14      2×3   u16 maps1, maps2, hidden
//   20      4     u32 seed
//   24      4×5+1 options: f32 λ, u32 batch, f32 momentum, f32 decay, u32 epochs, u8 shuffle
//   45      1     u8 λ schedule (0 constant, 1 cosine)
//   46      2     zero
//   48      4×8   augmentation: f32 rotation, scale, shift, shear, elastic α, elastic σ,
//                 stroke, probability (augment/augment.h: AugmentOptions, in this order)
//   80      8×5   run: u64 trainCount, epoch, position, samplesSeen, epochRngState
//   120     4×4   f32 λ of this epoch, u32 inBatch, recentCount, recentHead
//   136     8×100 f64 recent losses (the divergence rule's window)
//   936     4     u32 n = parameter count
//   940     4n×3  f32 θ, then the momentum buffer v, then the partial batch's Σ Δθ
//   940+12n 4     u32 CRC-32 (as weights files) of every byte before it
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/errors.h"
#include "network/model.h"

namespace cnnlab {

inline constexpr char kCheckpointMagic[8] = {'C', 'N', 'N', 'L', 'A', 'B', '\0', 'C'};
inline constexpr uint32_t kCheckpointVersion = 2;

std::vector<uint8_t> checkpoint_to_bytes(const Checkpoint& checkpoint);
// Throws FormatError saying what is wrong (magic, version, config, length, checksum).
Checkpoint checkpoint_from_bytes(const uint8_t* data, size_t size);

}  // namespace cnnlab
