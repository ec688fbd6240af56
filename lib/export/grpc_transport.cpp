// gRPC generation export: /sigil.v1.GenerationIngestService/ExportGenerations,
// a unary call framed by us over libcurl's HTTP/2 (h2c with prior knowledge
// for plaintext endpoints, ALPN h2 over TLS).
#include "base/strings.h"
#include "encode/protobuf.h"
#include "export/endpoint.h"
#include "export/grpc_framing.h"
#include "export/http_client.h"
#include "export/transport.h"

namespace sigil::detail {

namespace {

constexpr const char *kExportMethod = "/sigil.v1.GenerationIngestService/ExportGenerations";

// Headers that belong to the HTTP/2 or gRPC framing (ours win), or that
// HTTP/2 forbids; a configured header with one of these names is not sent.
bool reserved_metadata_name(std::string_view lower) {
  static const char *const kReserved[] = {
      "content-type", "te",      "content-length",    "connection", "keep-alive",
      "expect",       "upgrade", "transfer-encoding", "host",       "proxy-connection"};
  for (const char *r : kReserved) {
    if (lower == r) return true;
  }
  return lower.empty() || lower[0] == ':' || lower.compare(0, 5, "grpc-") == 0;
}

class GrpcTransport final : public GenerationTransport {
 public:
  GrpcTransport(const Endpoint &ep, const HeaderList &configured, TlsConfig tls_files)
      : tls_(ep.tls), tls_files_(std::move(tls_files)) {
    url_ = (tls_ ? "https://" : "http://") + ep.authority + kExportMethod;
    target_ = ep.authority;
    headers_.emplace_back("content-type", "application/grpc");
    headers_.emplace_back("te", "trailers");
    headers_.emplace_back("accept", "");  // no "Accept: */*" from libcurl
    // Custom and auth headers travel as metadata; gRPC keys are lowercase.
    for (const auto &h : configured) {
      std::string name = to_lower(trim_view(h.first));
      if (reserved_metadata_name(name)) continue;
      set_header(headers_, std::move(name), h.second);
    }
  }

  const char *name() const override { return "grpc"; }
  void after_fork_in_child() override { session_.abandon_after_fork(); }

  Status encode(const std::vector<const Generation *> &batch, std::string &payload) override {
    size_t start = payload.size();
    append_grpc_frame_header(payload, 0);
    Status st = encode_export_request_proto(batch, payload);
    if (!st.is_ok()) return st;
    if (payload.size() - start - kGrpcFrameHeaderBytes > 0xffffffffu) {
      return Status(SIGIL_E_PAYLOAD_TOO_LARGE, "the export request exceeds the 4 GiB gRPC message limit");
    }
    patch_grpc_frame_length(payload, start);
    return Status::ok();
  }

  AttemptResult send(const std::string &payload, uint32_t timeout_ms, const std::atomic<bool> &cancel) override {
    HeaderList headers = headers_;
    std::string timeout = format_grpc_timeout(timeout_ms);
    if (!timeout.empty()) headers.emplace_back("grpc-timeout", std::move(timeout));
    HttpRequest req;
    req.url = url_;
    req.headers = &headers;
    req.body = payload;
    req.timeout_ms = timeout_ms;
    req.cancel = &cancel;
    req.tls = &tls_files_;
    req.version = tls_ ? HttpRequest::Version::kHttp2OverTls : HttpRequest::Version::kHttp2PriorKnowledge;
    // libcurl 7.88 cannot send a second request on a cleartext (prior
    // knowledge) HTTP/2 connection, so each h2c call gets its own.
    req.fresh_connection = !tls_;
    req.capture_trailers = true;
    req.accept_encoding = false;
    HttpResponse resp = session_.perform(req);

    GrpcExchange x;
    x.curl_code = resp.curl_code;
    x.curl_error = resp.error;
    x.timed_out = resp.timed_out;
    x.cancelled = resp.cancelled;
    x.timeout_ms = timeout_ms;
    x.http_status = resp.status;
    x.headers = &resp.headers;
    x.trailers = &resp.trailers;
    x.body = resp.body;
    x.target = target_;
    AttemptResult r = interpret_grpc_export_response(x);
    // An HTTP ingest endpoint given to the gRPC protocol: say so (the
    // outcome stays what it is, so nothing is dropped on a hint).
    if (r.outcome != AttemptResult::Outcome::kAccepted) {
      std::string mismatch = answered_without_grpc(resp);
      if (!mismatch.empty()) {
        r.message += "; " + mismatch + ": for an HTTP ingest endpoint set the protocol to http (SIGIL_PROTOCOL=http)";
      }
    }
    return r;
  }

 private:
  bool tls_;
  TlsConfig tls_files_;
  std::string url_;
  std::string target_;
  HeaderList headers_;
  HttpSession session_;
};

}  // namespace

Expected<std::unique_ptr<GenerationTransport>> make_grpc_transport(const ExportConfig &config) {
  // The path of an endpoint URL has no meaning for gRPC: the method is fixed.
  auto ep = parse_endpoint(config.endpoint, config.insecure, "/");
  if (!ep) return ep.error();
  return std::unique_ptr<GenerationTransport>(new GrpcTransport(ep.value(), config.headers, config.tls));
}

}  // namespace sigil::detail
