// The pure pieces of the gRPC transport: framing, grpc-timeout,
// grpc-message decoding, and how a response becomes an export verdict.
#include <gtest/gtest.h>

#include <set>

#include "export/grpc_framing.h"
#include "export/transport.h"

using namespace sigil::detail;

namespace {

using Outcome = AttemptResult::Outcome;

std::string frame(std::string_view message) {
  std::string out;
  append_grpc_frame_header(out, uint32_t(message.size()));
  out.append(message);
  return out;
}

// ExportGenerationsResponse{results: [{generation_id: "gen_x", accepted: true},
//                                     {generation_id: "gen_y", error: "bad"}]}
const std::string kResponse = std::string("\x0a\x09\x0a\x05gen_x\x10\x01", 11) + std::string(
                                                                                     "\x0a\x0c\x0a\x05gen_y\x1a\x03"
                                                                                     "bad",
                                                                                     14);

struct Exchange {
  HeaderList headers{{"content-type", "application/grpc"}};
  HeaderList trailers;
  std::string body;
  long http_status = 200;
  int curl_code = 0;
  bool timed_out = false, cancelled = false;

  AttemptResult run() const {
    GrpcExchange x;
    x.curl_code = curl_code;
    x.curl_error = curl_code != 0 ? "Couldn't connect to server" : "";
    x.timed_out = timed_out;
    x.cancelled = cancelled;
    x.timeout_ms = 250;
    x.http_status = http_status;
    x.headers = &headers;
    x.trailers = &trailers;
    x.body = body;
    x.target = "127.0.0.1:4317";
    return interpret_grpc_export_response(x);
  }
};

}  // namespace

TEST(GrpcTimeout, MillisecondsWhileTheyFitEightDigitsThenSeconds) {
  EXPECT_EQ(format_grpc_timeout(10000), "10000m");
  EXPECT_EQ(format_grpc_timeout(1), "1m");
  EXPECT_EQ(format_grpc_timeout(99999999), "99999999m");
  EXPECT_EQ(format_grpc_timeout(100000000), "100000S");
  EXPECT_EQ(format_grpc_timeout(100000001), "100001S");  // rounded up, never shorter
  EXPECT_EQ(format_grpc_timeout(UINT32_MAX), "4294968S");
  EXPECT_EQ(format_grpc_timeout(0), "");
}

TEST(GrpcMessage, PercentDecodingKeepsMalformedEscapesLiterally) {
  EXPECT_EQ(percent_decode_grpc_message("plain text"), "plain text");
  EXPECT_EQ(percent_decode_grpc_message("bad%20thing%0Aline 2"), "bad thing\nline 2");
  EXPECT_EQ(percent_decode_grpc_message("g%C3%A9n%c3%a9"), "géné");
  EXPECT_EQ(percent_decode_grpc_message("100%25 sure"), "100% sure");
  EXPECT_EQ(percent_decode_grpc_message("100%"), "100%");
  EXPECT_EQ(percent_decode_grpc_message("%4"), "%4");
  EXPECT_EQ(percent_decode_grpc_message("%zz%2"), "%zz%2");
  EXPECT_EQ(percent_decode_grpc_message(""), "");
}

TEST(GrpcFrame, HeaderIsFlagThenBigEndianLength) {
  std::string out = "xx";
  append_grpc_frame_header(out, 0x01020304);
  EXPECT_EQ(out, std::string("xx\x00\x01\x02\x03\x04", 7));
  std::string framed;
  append_grpc_frame_header(framed, 0);
  framed.append(300, 'a');
  patch_grpc_frame_length(framed, 0);
  EXPECT_EQ(framed.substr(0, 5), std::string("\x00\x00\x00\x01\x2c", 5));
}

TEST(GrpcFrame, ParsesExactlyOneMessage) {
  const std::string hello = frame("hello");  // the result points into the body: keep it alive
  GrpcFrame f = parse_grpc_unary_body(hello);
  EXPECT_EQ(f.error, GrpcFrameError::kNone);
  EXPECT_EQ(f.message, "hello");
  const std::string empty_body = frame("");  // a valid, empty protobuf
  GrpcFrame empty_message = parse_grpc_unary_body(empty_body);
  EXPECT_EQ(empty_message.error, GrpcFrameError::kNone);
  EXPECT_EQ(empty_message.message, "");
}

TEST(GrpcFrame, RejectsTruncatedCompressedAndTrailingBytes) {
  EXPECT_EQ(parse_grpc_unary_body("").error, GrpcFrameError::kEmpty);
  GrpcFrame short_prefix = parse_grpc_unary_body(std::string("\x00\x00\x00", 3));
  EXPECT_EQ(short_prefix.error, GrpcFrameError::kTruncated);
  EXPECT_NE(short_prefix.description.find("truncated"), std::string::npos);
  GrpcFrame short_body =
      parse_grpc_unary_body(std::string("\x00\x00\x00\x00\x0a"
                                        "abcd",
                                        9));
  EXPECT_EQ(short_body.error, GrpcFrameError::kTruncated);
  EXPECT_NE(short_body.description.find("announces 10 bytes, 4 arrived"), std::string::npos) << short_body.description;
  EXPECT_EQ(parse_grpc_unary_body(std::string("\x01\x00\x00\x00\x01"
                                              "z",
                                              6))
                .error,
            GrpcFrameError::kCompressed);
  EXPECT_EQ(parse_grpc_unary_body(std::string("\x07\x00\x00\x00\x01"
                                              "z",
                                              6))
                .error,
            GrpcFrameError::kBadFlag);
  EXPECT_EQ(parse_grpc_unary_body(frame("one") + frame("two")).error, GrpcFrameError::kExtraFrames);
}

TEST(GrpcStatus, NamesAndRetryClasses) {
  EXPECT_EQ(grpc_code_name(0), "OK");
  EXPECT_EQ(grpc_code_name(3), "INVALID_ARGUMENT");
  EXPECT_EQ(grpc_code_name(16), "UNAUTHENTICATED");
  EXPECT_EQ(grpc_code_name(99), "CODE_99");
  const std::set<int> retryable = {4, 8, 10, 14};
  for (int code = 1; code <= 16; ++code) {
    EXPECT_EQ(grpc_code_retryable(code), retryable.count(code) == 1) << grpc_code_name(code);
  }
}

TEST(GrpcStatus, HttpStatusWithoutGrpcStatusMapsAsTheSpecSays) {
  EXPECT_EQ(grpc_code_from_http_status(400), int(GrpcCode::kInternal));
  EXPECT_EQ(grpc_code_from_http_status(401), int(GrpcCode::kUnauthenticated));
  EXPECT_EQ(grpc_code_from_http_status(403), int(GrpcCode::kPermissionDenied));
  EXPECT_EQ(grpc_code_from_http_status(404), int(GrpcCode::kUnimplemented));
  for (long s : {429L, 502L, 503L, 504L}) EXPECT_EQ(grpc_code_from_http_status(s), int(GrpcCode::kUnavailable));
  EXPECT_EQ(grpc_code_from_http_status(500), int(GrpcCode::kUnknown));
}

TEST(GrpcVerdict, OkInTrailersIsAcceptedWithPerItemResults) {
  Exchange x;
  x.body = frame(kResponse);
  x.trailers = {{"grpc-status", "0"}, {"grpc-message", ""}};
  AttemptResult r = x.run();
  EXPECT_EQ(r.outcome, Outcome::kAccepted) << r.message;
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].generation_id, "gen_x");
  EXPECT_TRUE(r.items[0].accepted);
  EXPECT_EQ(r.items[1].generation_id, "gen_y");
  EXPECT_FALSE(r.items[1].accepted);
  EXPECT_EQ(r.items[1].error, "bad");
}

TEST(GrpcVerdict, EveryNonOkCodeIsRetryableOrRejectedByClass) {
  for (int code = 1; code <= 17; ++code) {
    Exchange x;  // trailers-only: the status arrives with the headers
    x.headers.emplace_back("grpc-status", std::to_string(code));
    x.headers.emplace_back("grpc-message", "why%3A %C3%A9");
    AttemptResult r = x.run();
    bool retryable = code == 4 || code == 8 || code == 10 || code == 14;
    EXPECT_EQ(r.outcome, retryable ? Outcome::kRetryable : Outcome::kRejected) << code;
    EXPECT_EQ(r.status, code);
    EXPECT_EQ(r.message, "gRPC " + grpc_code_name(code) + ": why: é (127.0.0.1:4317)");
  }
}

TEST(GrpcVerdict, TrailersWinOverHeadersAndPushbackIsHonoured) {
  Exchange x;
  x.headers.emplace_back("grpc-status", "3");
  x.trailers = {{"grpc-status", "14"}, {"grpc-retry-pushback-ms", "1500"}};
  AttemptResult r = x.run();
  EXPECT_EQ(r.outcome, Outcome::kRetryable);
  EXPECT_EQ(r.status, 14);
  EXPECT_EQ(r.retry_after_ms, 1500);
  EXPECT_EQ(r.message, "gRPC UNAVAILABLE (127.0.0.1:4317)");
}

TEST(GrpcVerdict, MalformedResponsesAreRetryableWithAClearMessage) {
  struct Case {
    const char *what;
    std::string body;
    const char *mentions;
  } cases[] = {
      {"truncated frame",
       std::string("\x00\x00\x00\x00\x20"
                   "abc",
                   8),
       "truncated gRPC frame"},
      {"no message", "", "no message"},
      {"garbage protobuf", frame("\xff\xff\xff\xff"), "malformed ExportGenerationsResponse"},
      {"compressed",
       std::string("\x01\x00\x00\x00\x01"
                   "z",
                   6),
       "compressed"},
  };
  for (const Case &k : cases) {
    Exchange x;
    x.body = k.body;
    x.trailers = {{"grpc-status", "0"}};
    AttemptResult r = x.run();
    EXPECT_EQ(r.outcome, Outcome::kRetryable) << k.what;
    EXPECT_NE(r.message.find("gRPC OK with a malformed response body"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find(k.mentions), std::string::npos) << k.what << ": " << r.message;
  }
  Exchange no_status;
  no_status.body = frame(kResponse);
  AttemptResult r = no_status.run();
  EXPECT_EQ(r.outcome, Outcome::kRetryable);
  EXPECT_NE(r.message.find("without a grpc-status"), std::string::npos) << r.message;
  Exchange bad_status;
  bad_status.trailers = {{"grpc-status", "OK"}};
  EXPECT_EQ(bad_status.run().outcome, Outcome::kRetryable);
}

TEST(GrpcVerdict, HttpErrorsWithoutGrpcStatusMapLikeGrpcClients) {
  struct Case {
    long http;
    Outcome outcome;
    int code;
  } cases[] = {{503, Outcome::kRetryable, 14}, {502, Outcome::kRetryable, 14}, {429, Outcome::kRetryable, 14},
               {401, Outcome::kRejected, 16},  {404, Outcome::kRejected, 12},  {500, Outcome::kRejected, 2}};
  for (const Case &k : cases) {
    Exchange x;
    x.http_status = k.http;
    x.headers = {{"content-type", "text/html"}};
    x.body = "<html>proxy error</html>";
    AttemptResult r = x.run();
    EXPECT_EQ(r.outcome, k.outcome) << k.http;
    EXPECT_EQ(r.status, k.code) << k.http;
    EXPECT_NE(r.message.find("HTTP " + std::to_string(k.http)), std::string::npos) << r.message;
  }
  Exchange retry_after;
  retry_after.http_status = 503;
  retry_after.headers = {{"retry-after", "2"}};
  EXPECT_EQ(retry_after.run().retry_after_ms, 2000);
}

TEST(GrpcVerdict, TransportFailuresAreRetryable) {
  Exchange refused;
  refused.curl_code = 7;
  AttemptResult r = refused.run();
  EXPECT_EQ(r.outcome, Outcome::kRetryable);
  EXPECT_EQ(r.status, 14);
  EXPECT_EQ(r.message, "gRPC UNAVAILABLE: Couldn't connect to server (127.0.0.1:4317)");
  Exchange timeout;
  timeout.curl_code = 28;
  timeout.timed_out = true;
  r = timeout.run();
  EXPECT_EQ(r.outcome, Outcome::kRetryable);
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.message, "gRPC DEADLINE_EXCEEDED: no response within 250 ms (127.0.0.1:4317)");
  Exchange cancelled;
  cancelled.curl_code = 42;
  cancelled.cancelled = true;
  EXPECT_EQ(cancelled.run().outcome, Outcome::kRetryable);
  // A status that arrived before the stream broke is still the verdict.
  Exchange reset_after_status;
  reset_after_status.curl_code = 92;
  reset_after_status.headers.emplace_back("grpc-status", "16");
  EXPECT_EQ(reset_after_status.run().outcome, Outcome::kRejected);
}

TEST(GrpcTransport, EncodesOneLengthPrefixedMessage) {
  ExportConfig cfg;
  cfg.endpoint = "grpc://127.0.0.1:4317/ignored";
  auto t = make_grpc_transport(cfg);
  ASSERT_TRUE(t) << t.error().message();
  Generation g;
  g.id = "gen_1";
  std::vector<const Generation *> batch{&g};
  std::string payload;
  ASSERT_TRUE(t.value()->encode(batch, payload).is_ok());
  GrpcFrame f = parse_grpc_unary_body(payload);
  ASSERT_EQ(f.error, GrpcFrameError::kNone) << f.description;
  EXPECT_NE(f.message.find("gen_1"), std::string_view::npos);
  EXPECT_STREQ(t.value()->name(), "grpc");

  cfg.endpoint = "ftp://example.com";
  auto bad = make_grpc_transport(cfg);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), SIGIL_E_CONFIG);
}
