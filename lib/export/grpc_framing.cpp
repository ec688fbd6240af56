#include "export/grpc_framing.h"

#include <ctime>

#include "base/strings.h"
#include "encode/protobuf.h"
#include "export/retry_policy.h"

namespace sigil::detail {

namespace {

const std::string *find_header(const HeaderList *list, std::string_view lower_name) {
  if (list == nullptr) return nullptr;
  for (const auto &h : *list) {
    if (h.first == lower_name) return &h.second;
  }
  return nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A non-negative decimal integer of at most 9 digits, else -1.
int64_t parse_small_uint(std::string_view s) {
  s = trim_view(s);
  if (s.empty() || s.size() > 9) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string snippet(std::string_view body) {
  std::string s(body.substr(0, 200));
  for (char &c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s;
}

AttemptResult retryable(int status, std::string message) {
  AttemptResult r;
  r.outcome = AttemptResult::Outcome::kRetryable;
  r.status = status;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string grpc_code_name(int code) {
  static const char *const kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  if (code >= 0 && code <= 16) return kNames[code];
  return "CODE_" + std::to_string(code);
}

bool grpc_code_retryable(int code) {
  switch (static_cast<GrpcCode>(code)) {
    case GrpcCode::kUnavailable:
    case GrpcCode::kResourceExhausted:
    case GrpcCode::kDeadlineExceeded:
    case GrpcCode::kAborted:
      return true;
    default:
      return false;
  }
}

int grpc_code_from_http_status(long http_status) {
  switch (http_status) {
    case 400:
      return int(GrpcCode::kInternal);
    case 401:
      return int(GrpcCode::kUnauthenticated);
    case 403:
      return int(GrpcCode::kPermissionDenied);
    case 404:
      return int(GrpcCode::kUnimplemented);
    case 429:
    case 502:
    case 503:
    case 504:
      return int(GrpcCode::kUnavailable);
    default:
      return int(GrpcCode::kUnknown);
  }
}

std::string format_grpc_timeout(uint32_t timeout_ms) {
  if (timeout_ms == 0) return std::string();
  if (timeout_ms <= 99999999u) return std::to_string(timeout_ms) + "m";
  return std::to_string((uint64_t(timeout_ms) + 999) / 1000) + "S";
}

std::string percent_decode_grpc_message(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void append_grpc_frame_header(std::string &out, uint32_t length) {
  out.push_back('\0');  // not compressed
  out.push_back(static_cast<char>((length >> 24) & 0xff));
  out.push_back(static_cast<char>((length >> 16) & 0xff));
  out.push_back(static_cast<char>((length >> 8) & 0xff));
  out.push_back(static_cast<char>(length & 0xff));
}

void patch_grpc_frame_length(std::string &framed, size_t frame_start) {
  uint32_t length = static_cast<uint32_t>(framed.size() - frame_start - kGrpcFrameHeaderBytes);
  framed[frame_start + 1] = static_cast<char>((length >> 24) & 0xff);
  framed[frame_start + 2] = static_cast<char>((length >> 16) & 0xff);
  framed[frame_start + 3] = static_cast<char>((length >> 8) & 0xff);
  framed[frame_start + 4] = static_cast<char>(length & 0xff);
}

GrpcFrame parse_grpc_unary_body(std::string_view body) {
  GrpcFrame f;
  if (body.empty()) {
    f.error = GrpcFrameError::kEmpty;
    f.description = "the response carried no message";
    return f;
  }
  if (body.size() < kGrpcFrameHeaderBytes) {
    f.error = GrpcFrameError::kTruncated;
    f.description =
        "truncated gRPC frame: " + std::to_string(body.size()) + " bytes, shorter than the 5-byte message prefix";
    return f;
  }
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(body[i])); };
  uint32_t flag = byte(0);
  uint64_t length = (uint64_t(byte(1)) << 24) | (byte(2) << 16) | (byte(3) << 8) | byte(4);
  uint64_t available = body.size() - kGrpcFrameHeaderBytes;
  if (flag == 1) {
    f.error = GrpcFrameError::kCompressed;
    f.description = "the response message is compressed, but no compression was offered";
    return f;
  }
  if (flag != 0) {
    f.error = GrpcFrameError::kBadFlag;
    f.description = "malformed gRPC frame: flag byte " + std::to_string(flag) + " (not a gRPC message)";
    return f;
  }
  if (available < length) {
    f.error = GrpcFrameError::kTruncated;
    f.description = "truncated gRPC frame: the prefix announces " + std::to_string(length) + " bytes, " +
                    std::to_string(available) + " arrived";
    return f;
  }
  if (available > length) {
    f.error = GrpcFrameError::kExtraFrames;
    f.description =
        "malformed gRPC response: " + std::to_string(available - length) + " bytes follow the single unary message";
    return f;
  }
  f.message = body.substr(kGrpcFrameHeaderBytes, size_t(length));
  return f;
}

AttemptResult interpret_grpc_export_response(const GrpcExchange &x) {
  // The status lives in the trailers, or in the headers of a trailers-only
  // response. When it arrived, it is the server's verdict even if the stream
  // was then torn down.
  const std::string *status = find_header(x.trailers, "grpc-status");
  const HeaderList *status_block = x.trailers;
  if (status == nullptr) {
    status = find_header(x.headers, "grpc-status");
    status_block = x.headers;
  }
  const std::string where = " (" + x.target + ")";

  if (status == nullptr) {
    if (x.curl_code != 0) {
      if (x.cancelled) return retryable(0, "cancelled: " + x.curl_error + where);
      if (x.timed_out) {
        return retryable(int(GrpcCode::kDeadlineExceeded),
                         "gRPC DEADLINE_EXCEEDED: no response within " + std::to_string(x.timeout_ms) + " ms" + where);
      }
      return retryable(int(GrpcCode::kUnavailable), "gRPC UNAVAILABLE: " + x.curl_error + where);
    }
    if (x.http_status != 200) {
      int code = grpc_code_from_http_status(x.http_status);
      AttemptResult r;
      r.status = code;
      r.message = "gRPC " + grpc_code_name(code) + ": HTTP " + std::to_string(x.http_status) + " without grpc-status" +
                  where + (x.body.empty() ? std::string() : ": " + snippet(x.body));
      if (grpc_code_retryable(code)) {
        r.outcome = AttemptResult::Outcome::kRetryable;
        if (const std::string *ra = find_header(x.headers, "retry-after")) {
          r.retry_after_ms = parse_retry_after_ms(*ra, int64_t(std::time(nullptr)));
        }
      } else {
        r.outcome = AttemptResult::Outcome::kRejected;
      }
      return r;
    }
    return retryable(0, "malformed gRPC response: the stream ended without a grpc-status" + where);
  }

  int64_t code = parse_small_uint(*status);
  if (code < 0) return retryable(0, "malformed gRPC response: grpc-status \"" + snippet(*status) + "\"" + where);
  const std::string *raw_message = find_header(status_block, "grpc-message");
  std::string message = raw_message != nullptr ? percent_decode_grpc_message(*raw_message) : std::string();

  if (code == int(GrpcCode::kOk)) {
    GrpcFrame frame = parse_grpc_unary_body(x.body);
    if (frame.error != GrpcFrameError::kNone) {
      return retryable(0, "gRPC OK with a malformed response body: " + frame.description + where);
    }
    AttemptResult r;
    Status st = decode_export_response_proto(frame.message, r.items);
    if (!st.is_ok()) return retryable(0, "gRPC OK with a malformed response body: " + st.message() + where);
    r.outcome = AttemptResult::Outcome::kAccepted;
    r.status = 0;
    return r;
  }

  AttemptResult r;
  r.status = int(code);
  r.message = "gRPC " + grpc_code_name(int(code)) + (message.empty() ? std::string() : ": " + message) + where;
  if (grpc_code_retryable(int(code))) {
    r.outcome = AttemptResult::Outcome::kRetryable;
    if (const std::string *pushback = find_header(x.trailers, "grpc-retry-pushback-ms")) {
      r.retry_after_ms = parse_small_uint(*pushback);
    }
  } else {
    r.outcome = AttemptResult::Outcome::kRejected;
  }
  return r;
}

}  // namespace sigil::detail
