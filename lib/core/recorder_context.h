// What every recorder shares: the identity a binding supplies from its
// context mechanism, the fallback rules applied at start, and RecorderBase —
// the client, the place in the trace, the capture mode, the first input
// error and the end-once rule.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "core/client.h"
#include "core/content_capture.h"
#include "telemetry/trace_context.h"

namespace sigil::detail {

// Identity a binding supplies from its context mechanism.
struct ContextValues {
  std::string conversation_id, conversation_title, user_id, agent_name, agent_version;
};

// Explicit > context > client default: `target` keeps a value already set.
inline void fill_if_empty(std::string &target, const std::string &fallback) {
  if (target.empty()) target = fallback;
}

// What any recording call returns once the client is shut down.
inline Status shutdown_error() { return Status(SIGIL_E_SHUTDOWN, "the client is shut down"); }

class RecorderBase {
 public:
  bool is_noop() const { return client_ == nullptr; }
  const TraceContext &trace() const { return trace_; }
  bool ended() const { return ended_; }
  // Called by a recorder's free before it ends one that was never ended: the
  // client says so once (Client::report_unended).
  void note_freed_unended(const char *what) const {
    if (!ended_ && !is_noop()) client_->report_unended(what);
  }
  // Keeps the first input error; end reports it.
  void record_input_error(const Status &st) {
    if (input_error_.is_ok() && !st.is_ok()) input_error_ = st;
  }

 protected:
  RecorderBase() = default;  // a no-op recorder
  RecorderBase(std::shared_ptr<Client> client, Status start_error, const ParentSpan &parent)
      : client_(std::move(client)), input_error_(std::move(start_error)), trace_(start_trace(parent)) {}

  // The start of every end(): marks the recorder ended and says whether to go
  // on (nullopt) or what to return — ALREADY_ENDED the second time (`what`
  // names the record), OK for a no-op recorder, SHUTDOWN after shutdown.
  std::optional<Status> begin_end(const char *what) {
    if (ended_) return Status(SIGIL_E_ALREADY_ENDED, std::string("the ") + what + " was already ended");
    ended_ = true;
    if (is_noop()) return Status::ok();
    if (client_->is_shutdown()) return shutdown_error();
    return std::nullopt;
  }
  // Per call > resolver > client, resolved once at start.
  void resolve_capture(ContentCaptureMode per_call, uint32_t record_kind, std::string_view metadata_json) {
    if (!is_noop()) capture_ = client_->privacy().resolve(per_call, record_kind, metadata_json);
  }
  ContentCaptureMode capture_mode() const { return capture_.value_or(client_->config().privacy.content_capture); }
  // Sampled, and somebody (callback or OTLP) takes spans.
  bool wants_span() const { return trace_.sampled && client_->telemetry().wants_spans(); }

  std::shared_ptr<Client> client_;
  Status input_error_;
  TraceContext trace_;
  std::optional<ContentCaptureMode> capture_;
  bool ended_ = false;
};

}  // namespace sigil::detail
