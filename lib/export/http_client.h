// One libcurl easy handle, reused across requests (keep-alive), used by one
// thread at a time. Shared by the HTTP and gRPC generation transports, the
// OTLP exporters and the rating client.
#pragma once

#include <atomic>
#include <string>

#include "export/export_config.h"
#include "export/tls_config.h"

typedef void CURL;

namespace sigil::detail {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  const HeaderList *headers = nullptr;  // borrowed
  std::string_view body;
  uint32_t timeout_ms = 10000;
  const std::atomic<bool> *cancel = nullptr;  // aborts the transfer when set
  const TlsConfig *tls = nullptr;             // borrowed; null: libcurl's defaults

  // For gRPC; the defaults are what the HTTP/1.1 users want.
  enum class Version { kDefault, kHttp2PriorKnowledge, kHttp2OverTls };
  Version version = Version::kDefault;  // kHttp2PriorKnowledge: h2c without upgrade
  bool fresh_connection = false;        // a new connection, closed after this request
  bool capture_trailers = false;        // header lines after the body go to `trailers`
  bool accept_encoding = true;          // offer and transparently decode gzip/deflate
  // The most body this exchange accepts (after decoding); a longer one ends
  // it with CURLE_WRITE_ERROR and `refused` saying why. Every response we
  // read is a few kilobytes; the bound keeps a misbehaving server from
  // filling memory.
  size_t max_response_bytes = kDefaultMaxResponseBytes;
  static constexpr size_t kDefaultMaxResponseBytes = size_t(16) << 20;
};

// Likewise for all header and trailer lines of one exchange together.
constexpr size_t kMaxResponseHeaderBytes = size_t(1) << 20;

struct HttpResponse {
  int curl_code = 0;  // CURLE_OK on a completed exchange
  std::string error;  // curl's message when curl_code != 0
  bool timed_out = false;
  bool cancelled = false;
  long status = 0;
  std::string body;
  HeaderList headers;   // names lowercased, in arrival order
  HeaderList trailers;  // likewise, when the request asked for them
  // Why a callback ended the transfer (then `error` says it in words).
  enum class Refusal { kNone, kBodyTooLarge, kHeadersTooLarge, kOutOfMemory };
  Refusal refused = Refusal::kNone;

  const std::string *header(std::string_view lower_name) const;
};

// Signs that an HTTP/1.1 request reached a gRPC (HTTP/2-only) server: a
// reply curl cannot read as HTTP/1.1, or a gRPC content type. "" when
// nothing says so.
std::string answered_as_grpc(const HttpResponse &r);

// Signs that a gRPC call (HTTP/2) reached a server that does not speak gRPC:
// an HTTP/1.1-only server refusing the HTTP/2 preface (or closing on it), or
// an answer without a gRPC content type or status. "" when nothing says so.
std::string answered_without_grpc(const HttpResponse &r);

// Initializes libcurl's globals once per process.
void ensure_curl_initialized();

class HttpSession {
 public:
  HttpSession();
  ~HttpSession();
  HttpSession(const HttpSession &) = delete;
  HttpSession &operator=(const HttpSession &) = delete;

  HttpResponse perform(const HttpRequest &request);

  // In a forked child: forget the handle without cleaning it up. Its
  // connections (and TLS state) belong to the parent; closing or reusing them
  // here would corrupt the parent's. The next perform opens a new handle.
  void abandon_after_fork() { curl_ = nullptr; }

 private:
  CURL *curl_ = nullptr;
};

std::string user_agent();

}  // namespace sigil::detail
