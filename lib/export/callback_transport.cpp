// A generation transport whose "server" is the host's exporter callback
// (sigil_options_set_generation_exporter). Being a transport, it sits under
// the same Exporter as HTTP and gRPC: batching, retries with backoff, the
// spool, accounting and the flush/shutdown drain are theirs, unchanged.
#include "encode/protojson.h"
#include "export/callback_transport.h"
#include "export/transport.h"

namespace sigil::detail {

namespace {

class CallbackTransport final : public GenerationTransport {
 public:
  explicit CallbackTransport(const GenerationExporterCallback &callback) : callback_(callback) {}

  const char *name() const override { return "exporter callback"; }

  // The ABI form: the host decodes it into its own generation values.
  Status encode(const std::vector<const Generation *> &batch, std::string &payload) override {
    append_export_request_json(payload, batch, GenerationJsonForm::kAbi);
    return Status::ok();
  }

  // A host callback cannot be interrupted: `timeout_ms` and `cancel` are not
  // consulted, and a shutdown waits for a call in progress.
  AttemptResult send(const std::string &payload, uint32_t, const std::atomic<bool> &) override {
    sigil_export_results results;
    const sigil_status_t status = callback_.fn(callback_.user_data, payload.c_str(), payload.size(), &results);
    AttemptResult r;
    r.items = std::move(results.items);
    r.message = std::move(results.message);
    if (status == SIGIL_OK) {
      r.outcome = AttemptResult::Outcome::kAccepted;
      return r;
    }
    r.outcome = status == SIGIL_E_REJECTED ? AttemptResult::Outcome::kRejected : AttemptResult::Outcome::kRetryable;
    if (r.message.empty()) r.message = "the exporter callback failed (status " + std::to_string(status) + ")";
    return r;
  }

 private:
  GenerationExporterCallback callback_;
};

}  // namespace

std::unique_ptr<GenerationTransport> make_callback_transport(const GenerationExporterCallback &callback) {
  return std::make_unique<CallbackTransport>(callback);
}

}  // namespace sigil::detail
