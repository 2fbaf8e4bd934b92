// Where a training step's time goes: each stage of a per-sample step of the default
// network (the three 5×5 kernels and the work between them), timed on its own with
// the network's real shapes, the whole step and one inference timed in place, and
// the multiply-add ceiling of the machine, all measured in the same binary.
// For `npm run bench` (the WebAssembly module, through the bindings) and
// `build/cnnlab_bench --profile-json` (natively); not used by the network.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab::bench {

struct StageFigure {
  std::string name;    // "conv1 valid" ...
  std::string code;    // the function(s) it times
  bool kernel;         // one of the three 5×5 kernels
  double macs;         // useful multiply-adds per call (0 if not counted)
  double nsPerCall;    // best of several timed runs
};

struct StepProfile {
  std::string kernelName;            // kConvKernelName
  double ceilingGmacs;               // mac_ceiling: 4-lane multiply + add on registers
  double ceiling8Gmacs;              // the same on 8-lane vectors, natively only (else 0)
  std::vector<StageFigure> stages;   // in step order; each runs once per step
  double stepNs;                     // Model::train, per-sample SGD, per sample
  double forwardBackwardNs;          // Network: load_input + forward + backward
  double predictNs;                  // Model::predict of one image (no JS copies)
};

// Times every figure for about `millisPerFigure` ms (after a warm-up of a third of
// that) on the given labelled images (count ≥ 1, 784 bytes each; cycled through).
// Default config, seed 1, λ = 0.01.
StepProfile profile_step(const uint8_t* images, const uint8_t* labels, size_t count,
                         double millisPerFigure);

// The stages on their own (for Google Benchmark): names, and one call of stage i, on
// the tensors of a real pass of the default network (seed 1) on `image` (784 bytes).
class StepStages {
 public:
  StepStages(const uint8_t* image, int label);
  ~StepStages();
  StepStages(const StepStages&) = delete;
  StepStages& operator=(const StepStages&) = delete;
  int count() const;
  const StageFigure& info(int i) const;  // name, code, kernel, macs (nsPerCall 0)
  void run(int i);

 private:
  struct Buffers;
  Buffers* b_;
};

// `iterations` rounds of 12 independent 4-lane or 8-lane accumulators, each
// acc = acc · m + c (a multiply and an add, no FMA): 48 or 96 multiply-adds per round
// on registers, no loads. 12 four-lane vectors fit V8's 15 vector registers; the
// 8-lane version is for native AVX (in WebAssembly it would be 24 v128 and spill).
// Returns a value that depends on every operation (keep it).
float mac_ceiling4(long iterations, float seed);
float mac_ceiling8(long iterations, float seed);
inline constexpr double kCeilingMacsPerRound4 = 48, kCeilingMacsPerRound8 = 96;

}  // namespace cnnlab::bench
