// The network's configuration and the layout of its one flat parameter buffer.
//
// Shape letters: M1 = maps1 (C¹ maps, default 4), M2 = maps2 (C² maps, default 6),
// H = hidden (a₁ width, default 50). Input 28×28 and kernels 5×5 are fixed.
//   I 28×28 → C¹ M1×24×24 → C_P¹ M1×12×12 → C² M2×8×8 → C_P² M2×4×4
//   → flatten 16·M2 → a₁ H → softmax 10
#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace cnnlab {

enum class Activation { ReLU, Tanh, Sigmoid };
enum class Pooling { Average, Max };

inline constexpr int kImageSide = 28, kImageSize = 28 * 28;
inline constexpr int kConv1Side = 24, kPool1Side = 12, kConv2Side = 8, kPool2Side = 4;
inline constexpr int kClasses = 10;
inline constexpr int kMaxMaps = 16, kMaxHidden = 512;

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

// Offsets (in floats) of each parameter group in the flat buffer, in PyTorch
// state_dict order. The gradient buffer has the same layout.
struct ParamLayout {
  explicit ParamLayout(const Config& c);
  int maps1, maps2, hidden, flatten;
  size_t kernels1, bias1;  // K¹ [M1][1][5][5], b¹ [M1]
  size_t kernels2, bias2;  // K² [M2][M1][5][5], b² [M2]
  size_t weights1, bias1d; // W₁ [H][16·M2], b₁ [H]
  size_t weights2, bias2d; // W₂ [10][H], b₂ [10]
  size_t total;            // 6070 for the default config
};

}  // namespace cnnlab
