#include "export/http_client.h"

#include <curl/curl.h>

#include <mutex>

#include "base/strings.h"

namespace sigil::detail {

namespace {

// What the callbacks write into. A server chooses how much it sends: past
// the request's bounds the callbacks refuse (libcurl then ends the transfer
// with CURLE_WRITE_ERROR) rather than grow without limit; nor may an
// exception (bad_alloc) unwind through libcurl's C frames.
struct Sink {
  HttpResponse *resp;
  const HttpRequest *req;
  bool headers_done = false;
  size_t header_bytes = 0;
};

size_t refuse(Sink *sink, HttpResponse::Refusal why) {
  sink->resp->refused = why;  // no allocation here: this may run out of memory
  return 0;                   // != the size handed in: libcurl aborts the transfer
}

size_t on_body(char *data, size_t size, size_t n, void *user) {
  auto *sink = static_cast<Sink *>(user);
  std::string &body = sink->resp->body;
  n *= size;  // size is always 1 (libcurl's documentation), n the byte count
  if (n > sink->req->max_response_bytes - body.size()) {
    return refuse(sink, HttpResponse::Refusal::kBodyTooLarge);
  }
  try {
    body.append(data, n);
  } catch (const std::exception &) {
    return refuse(sink, HttpResponse::Refusal::kOutOfMemory);
  }
  return n;
}

// Header lines of one exchange. With `capture_trailers`, lines after the
// blank line that ends the final response's headers are trailers (libcurl
// hands HTTP/2 and chunked trailers to the header callback after the body).
size_t on_header(char *data, size_t size, size_t n, void *user) try {
  auto *sink = static_cast<Sink *>(user);
  HttpResponse *resp = sink->resp;
  n *= size;  // as in on_body
  if (n > kMaxResponseHeaderBytes - sink->header_bytes) {
    return refuse(sink, HttpResponse::Refusal::kHeadersTooLarge);
  }
  sink->header_bytes += n;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {  // a new response (e.g. after 100-continue) resets headers
    resp->headers.clear();
    sink->headers_done = false;
    return n;
  }
  if (trim_view(line).empty()) {
    sink->headers_done = true;
    return n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    HeaderList &into = sink->req->capture_trailers && sink->headers_done ? resp->trailers : resp->headers;
    into.emplace_back(to_lower(trim_view(line.substr(0, colon))), trim(line.substr(colon + 1)));
  }
  return n;
} catch (const std::exception &) {
  return refuse(static_cast<Sink *>(user), HttpResponse::Refusal::kOutOfMemory);
}

int on_progress(void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto *cancel = static_cast<const std::atomic<bool> *>(user);
  return (cancel != nullptr && cancel->load(std::memory_order_relaxed)) ? 1 : 0;
}

}  // namespace

const std::string *HttpResponse::header(std::string_view lower_name) const {
  for (const auto &h : headers) {
    if (h.first == lower_name) return &h.second;
  }
  return nullptr;
}

void ensure_curl_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string user_agent() { return std::string("libsigil/") + SIGIL_VERSION_STRING; }

HttpSession::HttpSession() {
  ensure_curl_initialized();
  curl_ = curl_easy_init();
}

HttpSession::~HttpSession() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

HttpResponse HttpSession::perform(const HttpRequest &req) {
  HttpResponse resp;
  if (curl_ == nullptr) curl_ = curl_easy_init();
  if (curl_ == nullptr) {
    resp.curl_code = CURLE_FAILED_INIT;
    resp.error = "libcurl could not create a handle";
    return resp;
  }
  CURL *h = curl_;
  curl_easy_reset(h);  // keeps the connection cache
  curl_slist *headers = nullptr;
  if (req.headers != nullptr) {
    for (const auto &kv : *req.headers) headers = curl_slist_append(headers, (kv.first + ": " + kv.second).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  std::string ua = user_agent();
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, ua.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, long(req.timeout_ms));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, long(req.timeout_ms));
  Sink sink{&resp, &req};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, req.cancel);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (req.tls != nullptr) {
    // A CA file replaces the default bundle; a CA directory is searched as
    // well. Without a key file libcurl reads the key from the certificate.
    const TlsConfig &tls = *req.tls;
    if (!tls.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.ca_dir.empty()) curl_easy_setopt(h, CURLOPT_CAPATH, tls.ca_dir.c_str());
    if (!tls.client_cert.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, tls.client_cert.c_str());
    if (!tls.client_key.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, tls.client_key.c_str());
  }
  if (req.accept_encoding) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  switch (req.version) {
    case HttpRequest::Version::kDefault:
      break;
    case HttpRequest::Version::kHttp2PriorKnowledge:
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
      break;
    case HttpRequest::Version::kHttp2OverTls:
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_2TLS));
      break;
  }
  if (req.fresh_connection) {
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  }
  if (req.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  CURLcode rc = curl_easy_perform(h);
  resp.curl_code = rc;
  if (rc != CURLE_OK) {
    resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    resp.cancelled = rc == CURLE_ABORTED_BY_CALLBACK;
    switch (resp.refused) {
      case HttpResponse::Refusal::kNone:
        resp.error = curl_easy_strerror(rc);
        break;
      case HttpResponse::Refusal::kBodyTooLarge:
        resp.error = "response body larger than " + std::to_string(req.max_response_bytes) + " bytes";
        break;
      case HttpResponse::Refusal::kHeadersTooLarge:
        resp.error = "response headers larger than " + std::to_string(kMaxResponseHeaderBytes) + " bytes";
        break;
      case HttpResponse::Refusal::kOutOfMemory:
        resp.error = "out of memory reading the response";
        break;
    }
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  curl_slist_free_all(headers);
  return resp;
}

std::string answered_as_grpc(const HttpResponse &r) {
  if (r.curl_code == CURLE_UNSUPPORTED_PROTOCOL || r.curl_code == CURLE_WEIRD_SERVER_REPLY ||
      r.curl_code == CURLE_HTTP2) {
    return "the endpoint did not answer in HTTP/1.1 (a gRPC port?)";
  }
  if (r.curl_code != CURLE_OK) return std::string();
  const std::string *type = r.header("content-type");
  if (type != nullptr && type->rfind("application/grpc", 0) == 0) return "the endpoint answered as a gRPC server";
  return std::string();
}

std::string answered_without_grpc(const HttpResponse &r) {
  if (r.curl_code == CURLE_HTTP2 || r.curl_code == CURLE_WEIRD_SERVER_REPLY) {
    return "the endpoint did not speak HTTP/2 (an HTTP/1.1 server?)";
  }
  // HTTP/1.1 servers commonly close on the HTTP/2 preface without a word;
  // curl sees that as nothing received, or as a send or receive failure,
  // depending on when the close lands.
  if (r.curl_code == CURLE_GOT_NOTHING || r.curl_code == CURLE_SEND_ERROR || r.curl_code == CURLE_RECV_ERROR) {
    return "the endpoint closed the connection without an answer (an HTTP/1.1 server?)";
  }
  if (r.curl_code != CURLE_OK) return std::string();
  if (r.header("grpc-status") != nullptr || r.trailers.size() > 0) return std::string();
  const std::string *type = r.header("content-type");
  if (type != nullptr && type->rfind("application/grpc", 0) == 0) return std::string();
  return "the endpoint answered without gRPC (content-type " + (type != nullptr ? *type : std::string("none")) +
         ", HTTP " + std::to_string(r.status) + ")";
}

}  // namespace sigil::detail
