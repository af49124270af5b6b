#include "train/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <type_traits>
#include <variant>

#include "core/error.h"
#include "core/strings.h"
#include "nn/loss_options.h"

namespace tessel::train {
namespace fs = std::filesystem;
namespace {

// The schema: each key points at the Recipe member it sets, and the member's type is the key's.
using Ref = std::variant<int64_t*, double*, bool*, std::string*, std::vector<nn::OutputLoss>*,
                         std::vector<data::Step>*>;
struct Field {
  const char* key;
  std::function<Ref(Recipe&)> member;
};

#define TESSEL_FIELD(key, member)                   \
  {                                                 \
    key, [](Recipe& r) -> Ref { return &r.member; } \
  }
const std::vector<Field>& schema() {
  static const std::vector<Field> fields = {
      TESSEL_FIELD("model.name", model.name),
      TESSEL_FIELD("model.aux", model.aux),
      TESSEL_FIELD("model.output_stride", model.output_stride),
      TESSEL_FIELD("model.unet.base_width", model.unet.base_width),
      TESSEL_FIELD("model.unet.depth", model.unet.depth),
      TESSEL_FIELD("model.unet.bilinear", model.unet.bilinear),
      TESSEL_FIELD("model.unet.batch_norm", model.unet.batch_norm),
      TESSEL_FIELD("model.weights", model.weights),
      TESSEL_FIELD("model.backbone_weights", model.backbone_weights),
      TESSEL_FIELD("model.freeze", model.freeze),
      TESSEL_FIELD("loss", loss),
      TESSEL_FIELD("optimizer.name", optimizer.name),
      TESSEL_FIELD("optimizer.lr", optimizer.lr),
      TESSEL_FIELD("optimizer.momentum", optimizer.momentum),
      TESSEL_FIELD("optimizer.weight_decay", optimizer.weight_decay),
      TESSEL_FIELD("optimizer.beta1", optimizer.beta1),
      TESSEL_FIELD("optimizer.beta2", optimizer.beta2),
      TESSEL_FIELD("optimizer.no_decay_norm_bias", optimizer.no_decay_norm_bias),
      TESSEL_FIELD("optimizer.head_prefix", optimizer.head_prefix),
      TESSEL_FIELD("optimizer.head_lr_mult", optimizer.head_lr_mult),
      TESSEL_FIELD("schedule.name", schedule.name),
      TESSEL_FIELD("schedule.power", schedule.power),
      TESSEL_FIELD("schedule.min_lr", schedule.min_lr),
      TESSEL_FIELD("schedule.step_size", schedule.step_size),
      TESSEL_FIELD("schedule.gamma", schedule.gamma),
      TESSEL_FIELD("schedule.warmup_iters", schedule.warmup_iters),
      TESSEL_FIELD("schedule.warmup_factor", schedule.warmup_factor),
      TESSEL_FIELD("data.format", data.format),
      TESSEL_FIELD("data.root", data.root),
      TESSEL_FIELD("data.train_split", data.train_split),
      TESSEL_FIELD("data.val_split", data.val_split),
      TESSEL_FIELD("data.num_classes", data.num_classes),
      TESSEL_FIELD("data.synthetic_train", data.synthetic_train),
      TESSEL_FIELD("data.synthetic_val", data.synthetic_val),
      TESSEL_FIELD("data.synthetic_size", data.synthetic_size),
      TESSEL_FIELD("data.train_augment", data.train_augment),
      TESSEL_FIELD("data.val_augment", data.val_augment),
      TESSEL_FIELD("data.workers", data.workers),
      TESSEL_FIELD("data.max_pixels", data.max_pixels),
      TESSEL_FIELD("train.batch_size", train.batch_size),
      TESSEL_FIELD("train.epochs", train.epochs),
      TESSEL_FIELD("train.iterations", train.iterations),
      TESSEL_FIELD("train.accumulate", train.accumulate),
      TESSEL_FIELD("train.clip_grad_norm", train.clip_grad_norm),
      TESSEL_FIELD("train.max_bad_steps", train.max_bad_steps),
      TESSEL_FIELD("train.log_interval", train.log_interval),
      TESSEL_FIELD("train.precision", train.precision),
      TESSEL_FIELD("train.tf32_conv", train.tf32_conv),
      TESSEL_FIELD("train.device", train.device),
      TESSEL_FIELD("train.seed", train.seed),
      TESSEL_FIELD("train.output_dir", train.output_dir),
      TESSEL_FIELD("train.resume", train.resume),
      TESSEL_FIELD("train.sync_bn", train.sync_bn),
      TESSEL_FIELD("train.find_unused_parameters", train.find_unused_parameters),
      TESSEL_FIELD("train.dist_timeout", train.dist_timeout),
      TESSEL_FIELD("ema.enabled", ema.enabled),
      TESSEL_FIELD("ema.decay", ema.decay),
      TESSEL_FIELD("ema.warmup_tau", ema.warmup_tau),
      TESSEL_FIELD("eval.interval", eval.interval),
      TESSEL_FIELD("eval.batch_size", eval.batch_size),
      TESSEL_FIELD("eval.overlays", eval.overlays),
      TESSEL_FIELD("checkpoint.metric", checkpoint.metric),
      TESSEL_FIELD("checkpoint.keep_best", checkpoint.keep_best),
      TESSEL_FIELD("checkpoint.average_best", checkpoint.average_best),
      TESSEL_FIELD("early_stopping.patience", early_stopping.patience),
  };
  return fields;
}
#undef TESSEL_FIELD

const Field* find_field(const std::string& key) {
  for (const Field& f : schema())
    if (key == f.key) return &f;
  return nullptr;
}

bool is_section(const std::string& key) {
  for (const Field& f : schema())
    if (std::string(f.key).starts_with(key + ".")) return true;
  return false;
}

std::string describe(const YAML::Node& v) {
  if (v.IsScalar()) return "'" + v.Scalar() + "'";
  return v.IsSequence() ? "a list" : v.IsMap() ? "a map" : "nothing";
}

// Reads a scalar as T, or throws naming the key and what it expected.
template <typename T>
T scalar(const YAML::Node& v, const std::string& where, const char* expected) {
  T out{};
  TESSEL_CHECK(v.IsScalar() && YAML::convert<T>::decode(v, out), where, ": expected ", expected,
               ", got ", describe(v));
  return out;
}

// {name: number | true/false | [numbers]}; which names a loss takes is checked when the loss is
// built (nn/loss_options.h), and validate() builds it.
nn::LossOptions read_loss_options(const YAML::Node& v, const std::string& where) {
  TESSEL_CHECK(v.IsMap(), where, ": expected a map {option: value}, got ", describe(v));
  nn::LossOptions out;
  for (const auto& kv : v) {
    const std::string name = kv.first.Scalar(), at = where + "." + name;
    std::vector<double>& values = out[name];
    bool flag = false;
    if (kv.second.IsScalar() && YAML::convert<bool>::decode(kv.second, flag))
      values.push_back(flag ? 1 : 0);
    else if (kv.second.IsSequence())
      for (size_t i = 0; i < kv.second.size(); ++i)
        values.push_back(
            scalar<double>(kv.second[i], at + "[" + std::to_string(i) + "]", "a number"));
    else
      values.push_back(scalar<double>(kv.second, at, "a number, true/false or a list of numbers"));
  }
  return out;
}

std::vector<nn::OutputLoss> read_losses(const YAML::Node& v, const std::string& where) {
  TESSEL_CHECK(v.IsSequence(), where, ": expected a list of {output, loss, weight}, got ",
               describe(v));
  std::vector<nn::OutputLoss> out;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    TESSEL_CHECK(v[i].IsMap(), at, ": expected a map {output, loss, weight}, got ", describe(v[i]));
    nn::OutputLoss term;
    for (const auto& kv : v[i]) {
      std::string k = kv.first.Scalar();
      if (k == "output")
        term.output = scalar<std::string>(kv.second, at + ".output", "a string");
      else if (k == "loss")
        term.loss = scalar<std::string>(kv.second, at + ".loss", "a string");
      else if (k == "weight")
        term.weight = scalar<double>(kv.second, at + ".weight", "a number");
      else if (k == "options")
        term.options = read_loss_options(kv.second, at + ".options");
      else
        TESSEL_FAIL(at, ": unknown key '", k, "'; valid: output, loss, weight, options");
    }
    TESSEL_CHECK(!term.loss.empty(), at, ": needs a 'loss' name");
    out.push_back(term);
  }
  return out;
}

// Augmentation steps: a list of `name` or `{name: {option: value}}`; a list value is written
// "a,b" as data::Pipeline reads ranges and sizes.
std::vector<data::Step> read_steps(const YAML::Node& v, const std::string& where) {
  TESSEL_CHECK(v.IsSequence(), where, ": expected a list of augmentation steps, got ", describe(v));
  std::vector<data::Step> out;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    if (v[i].IsScalar()) {
      out.push_back({v[i].Scalar(), {}});
      continue;
    }
    TESSEL_CHECK(v[i].IsMap() && v[i].size() == 1, at,
                 ": expected a step name or {name: {option: value}}, got ", describe(v[i]));
    auto step = *v[i].begin();
    data::Step s{step.first.Scalar(), {}};
    TESSEL_CHECK(step.second.IsNull() || step.second.IsMap(), at, ".", s.name,
                 ": expected a map of options, got ", describe(step.second));
    for (const auto& kv : step.second) {
      std::string value;
      if (kv.second.IsSequence()) {
        std::vector<std::string> items;
        for (const auto& item : kv.second) items.push_back(item.Scalar());
        value = join(items, ",");
      } else {
        value = scalar<std::string>(kv.second, at + "." + s.name + "." + kv.first.Scalar(),
                                    "a value or a list");
      }
      s.options[kv.first.Scalar()] = value;
    }
    out.push_back(s);
  }
  return out;
}

void set_field(const Field& f, const YAML::Node& v, const std::string& where, Recipe& r) {
  std::visit(
      [&](auto* member) {
        using T = std::remove_pointer_t<decltype(member)>;
        if constexpr (std::is_same_v<T, int64_t>)
          *member = scalar<int64_t>(v, where, "an integer");
        else if constexpr (std::is_same_v<T, double>)
          *member = scalar<double>(v, where, "a number");
        else if constexpr (std::is_same_v<T, bool>)
          *member = scalar<bool>(v, where, "true or false");
        else if constexpr (std::is_same_v<T, std::string>)
          *member = scalar<std::string>(v, where, "a string");
        else if constexpr (std::is_same_v<T, std::vector<nn::OutputLoss>>)
          *member = read_losses(v, where);
        else
          *member = read_steps(v, where);
      },
      f.member(r));
}

// Sets `key` (a field, or a section given as a map) from `v`.
void apply(const std::string& key, const YAML::Node& v, const std::string& origin, Recipe& r) {
  std::string where = origin + ": " + key;
  if (const Field* f = find_field(key)) return set_field(*f, v, where, r);
  TESSEL_CHECK(key.empty() || is_section(key), origin, ": unknown key '", key,
               "'; nearest: ", join(nearest_names(key, recipe_keys())));
  TESSEL_CHECK(v.IsMap() || (key.empty() && v.IsNull()), where, ": expected a map, got ",
               describe(v));
  for (const auto& kv : v)
    apply(key.empty() ? kv.first.Scalar() : key + "." + kv.first.Scalar(), kv.second, origin, r);
}

YAML::Node load_yaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    TESSEL_FAIL(origin, ": invalid YAML: ", e.what());
  }
}

void check_one_of(const std::string& value, const std::string& key,
                  const std::set<std::string>& valid, const std::string& origin) {
  std::vector<std::string> list(valid.begin(), valid.end());
  TESSEL_CHECK(valid.count(value), origin, ": ", key, ": '", value, "' is not one of ", join(list));
}

void validate(const Recipe& r) {
  const std::string& o = r.source;
  check_one_of(r.train.precision, "train.precision", {"f32", "bf16", "f16"}, o);
  TESSEL_CHECK((r.train.epochs > 0) != (r.train.iterations > 0), o,
               ": set exactly one of train.epochs and train.iterations (got ", r.train.epochs,
               " and ", r.train.iterations, ")");
  check_one_of(r.optimizer.name, "optimizer.name", {"sgd", "adam", "adamw"}, o);
  check_one_of(r.schedule.name, "schedule.name", {"poly", "cosine", "step", "constant"}, o);
  check_one_of(r.checkpoint.metric, "checkpoint.metric", {"mIoU", "mDice", "mAcc", "aAcc", "fwIoU"},
               o);
  for (auto [key, value] : {std::pair{"train.batch_size", r.train.batch_size},
                            {"train.accumulate", r.train.accumulate},
                            {"train.max_bad_steps", r.train.max_bad_steps},
                            {"train.log_interval", r.train.log_interval},
                            {"eval.batch_size", r.eval.batch_size},
                            {"data.max_pixels", r.data.max_pixels},
                            {"checkpoint.keep_best", r.checkpoint.keep_best}})
    TESSEL_CHECK(value >= 1, o, ": ", key, " is ", value, ", needs at least 1");
  TESSEL_CHECK(!r.loss.empty(), o, ": loss: the list of terms is empty");
  for (size_t i = 0; i < r.loss.size(); ++i) {
    try {  // an unknown loss or option fails here, before any data is read
      nn::LossConfig c;
      nn::apply_loss_options(r.loss[i].loss, r.loss[i].options, c);
      nn::make_loss(r.loss[i].loss, c);
    } catch (const Error& e) {
      TESSEL_FAIL(o, ": loss[", i, "]: ", e.what());
    }
  }
  TESSEL_CHECK(r.model.name == "unet" || r.model.unet == models::UNetOptions{}, o,
               ": model.unet.* shapes model.name: unet, not ", r.model.name);
  TESSEL_CHECK(r.model.weights.empty() || r.model.backbone_weights.empty(), o,
               ": set at most one of model.weights (the whole network) and "
               "model.backbone_weights (the backbone only)");
  for (auto [key, path] : {std::pair{"model.weights", &r.model.weights},
                           {"model.backbone_weights", &r.model.backbone_weights}})
    TESSEL_CHECK(path->empty() || fs::is_regular_file(*path), o, ": ", key, ": '", *path,
                 "' is not a file");
  const std::string& resume = r.train.resume;
  TESSEL_CHECK(resume.empty() || resume == "auto" || fs::is_directory(resume), o,
               ": train.resume: '", resume,
               "' is neither auto nor a checkpoint directory (e.g. RUN/checkpoints/last)");
  TESSEL_CHECK(r.eval.overlays >= 0, o, ": eval.overlays is ", r.eval.overlays,
               ", needs 0 (none) or more");
  TESSEL_CHECK(r.train.dist_timeout > 0, o, ": train.dist_timeout is ", r.train.dist_timeout,
               ", needs a positive number of seconds");
}

}  // namespace

std::optional<DType> autocast_for(const std::string& precision, Device device,
                                  const std::string& what) {
  TESSEL_CHECK(precision == "f32" || precision == "bf16" || precision == "f16", what, ": '",
               precision, "' is not one of bf16, f16, f32");
  if (precision == "f32") return std::nullopt;
  TESSEL_CHECK(device.is_cuda(), what, ": ", precision, " needs a CUDA device, and this run is on ",
               device, " (the CPU backend computes in f32/f64); use f32");
  return precision == "bf16" ? DType::BF16 : DType::F16;
}

std::vector<std::string> recipe_keys() {
  std::vector<std::string> keys;
  for (const Field& f : schema()) keys.push_back(f.key);
  return keys;
}

Recipe parse_recipe(const std::string& text, const std::string& origin,
                    const std::vector<std::string>& overrides) {
  Recipe r;
  r.source = origin;
  apply("", load_yaml(text, origin), origin, r);
  for (const std::string& o : overrides) {
    size_t eq = o.find('=');
    TESSEL_CHECK(eq != std::string::npos && eq > 0, "override '", o,
                 "': expected key=value, e.g. optimizer.lr=0.01");
    std::string key = o.substr(0, eq);
    apply(key, load_yaml(o.substr(eq + 1), "override " + key), "override", r);
  }
  validate(r);
  return r;
}

namespace {

// The shortest text that reads back as the same double.
std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

void emit_value(YAML::Emitter& out, const Ref& ref) {
  std::visit(
      [&](auto* member) {
        using T = std::remove_pointer_t<decltype(member)>;
        if constexpr (std::is_same_v<T, double>) {
          out << number_text(*member);
        } else if constexpr (std::is_same_v<T, std::vector<nn::OutputLoss>>) {
          out << YAML::BeginSeq;
          for (const nn::OutputLoss& term : *member) {
            out << YAML::Flow << YAML::BeginMap << YAML::Key << "output" << YAML::Value
                << term.output << YAML::Key << "loss" << YAML::Value << term.loss << YAML::Key
                << "weight" << YAML::Value << number_text(term.weight);
            if (!term.options.empty()) {
              out << YAML::Key << "options" << YAML::Value << YAML::BeginMap;
              for (const auto& [name, values] : term.options) {
                out << YAML::Key << name << YAML::Value;
                if (values.size() == 1) {
                  out << number_text(values[0]);
                } else {
                  out << YAML::Flow << YAML::BeginSeq;
                  for (double v : values) out << number_text(v);
                  out << YAML::EndSeq;
                }
              }
              out << YAML::EndMap;
            }
            out << YAML::EndMap;
          }
          out << YAML::EndSeq;
        } else if constexpr (std::is_same_v<T, std::vector<data::Step>>) {
          out << YAML::BeginSeq;
          for (const data::Step& step : *member) {
            out << YAML::Flow << YAML::BeginMap << YAML::Key << step.name << YAML::Value
                << YAML::BeginMap;
            for (const auto& [name, value] : step.options)
              out << YAML::Key << name << YAML::Value << value;
            out << YAML::EndMap << YAML::EndMap;
          }
          out << YAML::EndSeq;
        } else {
          out << *member;
        }
      },
      ref);
}

}  // namespace

std::string recipe_yaml(const Recipe& recipe) {
  Recipe r = recipe;  // the schema hands out pointers into a mutable recipe
  auto section_of = [](const std::string& key) { return key.substr(0, key.find('.')); };
  std::vector<std::string> sections;  // in schema order; a top-level key is its own section
  for (const Field& f : schema())
    if (std::find(sections.begin(), sections.end(), section_of(f.key)) == sections.end())
      sections.push_back(section_of(f.key));
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const std::string& section : sections) {
    out << YAML::Key << section << YAML::Value;
    bool nested = false;
    for (const Field& f : schema()) {
      const std::string key = f.key;
      if (section_of(key) != section) continue;
      if (key != section) {
        if (!nested) out << YAML::BeginMap;
        nested = true;
        out << YAML::Key << key.substr(section.size() + 1) << YAML::Value;
      }
      emit_value(out, f.member(r));
    }
    if (nested) out << YAML::EndMap;
  }
  out << YAML::EndMap;
  TESSEL_CHECK(out.good(), "recipe_yaml: ", recipe.source, ": ", out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

Recipe load_recipe(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  TESSEL_CHECK(in, "load_recipe: cannot open '", path, "'");
  std::stringstream text;
  text << in.rdbuf();
  return parse_recipe(text.str(), path, overrides);
}

}  // namespace tessel::train
