// A gRPC server's answer to ExportGenerations (export/grpc_framing.h): the
// HTTP status, headers, trailers (grpc-status, percent-encoded grpc-message,
// grpc-retry-pushback-ms) and the length-prefixed body. Fields, separated by
// 0x1E: "<http status>" (a leading '!' marks a transport failure, then 't'
// timed out, 'c' cancelled), header lines, trailer lines, body (the rest).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "export/grpc_framing.h"
#include "fuzz_fields.h"

using namespace sigil::detail;

namespace {

void check_percent_decoding(const HeaderList &list) {
  for (const auto &h : list) {
    std::string decoded = percent_decode_grpc_message(h.second);
    if (decoded.size() > h.second.size()) __builtin_trap();
    if (h.second.find('%') == std::string::npos && decoded != h.second) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto f = sigil_fuzz::split_fields(data, size, 4);
  GrpcExchange x;
  std::string_view status = f[0];
  if (!status.empty() && status[0] == '!') {
    x.curl_code = 56;
    x.curl_error = "Failure when receiving data from the peer";
    x.timed_out = status.find('t') != std::string_view::npos;
    x.cancelled = status.find('c') != std::string_view::npos;
  }
  for (char c : status) {
    if (c >= '0' && c <= '9' && x.http_status < 100000) x.http_status = x.http_status * 10 + (c - '0');
  }
  HeaderList headers = sigil_fuzz::parse_header_lines(f[1]);
  HeaderList trailers = sigil_fuzz::parse_header_lines(f[2]);
  x.headers = &headers;
  x.trailers = &trailers;
  x.body = f[3];
  x.timeout_ms = 10000;
  x.target = "http://127.0.0.1:4317";

  AttemptResult r = interpret_grpc_export_response(x);
  using O = AttemptResult::Outcome;
  if (r.outcome == O::kAccepted && r.status != 0) __builtin_trap();
  if (r.outcome == O::kRejected && (r.status == 0 || grpc_code_retryable(r.status))) __builtin_trap();
  if (r.outcome != O::kRetryable && r.retry_after_ms != -1) __builtin_trap();
  if (r.retry_after_ms < -1) __builtin_trap();
  if (r.outcome != O::kAccepted && !r.items.empty()) __builtin_trap();

  GrpcFrame frame = parse_grpc_unary_body(x.body);
  if (frame.error == GrpcFrameError::kNone) {
    if (frame.message.data() != x.body.data() + kGrpcFrameHeaderBytes ||
        frame.message.size() + kGrpcFrameHeaderBytes != x.body.size()) {
      __builtin_trap();
    }
  } else if (frame.description.empty()) {
    __builtin_trap();
  }
  check_percent_decoding(headers);
  check_percent_decoding(trailers);
  return 0;
}
