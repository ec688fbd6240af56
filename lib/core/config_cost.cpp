// Cost and sampling configuration: SIGIL_PRICES_FILE, SIGIL_TOKEN_ESTIMATES,
// SIGIL_CONTENT_SAMPLE_RATE, SIGIL_EXPORT_SAMPLE_RATE (docs/cost.md,
// docs/sampling.md).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "core/config.h"

namespace sigil::detail {

namespace {

std::optional<double> parse_rate(const std::string &text) {
  const std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char *end = nullptr;
  errno = 0;
  const double v = std::strtod(t.c_str(), &end);
  if (errno != 0 || end != t.c_str() + t.size() || !std::isfinite(v) || v < 0 || v > 1) return std::nullopt;
  return v;
}

Status resolve_rate(const std::optional<double> &explicit_rate, const EnvLookup &env, const char *var,
                    const Logger &logger, double &out) {
  std::optional<double> from_env;
  if (auto v = env_value(env, var)) {
    from_env = parse_rate(*v);
    if (!from_env) {
      Status st = invalid_env(explicit_rate.has_value(), var, *v, "a number from 0 to 1", logger);
      if (!st.is_ok()) return st;
    }
  }
  out = pick(explicit_rate, from_env, 1.0);
  if (!std::isfinite(out) || out < 0 || out > 1) {
    return config_error(std::string("sample rate must be from 0 to 1 (") + var + ")");
  }
  return Status::ok();
}

}  // namespace

Status resolve_cost_config(const Options &o, const EnvLookup &env, ClientConfig &cfg) {
  std::optional<std::string> file = o.prices_file;
  if (!file) file = env_value(env, "SIGIL_PRICES_FILE");
  if (file && !file->empty()) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) return config_error("price table " + *file + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return config_error("price table " + *file + ": cannot be read");
    Expected<std::shared_ptr<const PriceTable>> table = PriceTable::with_overrides(text.str(), *file);
    if (!table) return table.error();
    cfg.prices = std::move(*table);
  } else {
    cfg.prices = PriceTable::builtin();
  }

  std::optional<bool> env_estimates;
  if (auto v = env_value(env, "SIGIL_TOKEN_ESTIMATES")) env_estimates = parse_bool(*v);
  cfg.token_estimates = pick(o.token_estimates, env_estimates, true);

  Status st =
      resolve_rate(o.content_sample_rate, env, "SIGIL_CONTENT_SAMPLE_RATE", cfg.logger, cfg.sampling.content_rate);
  if (!st.is_ok()) return st;
  return resolve_rate(o.export_sample_rate, env, "SIGIL_EXPORT_SAMPLE_RATE", cfg.logger, cfg.sampling.export_rate);
}

}  // namespace sigil::detail
