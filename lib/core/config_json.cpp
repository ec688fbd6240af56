// The resolved configuration as JSON (sigil_options_resolve): what a client
// created from the same options and environment would run with.
#include "base/json_writer.h"
#include "core/config.h"

namespace sigil::detail {

namespace {

const char *protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kHttp:
      return "http";
    case Protocol::kNone:
      return "none";
    default:
      return "grpc";
  }
}

template <typename Pairs>
void string_map(JsonObjectWriter &w, std::string_view key, const Pairs &pairs) {
  w.key(key);
  JsonObjectWriter m(w.out());
  for (const auto &kv : pairs) m.string(kv.first, kv.second);
  m.end();
}

}  // namespace

std::string client_config_json(const ClientConfig &cfg) {
  std::string out;
  JsonObjectWriter w(out);
  const ExportConfig &ex = cfg.exporter;
  w.key("generation_export");
  {
    JsonObjectWriter e(out);
    e.string("protocol", protocol_name(ex.protocol));
    e.string("endpoint", ex.endpoint);
    if (ex.insecure) e.boolean("insecure", *ex.insecure);
    string_map(e, "headers", ex.headers);  // explicit headers and those derived from auth
    e.string("ca_file", ex.tls.ca_file);
    e.string("ca_dir", ex.tls.ca_dir);
    e.string("client_cert", ex.tls.client_cert);
    e.string("client_key", ex.tls.client_key);
    e.number("batch_size", ex.batch_size);
    e.number("flush_interval_ms", ex.flush_interval_ms);
    e.number("queue_size", ex.queue_size);
    e.number("queue_max_bytes", ex.queue_max_bytes);
    e.number("max_retries", ex.max_retries);
    e.number("initial_backoff_ms", ex.initial_backoff_ms);
    e.number("max_backoff_ms", ex.max_backoff_ms);
    e.number("attempt_timeout_ms", ex.attempt_timeout_ms);
    e.number("payload_max_bytes", ex.payload_max_bytes);
    e.end();
  }
  w.key("api");
  {
    JsonObjectWriter a(out);
    a.string("endpoint", cfg.api_endpoint);
    a.end();
  }
  const EmbeddingCaptureConfig &ec = cfg.telemetry.embedding_capture;
  w.key("embedding_capture");
  {
    JsonObjectWriter c(out);
    c.boolean("capture_input", ec.capture_input);
    c.number("max_input_items", ec.max_input_items);
    c.number("max_text_length", ec.max_text_length);
    c.end();
  }
  w.string("agent_name", cfg.agent_name);
  w.string("agent_version", cfg.agent_version);
  w.string("user_id", cfg.user_id);
  string_map(w, "tags", cfg.tags);
  w.boolean("debug", cfg.debug);
  w.string("content_capture", content_capture_mode_name(cfg.privacy.content_capture));
  w.string("otlp_traces_endpoint", cfg.telemetry.otlp.traces_url);
  w.string("otlp_metrics_endpoint", cfg.telemetry.otlp.metrics_url);
  w.end();
  return out;
}

}  // namespace sigil::detail
