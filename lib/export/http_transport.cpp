// HTTP JSON generation export: POST <endpoint>/api/v1/generations:export.
#include <ctime>

#include "encode/protojson.h"
#include "export/endpoint.h"
#include "export/http_client.h"
#include "export/retry_policy.h"
#include "export/transport.h"

namespace sigil::detail {

namespace {

constexpr const char *kExportPath = "/api/v1/generations:export";

class HttpTransport final : public GenerationTransport {
 public:
  HttpTransport(std::string url, HeaderList headers, TlsConfig tls)
      : url_(std::move(url)), headers_(std::move(headers)), tls_(std::move(tls)) {
    set_header(headers_, "Content-Type", "application/json");
  }

  const char *name() const override { return "http"; }
  void after_fork_in_child() override { session_.abandon_after_fork(); }

  Status encode(const std::vector<const Generation *> &batch, std::string &payload) override {
    append_export_request_json(payload, batch);
    return Status::ok();
  }

  AttemptResult send(const std::string &payload, uint32_t timeout_ms, const std::atomic<bool> &cancel) override {
    HttpRequest req;
    req.url = url_;
    req.headers = &headers_;
    req.body = payload;
    req.timeout_ms = timeout_ms;
    req.cancel = &cancel;
    req.tls = &tls_;
    HttpResponse resp = session_.perform(req);

    // A gRPC port given to the HTTP protocol: say so in the message (the
    // outcome stays what it is, so nothing is dropped on a hint).
    std::string mismatch = answered_as_grpc(resp);
    if (!mismatch.empty()) {
      mismatch = "; " + mismatch + ": for a gRPC ingest endpoint set the protocol to grpc (SIGIL_PROTOCOL=grpc)";
    }
    return http_attempt_result(resp, url_, parse_export_response_json, mismatch);
  }

 private:
  std::string url_;
  HeaderList headers_;
  TlsConfig tls_;
  HttpSession session_;
};

std::string snippet(const std::string &body) {
  std::string s = body.substr(0, 256);
  for (char &c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

AttemptResult http_attempt_result(const HttpResponse &resp, const std::string &url, ItemResultParser parse,
                                  std::string_view hint) {
  AttemptResult r;
  r.status = int(resp.status);
  if (resp.curl_code != 0) {
    r.outcome = AttemptResult::Outcome::kRetryable;
    r.message = (resp.cancelled ? std::string("cancelled: ") : std::string()) + resp.error + " (" + url + ")" +
                std::string(hint);
    return r;
  }
  if (resp.status >= 200 && resp.status < 300) {
    r.outcome = AttemptResult::Outcome::kAccepted;
    if (!resp.body.empty()) {
      Status st = parse(resp.body, r.items);
      if (!st.is_ok()) r.message = st.message();  // delivered; only the per-item detail is lost
    }
    return r;
  }
  r.message = "HTTP " + std::to_string(resp.status) + " from " + url + ": " + snippet(resp.body) + std::string(hint);
  if (http_status_retryable(resp.status)) {
    r.outcome = AttemptResult::Outcome::kRetryable;
    if (const std::string *ra = resp.header("retry-after")) {
      r.retry_after_ms = parse_retry_after_ms(*ra, int64_t(std::time(nullptr)));
    }
  } else {
    r.outcome = AttemptResult::Outcome::kRejected;
  }
  return r;
}

Expected<std::unique_ptr<GenerationTransport>> make_http_transport(const ExportConfig &config) {
  auto ep = parse_endpoint(config.endpoint, config.insecure, kExportPath);
  if (!ep) return ep.error();
  return std::unique_ptr<GenerationTransport>(new HttpTransport(ep->url(), config.headers, config.tls));
}

}  // namespace sigil::detail
