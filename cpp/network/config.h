// The network's configuration, the ONE table of its parameter tensors (names,
// shapes, place in the flat buffer), and the ONE table of option limits. Weights
// files, the network's views, the bindings, TypeScript and the CLI's usage all read
// these tables; nothing else lists the tensors or the ranges.
//
// Shape letters: M1 = maps1 (C¹ maps, default 4), M2 = maps2 (C² maps, default 6),
// H = hidden (a₁ width, default 50). Input 28×28 and kernels 5×5 are fixed.
//   I 28×28 → C¹ M1×24×24 → C_P¹ M1×12×12 → C² M2×8×8 → C_P² M2×4×4
//   → flatten 16·M2 → a₁ H → softmax 10
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "layers/activation.h"
#include "layers/pool.h"

namespace cnnlab {

inline constexpr int kImageSide = 28, kImageSize = 28 * 28;
inline constexpr int kClasses = 10;

struct Config {
  Activation activation = Activation::ReLU;
  Pooling pooling = Pooling::Average;  // the handout's
  int maps1 = 4;
  int maps2 = 6;
  int hidden = 50;
  bool operator==(const Config&) const = default;
};

// An empty string if the config is usable, else what is wrong.
std::string validate(const Config& config);

const char* to_string(Activation a);
const char* to_string(Pooling p);
std::optional<Activation> parse_activation(const std::string& s);
std::optional<Pooling> parse_pooling(const std::string& s);

// ---- the parameter tensors ----

// The eight parameter groups, in PyTorch state_dict order: the order of the flat
// parameter buffer, of the gradient buffer and of weights files.
enum ParamGroup { kConv1Weight, kConv1Bias, kConv2Weight, kConv2Bias,
                  kFc1Weight, kFc1Bias, kFc2Weight, kFc2Bias, kParamGroups };

struct ParamTensor {
  const char* name;     // PyTorch's name: "conv1.weight", ...
  const char* handout;  // the handout's symbol: "K¹", "b¹", ...
  int rank;
  std::array<int, 4> shape;  // the first `rank` entries
  size_t offset, size;       // in floats, in the flat buffer
};

// The table: kParamGroups tensors, offsets increasing, for this config.
//   conv1.weight K¹ [M1][1][5][5]   conv1.bias b¹ [M1]
//   conv2.weight K² [M2][M1][5][5]  conv2.bias b² [M2]   (K²: [out map n][in map m])
//   fc1.weight   W₁ [H][16·M2]     fc1.bias   b₁ [H]     (input index n·16 + row·4 + col)
//   fc2.weight   W₂ [10][H]        fc2.bias   b₂ [10]
std::array<ParamTensor, kParamGroups> param_tensors(const Config& config);

// Offsets of each group in the flat buffer (read from the table), for the code
// that computes with them.
struct ParamLayout {
  explicit ParamLayout(const Config& c);
  int maps1, maps2, hidden, flatten;
  size_t kernels1, bias1;  // K¹, b¹
  size_t kernels2, bias2;  // K², b²
  size_t weights1, bias1d; // W₁, b₁
  size_t weights2, bias2d; // W₂, b₂
  size_t total;            // 6070 for the default config
};

// ---- option limits ----

// The range of one option, inclusive. Every check of that option (the core, the
// CLI, the page's fields, the worker) uses this entry.
struct Limit {
  const char* key;    // the TypeScript / JSON name
  double min, max;
  double fallback;    // the default
  bool integer;
};

namespace limits {
inline constexpr Limit maps1{"maps1", 1, 16, 4, true};
inline constexpr Limit maps2{"maps2", 1, 16, 6, true};
inline constexpr Limit hidden{"hidden", 1, 512, 50, true};
// λ: up to 1e30 so that a student can make training diverge and see it caught.
inline constexpr Limit learningRate{"learningRate", 1e-6, 1e30, 0.01, false};
inline constexpr Limit batchSize{"batchSize", 1, 1024, 1, true};
inline constexpr Limit momentum{"momentum", 0, 0.999, 0, false};
inline constexpr Limit lrDecay{"lrDecay", 0.001, 1, 1, false};
inline constexpr Limit epochs{"epochs", 1, 1000, 1, true};
inline constexpr Limit seed{"seed", 0, 4294967295.0, 1, true};
inline constexpr Limit trainSize{"trainSize", 100, 60000, 60000, true};
// The live gradient check and "teach it your digit".
inline constexpr Limit gradcheckProbes{"gradcheckProbes", 1, 50, 10, true};
inline constexpr Limit teachSteps{"teachSteps", 1, 100, 1, true};
inline constexpr Limit teachLearningRate{"teachLearningRate", 1e-6, 10, 0.1, false};
// Files read whole: refused before reading if larger (bytes).
inline constexpr Limit weightsFileBytes{"weightsFileBytes", 0, 4 << 20, 0, true};
inline constexpr Limit inputFileBytes{"inputFileBytes", 0, 64 << 10, 0, true};
// Images in one Dataset (the page copies MNIST into two: 60,000 and 10,000).
inline constexpr Limit datasetImages{"datasetImages", 1, 1000000, 60000, true};
// Data augmentation, one entry per amount (augment/augment.h: kAugmentFields gives
// each its key in the text form, e.g. rot=8, and its unit). Defaults: off.
inline constexpr Limit augmentRotation{"augmentRotation", 0, 45, 0, false};      // degrees, ±
inline constexpr Limit augmentScale{"augmentScale", 0, 0.5, 0, false};           // fraction, ±
inline constexpr Limit augmentShift{"augmentShift", 0, 8, 0, false};             // pixels, ±
inline constexpr Limit augmentShear{"augmentShear", 0, 1, 0, false};             // factor, ±
inline constexpr Limit augmentElasticAlpha{"augmentElasticAlpha", 0, 60, 0, false};  // α, pixels
inline constexpr Limit augmentElasticSigma{"augmentElasticSigma", 1, 8, 4, false};   // σ, pixels
inline constexpr Limit augmentStroke{"augmentStroke", 0, 1, 0, false};           // blend, ±
inline constexpr Limit augmentProbability{"augmentProbability", 0, 1, 1, false};
// "What the network trains on": augmented versions of one image per call, and
// a₁ of the images of one call (for nearest neighbours by a₁ distance).
inline constexpr Limit augmentPreviewCount{"augmentPreviewCount", 1, 64, 8, true};
inline constexpr Limit hiddenActivationsCount{"hiddenActivationsCount", 1, 10000, 1000, true};

inline constexpr std::array<const Limit*, 26> all = {
    &maps1, &maps2, &hidden, &learningRate, &batchSize, &momentum, &lrDecay, &epochs,
    &seed, &trainSize, &gradcheckProbes, &teachSteps, &teachLearningRate,
    &weightsFileBytes, &inputFileBytes, &datasetImages,
    &augmentRotation, &augmentScale, &augmentShift, &augmentShear, &augmentElasticAlpha,
    &augmentElasticSigma, &augmentStroke, &augmentProbability, &augmentPreviewCount,
    &hiddenActivationsCount};
}  // namespace limits

// True if v is a number in the limit's range (and whole, for an integer option).
bool within(const Limit& limit, double v);
// "λ must be between 1e-06 and 1e+30, got 0": `what` names the option for a reader.
std::string out_of_range(const Limit& limit, const std::string& what, const std::string& got);
// %g of a number, as messages print them: 0.01, 1e+30, 1e+13.
std::string format_number(double v);
// A count with thousands separators, as messages print them: 39,427.
std::string format_count(uint64_t n);

}  // namespace cnnlab
