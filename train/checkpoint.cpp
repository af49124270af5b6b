#include "train/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/json.h"
#include "engine/ops/random.h"
#include "nn/file.h"

namespace tessel::train {
namespace fs = std::filesystem;
namespace {

// Doubles in JSON with every digit, so a resumed lr or metric is the very same number.
std::string num(double v) {
  TESSEL_CHECK(std::isfinite(v), "save_checkpoint: cannot store the non-finite value ", v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string num(int64_t v) {
  return std::to_string(v);
}

void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  TESSEL_CHECK(fd >= 0, "checkpoint: cannot open directory ", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  TESSEL_CHECK(rc == 0, "checkpoint: fsync of directory ", dir, " failed");
}

std::string group_json(const nn::OptimizerState::Group& g) {
  const nn::GroupOptions& o = g.options;
  std::string s = "{\"lr\": " + num(o.lr) + ", \"weight_decay\": " + num(o.weight_decay) +
                  ", \"momentum\": " + num(o.momentum) + ", \"dampening\": " + num(o.dampening) +
                  ", \"nesterov\": " + (o.nesterov ? "true" : "false") +
                  ", \"beta1\": " + num(o.beta1) + ", \"beta2\": " + num(o.beta2) +
                  ", \"eps\": " + num(o.eps) + ", \"amsgrad\": " + (o.amsgrad ? "true" : "false") +
                  ", \"partial\": " + num(o.partial);
  if (g.initial_lr) s += ", \"initial_lr\": " + num(*g.initial_lr);
  s += ", \"params\": [";
  for (size_t i = 0; i < g.params.size(); ++i) s += (i ? ", " : "") + num(g.params[i]);
  return s + "]}";
}

nn::OptimizerState::Group read_group(const JsonRef& j) {
  nn::OptimizerState::Group g;
  nn::GroupOptions& o = g.options;
  o.lr = j.at("lr").number();
  o.weight_decay = j.at("weight_decay").number();
  o.momentum = j.at("momentum").number();
  o.dampening = j.at("dampening").number();
  o.nesterov = j.at("nesterov").boolean();
  o.beta1 = j.at("beta1").number();
  o.beta2 = j.at("beta2").number();
  o.eps = j.at("eps").number();
  o.amsgrad = j.at("amsgrad").boolean();
  o.partial = j.at("partial").number();
  if (std::optional<JsonRef> lr = j.find("initial_lr")) g.initial_lr = lr->number();
  for (const JsonRef& p : j.at("params").elements()) g.params.push_back(p.integer());
  return g;
}

std::string state_json(const CheckpointParts& parts, const nn::OptimizerState& opt) {
  const Progress& p = parts.progress;
  const Generator& g = default_generator();
  std::string s = "{\n  \"iteration\": " + num(p.iteration) +
                  ",\n  \"loader\": {\"epoch\": " + num(p.loader.epoch) +
                  ", \"position\": " + num(p.loader.position) + "}" +
                  ",\n  \"bad_steps\": " + num(p.bad_steps) +
                  ",\n  \"stale_evals\": " + num(p.stale_evals) +
                  ",\n  \"world_size\": " + num(p.world_size) + ",\n  \"best\": [";
  for (size_t i = 0; i < p.best.size(); ++i)
    s += (i ? ", [" : "[") + num(p.best[i].first) + ", " + num(p.best[i].second) + "]";
  // The generator's offset is read by reserving no counters.
  s += "],\n  \"rng\": {\"seed\": " + std::to_string(g.seed()) +
       ", \"offset\": " + std::to_string(default_generator().advance(0)) + "}";
  s += ",\n  \"ema_updates\": " + num(parts.ema ? parts.ema->updates() : int64_t(0));
  if (parts.scaler)
    s += ",\n  \"grad_scaler\": {\"scale\": " + num(parts.scaler->scale_value()) +
         ", \"growth_tracker\": " + num(parts.scaler->growth_tracker()) + "}";
  s += ",\n  \"scheduler\": {";
  bool first = true;
  for (const auto& [k, v] : parts.scheduler.state_dict()) {
    s += (first ? "" : ", ") + json_quote(k) + ": " + num(v);
    first = false;
  }
  s += "},\n  \"optimizer_groups\": [";
  for (size_t i = 0; i < opt.groups.size(); ++i) s += (i ? ", " : "") + group_json(opt.groups[i]);
  s += "],\n  \"optimizer_steps\": {";
  first = true;
  for (const auto& [index, st] : opt.state) {
    s += (first ? "" : ", ") + json_quote(std::to_string(index)) + ": " + num(st.step);
    first = false;
  }
  return s + "}\n}\n";
}

void write_text(const std::string& path, const std::string& text) {
  nn::AtomicFile f(path, "save_checkpoint");
  f.write(text.data(), text.size());
  f.commit();
}

}  // namespace

void write_directory_atomically(const std::string& dir,
                                const std::function<void(const std::string& tmp)>& fill) {
  fs::path target(dir), parent = fs::absolute(target).parent_path();
  fs::create_directories(parent);
  fs::path tmp = parent / (".tmp." + target.filename().string() + "." + std::to_string(getpid()));
  fs::remove_all(tmp);
  fs::create_directory(tmp);
  try {
    fill(tmp.string());
    sync_directory(tmp.string());
    // A directory cannot be renamed over a non-empty one. An older copy (the same iteration
    // written again, or left by a run that stopped before its links moved on) is swapped with the
    // new one in one step, so that `dir`, which a link like `last` may name, never goes missing;
    // removing it first is the fallback where the filesystem cannot swap.
    if (fs::exists(target) &&
        ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
      sync_directory(parent.string());
      fs::remove_all(tmp);  // now the older copy
      return;
    }
    fs::remove_all(target);
    fs::rename(tmp, target);
    sync_directory(parent.string());
  } catch (...) {
    fs::remove_all(tmp);
    throw;
  }
}

void point_link(const std::string& link, const std::string& target) {
  fs::path tmp = fs::path(link).string() + ".tmp";
  fs::remove(tmp);
  fs::create_symlink(target, tmp);
  fs::rename(tmp, link);
}

void save_checkpoint(const std::string& dir, const CheckpointParts& parts) {
  write_directory_atomically(dir, [&](const std::string& tmp) {
    nn::save_state_dict(tmp + "/model.safetensors", parts.model, parts.metadata);
    if (parts.ema) {
      nn::StateDict averaged;
      for (const auto& [name, t] : parts.ema->averaged()) averaged.insert(name, t);
      nn::write_safetensors(tmp + "/ema.safetensors", averaged);
    }
    nn::OptimizerState opt = parts.optimizer.state_dict();
    nn::StateDict buffers;
    for (const auto& [index, st] : opt.state)
      for (const auto& [name, t] : st.buffers)
        buffers.insert("state." + std::to_string(index) + "." + name, t);
    nn::write_safetensors(tmp + "/optimizer.safetensors", buffers);
    write_text(tmp + "/state.json", state_json(parts, opt));
  });
}

void load_checkpoint(const std::string& dir, CheckpointParts& parts) {
  TESSEL_CHECK(fs::is_directory(dir), "load_checkpoint: '", dir, "' is not a checkpoint directory");
  const std::string state_path = dir + "/state.json";
  const Json json = read_json(state_path);
  const JsonRef state = JsonRef::document(json, state_path);
  nn::load_state_dict_file(dir + "/model.safetensors", parts.model);

  nn::OptimizerState opt;
  for (const JsonRef& g : state.at("optimizer_groups").elements())
    opt.groups.push_back(read_group(g));
  for (const auto& [index, step] : state.at("optimizer_steps").members())
    opt.state[std::stoll(index)].step = step.integer();
  for (const auto& [name, t] : nn::read_safetensors(dir + "/optimizer.safetensors").tensors) {
    size_t dot = name.find('.', 6);  // after "state."
    TESSEL_CHECK(name.starts_with("state.") && dot != std::string::npos, "load_checkpoint: ", dir,
                 "/optimizer.safetensors: unexpected tensor '", name, "'");
    opt.state[std::stoll(name.substr(6, dot - 6))].buffers[name.substr(dot + 1)] = t;
  }
  parts.optimizer.load_state_dict(opt);

  nn::ScalarDict scheduler;
  for (const auto& [k, v] : state.at("scheduler").members()) scheduler[k] = v.number();
  parts.scheduler.load_state_dict(scheduler);

  if (parts.ema) {
    TESSEL_CHECK(fs::exists(dir + "/ema.safetensors"), "load_checkpoint: ", dir,
                 " has no ema.safetensors but the recipe turns EMA on");
    nn::NamedTensors averaged = nn::read_safetensors(dir + "/ema.safetensors").tensors.items();
    parts.ema->load(averaged, state.at("ema_updates").integer());
  }

  if (parts.scaler) {
    std::optional<JsonRef> scaler = state.find("grad_scaler");
    TESSEL_CHECK(scaler, "load_checkpoint: ", dir,
                 "/state.json has no grad_scaler but the recipe trains in f16");
    parts.scaler->load(scaler->at("scale").number(), scaler->at("growth_tracker").integer());
  }

  const JsonRef rng = state.at("rng");
  manual_seed(rng.at("seed").unsigned_integer());
  default_generator().advance(rng.at("offset").unsigned_integer());

  Progress& p = parts.progress;
  p.iteration = state.at("iteration").integer();
  p.loader = {state.at("loader").at("epoch").integer(),
              state.at("loader").at("position").integer()};
  p.bad_steps = state.at("bad_steps").integer();
  p.stale_evals = state.at("stale_evals").integer();
  const std::optional<JsonRef> world = state.find("world_size");  // absent before data parallelism
  p.world_size = world ? world->integer() : 1;
  p.best.clear();
  for (const JsonRef& b : state.at("best").elements()) {
    std::vector<JsonRef> pair = b.elements();
    TESSEL_CHECK(pair.size() == 2, b.where(), " has ", pair.size(),
                 " entries, expected [iteration, metric]");
    p.best.emplace_back(pair[0].integer(), pair[1].number());
  }
}

}  // namespace tessel::train
