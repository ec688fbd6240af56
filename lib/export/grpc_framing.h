// The pure pieces of gRPC over HTTP/2 that libsigil frames itself: message
// framing (5-byte prefix), grpc-timeout, grpc-message percent-decoding, and
// how a unary response (HTTP status, headers, trailers, body) becomes an
// export AttemptResult. No I/O here; the transport does the libcurl part.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "export/export_config.h"
#include "export/export_result.h"

namespace sigil::detail {

// Canonical status codes (grpc/doc/statuscodes.md); values are the wire values.
enum class GrpcCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT"; "CODE_<n>" for values outside the canonical set.
std::string grpc_code_name(int code);

// Whether an export that failed with `code` is worth sending again:
// UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED and ABORTED are; every
// other non-OK code is a permanent refusal.
bool grpc_code_retryable(int code);

// The gRPC code a client infers from a non-200 HTTP status that carried no
// grpc-status (grpc/doc/http-grpc-status-mapping.md).
int grpc_code_from_http_status(long http_status);

// grpc-timeout for a per-attempt timeout: "<ms>m" while it fits the 8-digit
// limit, else whole seconds ("<s>S", rounded up). "" for 0 (no deadline).
std::string format_grpc_timeout(uint32_t timeout_ms);

// grpc-message is percent-encoded UTF-8: "%XX" becomes the byte; a '%' not
// followed by two hex digits is kept literally (as the spec asks of clients).
std::string percent_decode_grpc_message(std::string_view encoded);

// Appends the 5-byte length prefix (uncompressed) for a message of `length`
// bytes. The transport writes the prefix first and patches it with
// patch_grpc_frame_length once the message is encoded behind it.
constexpr size_t kGrpcFrameHeaderBytes = 5;
void append_grpc_frame_header(std::string &out, uint32_t length);
void patch_grpc_frame_length(std::string &framed, size_t frame_start);

// Splits a unary response body into its single message.
enum class GrpcFrameError {
  kNone,
  kEmpty,        // no message at all (legal only with a non-OK status)
  kTruncated,    // fewer bytes than the prefix or its length announce
  kCompressed,   // compressed-flag set; we never offer a grpc-accept-encoding
  kBadFlag,      // a flag byte other than 0 or 1
  kExtraFrames,  // more than one message, or bytes after it
};
struct GrpcFrame {
  GrpcFrameError error = GrpcFrameError::kNone;
  std::string_view message;  // points into the body
  std::string description;   // for logs, empty when error == kNone
};
GrpcFrame parse_grpc_unary_body(std::string_view body);

// Everything the transport learned about one call.
struct GrpcExchange {
  int curl_code = 0;       // 0 when the exchange completed
  std::string curl_error;  // curl's message otherwise
  bool timed_out = false;
  bool cancelled = false;
  uint32_t timeout_ms = 0;
  long http_status = 0;
  const HeaderList *headers = nullptr;   // lowercased names; may be null
  const HeaderList *trailers = nullptr;  // lowercased names; may be null
  std::string_view body;
  std::string target;  // the URL, for messages
};

// The verdict for one ExportGenerations call: OK with per-item results is
// kAccepted; retryable codes, transport failures and malformed responses are
// kRetryable; every other status is kRejected ("gRPC INVALID_ARGUMENT: ...").
// `status` carries the gRPC code. A grpc-retry-pushback-ms trailer becomes
// retry_after_ms.
AttemptResult interpret_grpc_export_response(const GrpcExchange &exchange);

}  // namespace sigil::detail
