// Embind bindings: the core's API for JavaScript, nothing more. The only file that
// includes Emscripten headers; typed wrappers live in web/src/core/.
//
// Options and small results are value_objects (Config, TrainOptions, ChunkResult,
// RunProgress, GradCheckGroup). TrainOptions carries the augmentation as its text
// form ("off", "mild", "rot=8,shift=2": augment/augment.h) and the λ schedule as its
// name; a text the core's parser refuses comes back as the parser's Error. Arrays come back as fresh JS copies (Float32Array,
// Int32Array, Uint8Array), safe to keep; the two exceptions are Dataset.imagesView()
// and labelsView(): views into WASM memory, valid only until the next call into the
// module (memory may grow) — fill them at once with .set().
//
// Errors: an entry that can fail RETURNS a JS Error with the core's message instead
// of its result; the facade throws it. (Throwing from here would skip Embind's
// clean-up of the arguments: a string or value_object argument would leak.)
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <array>
#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>

#include "bench/kernel_bench.h"
#include "io/checkpoint.h"
#include "io/weights.h"
#include "kernels/conv5x5.h"
#include "network/dataset.h"
#include "network/gradcheck.h"
#include "network/model.h"

using namespace emscripten;
using namespace cnnlab;

namespace {

// fn's result as a JS value, or a JS Error with the core's message.
template <class F>
val attempt(F&& fn) {
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      return val::undefined();
    } else {
      return val(fn());
    }
  } catch (const std::exception& e) {
    return val::global("Error").new_(std::string(e.what()));
  }
}

val float_copy(const float* data, size_t n) { return val::global("Float32Array").new_(typed_memory_view(n, data)); }
val int_copy(const int* data, size_t n) { return val::global("Int32Array").new_(typed_memory_view(n, data)); }
val byte_copy(const uint8_t* data, size_t n) { return val::global("Uint8Array").new_(typed_memory_view(n, data)); }

std::vector<float> floats(const val& array) { return convertJSArrayToNumberVector<float>(array); }
std::vector<uint8_t> bytes(const val& array) { return convertJSArrayToNumberVector<uint8_t>(array); }

const float* image_arg(const std::vector<float>& image) {
  if (image.size() != size_t(kImageSize))
    throw std::invalid_argument("an image has 784 values (28×28), got " + std::to_string(image.size()));
  return image.data();
}

// {name: {shape, data}} of some of the network's tensors.
val tensor_map(const std::vector<TensorView>& views) {
  val o = val::object();
  for (const TensorView& t : views) {
    val entry = val::object();
    entry.set("shape", val::array(t.shape));
    entry.set("data", float_copy(t.data, t.size));
    o.set(t.name, entry);
  }
  return o;
}

// Enum fields of value_objects travel as the core's names ("relu", "max", "ok").
std::string activation_of(const Config& c) { return to_string(c.activation); }
void set_activation(Config& c, std::string s) { c.activation = parse_activation(s).value_or(Activation(-1)); }  // validate() names it
std::string pooling_of(const Config& c) { return to_string(c.pooling); }
void set_pooling(Config& c, std::string s) { c.pooling = parse_pooling(s).value_or(Pooling(-1)); }
std::string schedule_of(const TrainOptions& o) { return to_string(o.lrSchedule); }
void set_schedule(TrainOptions& o, std::string s) { o.lrSchedule = parse_lr_schedule(s).value_or(LrSchedule(-1)); }

// TrainOptions as JavaScript passes it: the augmentation as text, parsed by the
// core; its parser's message is kept until the options are used (a value_object's
// setter cannot fail).
struct OptionsArg : TrainOptions {
  std::string augmentError;
};
std::string augment_of(const OptionsArg& o) { return to_string(o.augment); }
void set_augment(OptionsArg& o, std::string text) { o.augmentError = parse_augment(o.augment, text); }
// The options of a call: throws the parser's message (inside attempt()).
const TrainOptions& options_arg(const OptionsArg& o) {
  if (!o.augmentError.empty()) throw std::invalid_argument("augmentation: " + o.augmentError);
  return o;
}
OptionsArg options_val(const TrainOptions& o) { return OptionsArg{o, {}}; }
template <class T> std::string status_of(const T& r) { return to_string(r.status); }
template <class T> void set_status(T&, std::string) {}  // results only travel out
std::string divergence_of(const RunProgress& p) { return to_string(p.divergence); }
void set_divergence(RunProgress&, std::string) {}

// ---- Model

val create_model(const Config& config, double seed, const OptionsArg& options) {
  return attempt([&] {
    if (!within(limits::seed, seed))
      throw std::invalid_argument(out_of_range(limits::seed, "the seed", format_number(seed)));
    return std::make_unique<Model>(config, uint32_t(seed), options_arg(options));
  });
}

// Counts and indices from JavaScript numbers: whole and not negative (the core checks ranges).
size_t count_arg(double v, const char* what) {
  if (!(v >= 0 && v <= 1e9) || v != std::floor(v))
    throw std::invalid_argument(std::string(what) + " must be a whole number ≥ 0, got " + format_number(v));
  return size_t(v);
}

val evaluate(Model& m, const Dataset& d, double start, double count, bool perImage) {
  return attempt([&] {
    const size_t n = count_arg(count, "the evaluation count");
    std::vector<uint8_t> predictions(perImage ? n : 0);
    std::vector<float> probs(perImage ? n * kClasses : 0);
    const EvalResult e = m.evaluate(d, count_arg(start, "the evaluation start"), n,
                                    perImage ? predictions.data() : nullptr, perImage ? probs.data() : nullptr);
    val o = val::object();
    o.set("meanLoss", e.meanLoss);
    o.set("accuracy", e.accuracy);
    o.set("count", e.count);
    o.set("correct", e.correct);
    o.set("confusion", int_copy(e.confusion.data(), e.confusion.size()));
    o.set("predictions", perImage ? byte_copy(predictions.data(), predictions.size()) : val::null());
    o.set("probs", perImage ? float_copy(probs.data(), probs.size()) : val::null());
    return o;
  });
}

val augment_preview(Model& m, const Dataset& d, double index, double count) {
  return attempt([&] {
    const size_t n = count_arg(count, "the number of versions");
    std::vector<float> out(n <= size_t(limits::augmentPreviewCount.max) ? n * kImageSize : 0);
    m.augment_preview(out.data(), d, count_arg(index, "the image index"), n);
    return float_copy(out.data(), out.size());
  });
}

val hidden_activations(Model& m, const Dataset& d, double start, double count) {
  return attempt([&] {
    const size_t n = count_arg(count, "the number of images");
    std::vector<float> out(n <= size_t(limits::hiddenActivationsCount.max) ? n * size_t(m.config().hidden) : 0);
    m.hidden_activations(out.data(), d, count_arg(start, "the first image"), n);
    return float_copy(out.data(), out.size());
  });
}

val saliency(Model& m, val image, int k) {
  return attempt([&] {
    const auto x = floats(image);
    std::vector<float> out(kImageSize);
    m.saliency(out.data(), image_arg(x), k);
    return float_copy(out.data(), out.size());
  });
}

// The choices of the options that take words, and the augmentation's field table and
// presets: what the page builds its controls from.
val choices_table() {
  auto words = [](const auto& values) {
    val a = val::array();
    for (auto v : values) a.call<void>("push", std::string(to_string(v)));
    return a;
  };
  val o = val::object();
  o.set("activation", words(std::array{Activation::ReLU, Activation::Tanh, Activation::Sigmoid}));
  o.set("pooling", words(std::array{Pooling::Average, Pooling::Max}));
  o.set("lrSchedule", words(kLrSchedules));
  val presets = val::object();
  presets.set("off", to_string(AugmentOptions{}));
  presets.set("mild", to_string(AugmentOptions::mild()));
  presets.set("strong", to_string(AugmentOptions::strong()));
  o.set("augmentPresets", presets);
  val fields = val::array();
  for (const AugmentField& f : kAugmentFields) {
    val e = val::object();
    e.set("name", std::string(f.name));
    e.set("limit", std::string(f.limit->key));
    e.set("unit", std::string(f.unit));
    e.set("meaning", std::string(f.meaning));
    fields.call<void>("push", e);
  }
  o.set("augmentFields", fields);
  return o;
}

val sample_pixels(const Dataset& d, double index) {
  return attempt([&] { return byte_copy(d.checked_image(count_arg(index, "the image index")), kImageSize); });
}

val trace_tensors(Model& m) {
  Network& net = m.network();
  val o = val::object();
  o.set("forward", tensor_map(net.forward_views()));
  o.set("deltas", tensor_map(net.delta_views()));
  o.set("params", tensor_map(net.parameter_views()));
  o.set("grads", tensor_map(net.gradient_views()));
  return o;
}

val weights_val(const LoadedWeights& w) {
  val o = val::object();
  o.set("config", w.config);
  o.set("params", float_copy(w.params.data(), w.params.size()));
  return o;
}

val limits_table() {
  val o = val::object();
  for (const Limit* l : limits::all) {
    val e = val::object();
    e.set("min", l->min);
    e.set("max", l->max);
    e.set("default", l->fallback);
    e.set("integer", l->integer);
    o.set(l->key, e);
  }
  return o;
}

val param_table(const Config& config) {
  return attempt([&] {
    if (auto e = validate(config); !e.empty()) throw std::invalid_argument(e);
    val out = val::array();
    for (const ParamTensor& t : param_tensors(config)) {
      val e = val::object();
      e.set("name", std::string(t.name));
      e.set("handout", std::string(t.handout));
      e.set("shape", val::array(std::vector<int>(t.shape.begin(), t.shape.begin() + t.rank)));
      e.set("offset", double(t.offset));
      e.set("size", double(t.size));
      out.call<void>("push", e);
    }
    return out;
  });
}

// For `npm run bench` only: the step profile of bench/kernel_bench.h (each stage of a
// training step timed inside the module, and a multiply-add ceiling).
val bench_kernels(const Dataset& d, double count, double millisPerFigure) {
  return attempt([&] {
    const size_t n = count_arg(count, "count");
    if (n > 0) d.checked_image(n - 1);  // the images exist
    const bench::StepProfile p = bench::profile_step(d.image(0), d.labels(), n, millisPerFigure);
    val o = val::object();
    o.set("kernelName", p.kernelName);
    o.set("ceilingGmacs", p.ceilingGmacs);
    o.set("stepNs", p.stepNs);
    o.set("forwardBackwardNs", p.forwardBackwardNs);
    o.set("predictNs", p.predictNs);
    val stages = val::array();
    for (const auto& s : p.stages) {
      val f = val::object();
      f.set("name", s.name);
      f.set("code", s.code);
      f.set("kernel", s.kernel);
      f.set("macs", s.macs);
      f.set("nsPerCall", s.nsPerCall);
      stages.call<void>("push", f);
    }
    o.set("stages", stages);
    return o;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(cnnlab) {
  value_object<Config>("Config")
      .field("activation", &activation_of, &set_activation)
      .field("pooling", &pooling_of, &set_pooling)
      .field("maps1", &Config::maps1)
      .field("maps2", &Config::maps2)
      .field("hidden", &Config::hidden);
  value_object<OptionsArg>("TrainOptions")
      .field("learningRate", &OptionsArg::learningRate)
      .field("batchSize", &OptionsArg::batchSize)
      .field("momentum", &OptionsArg::momentum)
      .field("lrDecay", &OptionsArg::lrDecay)
      .field("epochs", &OptionsArg::epochs)
      .field("shuffle", &OptionsArg::shuffle)
      .field("lrSchedule", &schedule_of, &set_schedule)
      .field("augment", &augment_of, &set_augment);
  value_object<ChunkResult>("ChunkResult")
      .field("samples", &ChunkResult::samples)
      .field("lossSum", &ChunkResult::lossSum)
      .field("correct", &ChunkResult::correct)
      .field("status", &status_of<ChunkResult>, &set_status<ChunkResult>)
      .field("lastIndex", &ChunkResult::lastIndex)
      .field("lastLabel", &ChunkResult::lastLabel);
  value_object<RunProgress>("RunProgress")
      .field("trainCount", &RunProgress::trainCount)
      .field("epoch", &RunProgress::epoch)
      .field("position", &RunProgress::position)
      .field("samplesSeen", &RunProgress::samplesSeen)
      .field("learningRate", &RunProgress::learningRate)
      .field("recentLoss", &RunProgress::recentLoss)
      .field("status", &status_of<RunProgress>, &set_status<RunProgress>)
      .field("divergence", &divergence_of, &set_divergence)
      .field("message", &RunProgress::message);
  value_object<GradCheckGroup>("GradCheckGroup")
      .field("name", &GradCheckGroup::name)
      .field("probes", &GradCheckGroup::probes)
      .field("maxRelativeError", &GradCheckGroup::maxRelativeError)
      .field("maxAbsoluteError", &GradCheckGroup::maxAbsoluteError)
      .field("kinkProbes", &GradCheckGroup::kinkProbes)
      .field("maxKinkRelativeError", &GradCheckGroup::maxKinkRelativeError);

  class_<Dataset>("Dataset")
      .smart_ptr_constructor("Dataset", &std::make_shared<Dataset, size_t>)
      .function("count", &Dataset::count)
      .function("imagesView", optional_override([](Dataset& d) { return val(typed_memory_view(d.count() * kImageSize, d.images())); }))
      .function("labelsView", optional_override([](Dataset& d) { return val(typed_memory_view(d.count(), d.labels())); }))
      .function("pixels", &sample_pixels);

  class_<Model>("Model")
      .class_function("create", &create_model)
      .function("config", &Model::config)
      .function("options", optional_override([](const Model& m) { return options_val(m.options()); }))
      .function("seed", &Model::seed)
      .function("paramCount", optional_override([](Model& m) { return double(m.network().param_count()); }))
      .function("setOptions", optional_override([](Model& m, const OptionsArg& o) { return attempt([&] { m.set_options(options_arg(o)); }); }))
      .function("setTrainingData", optional_override([](Model& m, std::shared_ptr<Dataset> d, double count) {
        return attempt([&] { m.set_training_data(std::move(d), count_arg(count, "the training-set size")); });
      }))
      .function("train", optional_override([](Model& m, double samples) {
        return attempt([&] { return m.train(count_arg(samples, "samples")); });
      }))
      .function("progress", &Model::progress)
      .function("checkpoint", optional_override([](const Model& m) {
        const auto b = checkpoint_to_bytes(m.checkpoint());
        return byte_copy(b.data(), b.size());
      }))
      .function("restore", optional_override([](Model& m, val data) {
        return attempt([&] { const auto b = bytes(data); m.restore(checkpoint_from_bytes(b.data(), b.size())); });
      }))
      .function("evaluate", &evaluate)
      .function("predict", optional_override([](Model& m, val image) {
        return attempt([&] { const auto x = floats(image); return float_copy(m.predict(image_arg(x)), kClasses); });
      }))
      .function("trace", optional_override([](Model& m, val image, int label) {
        return attempt([&] { const auto x = floats(image); return m.trace(image_arg(x), label); });
      }))
      .function("step", optional_override([](Model& m, val image, int label, float lr) {
        return attempt([&] { const auto x = floats(image); return m.step(image_arg(x), label, lr); });
      }))
      .function("tensors", &trace_tensors)
      .function("saliency", &saliency)
      .function("hiddenActivations", &hidden_activations)
      .function("augmentPreview", &augment_preview)
      .function("gradientCheck", optional_override([](Model& m, val image, int label, int probes) {
        return attempt([&] { const auto x = floats(image); return val::array(gradient_check(m.network(), image_arg(x), label, probes)); });
      }))
      .function("getParams", optional_override([](const Model& m) { const auto p = m.get_params(); return float_copy(p.data(), p.size()); }))
      .function("setParams", optional_override([](Model& m, val values) {
        return attempt([&] { const auto v = floats(values); m.set_params(v.data(), v.size()); });
      }))
      .function("toJson", optional_override([](Model& m) { return attempt([&] { return weights_to_json(m.config(), m.network().params()); }); }))
      .function("toBinary", optional_override([](Model& m) {
        return attempt([&] { const auto b = weights_to_binary(m.config(), m.network().params()); return byte_copy(b.data(), b.size()); });
      }));

  function("validateConfig", optional_override([](const Config& c) { return validate(c); }));
  function("validateOptions", optional_override([](const OptionsArg& o) {
    return o.augmentError.empty() ? validate(o) : "augmentation: " + o.augmentError;
  }));
  // The canonical text of an augmentation (parse_augment then to_string), or the parser's Error.
  function("normalizeAugment", optional_override([](const std::string& text) {
    return attempt([&] {
      AugmentOptions a;
      if (auto e = parse_augment(a, text); !e.empty()) throw std::invalid_argument(e);
      return to_string(a);
    });
  }));
  function("parseWeightsJson", optional_override([](const std::string& text) { return attempt([&] { return weights_val(weights_from_json(text)); }); }));
  function("parseWeightsBinary", optional_override([](val data) {
    return attempt([&] { const auto b = bytes(data); return weights_val(weights_from_binary(b.data(), b.size())); });
  }));
  function("checkpointInfo", optional_override([](val data) {
    return attempt([&] {
      const auto b = bytes(data);
      const Checkpoint c = checkpoint_from_bytes(b.data(), b.size());
      val o = val::object();
      o.set("config", c.config);
      o.set("seed", double(c.seed));
      o.set("options", options_val(c.options));
      o.set("trainCount", double(c.run.trainCount));
      o.set("samplesSeen", double(c.run.samplesSeen));
      o.set("epoch", double(c.run.epoch));
      o.set("recentLoss", recent_loss(c.run));
      o.set("params", float_copy(c.params.data(), c.params.size()));
      return o;
    });
  }));
  function("limits", &limits_table);
  function("defaultConfig", optional_override([] { return Config{}; }));
  function("defaultOptions", optional_override([] { return options_val(TrainOptions{}); }));
  function("choices", &choices_table);
  function("paramTable", &param_table);
  constant("kernelName", std::string(kConvKernelName));
  // The divergence rule's constants (model.h), for the page's explanation.
  constant("lossWindow", kLossWindow);
  constant("explodingLoss", kExplodingLoss);
  constant("weightBound", double(kWeightBound));
  // Bytes of the WASM heap in use by malloc (the leak tests watch it).
  function("heapBytesInUse", optional_override([] { return double(mallinfo().uordblks); }));
  // For `npm run bench` only: times each stage of a step inside the module.
  function("benchKernels", &bench_kernels);
}
