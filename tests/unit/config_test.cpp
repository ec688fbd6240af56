// Configuration resolution, auth headers, endpoints and retry policy.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/rating.h"
#include "export/endpoint.h"
#include "export/retry_policy.h"

using namespace sigil::detail;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const char *name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string header(const HeaderList &h, const char *name) {
  for (const auto &kv : h) {
    if (kv.first == name) return kv.second;
  }
  return "<absent>";
}

}  // namespace

TEST(Config, DefaultsMatchTheReference) {
  auto cfg = resolve_config(Options(), env_of({}));
  ASSERT_TRUE(cfg.has_value());
  const ExportConfig &ex = cfg->exporter;
  EXPECT_EQ(ex.protocol, Protocol::kGrpc);
  EXPECT_EQ(ex.endpoint, "localhost:4317");
  EXPECT_EQ(ex.batch_size, 100u);
  EXPECT_EQ(ex.flush_interval_ms, 1000u);
  EXPECT_EQ(ex.queue_size, 2000u);
  EXPECT_EQ(ex.max_retries, 5u);
  EXPECT_EQ(ex.initial_backoff_ms, 100u);
  EXPECT_EQ(ex.max_backoff_ms, 5000u);
  EXPECT_EQ(ex.attempt_timeout_ms, 10000u);
  EXPECT_EQ(ex.payload_max_bytes, 16u << 20);
  EXPECT_EQ(cfg->sdk_name, "sdk-c");
}

TEST(Config, ExplicitBeatsEnvironmentBeatsDefault) {
  auto env = env_of({{"SIGIL_ENDPOINT", " http://env:1 "},
                     {"SIGIL_PROTOCOL", "HTTP"},
                     {"SIGIL_AGENT_NAME", "env-agent"},
                     {"SIGIL_USER_ID", "env-user"},
                     {"SIGIL_TAGS", "a=1, b = 2 ,bad,=x"},
                     {"SIGIL_HEADERS", "X-One=1,X-Two=2"},
                     {"SIGIL_DEBUG", "yes"}});
  Options o;
  o.endpoint = "http://explicit:2";
  o.headers.emplace_back("x-two", "explicit");
  auto cfg = resolve_config(o, env);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->exporter.endpoint, "http://explicit:2");
  EXPECT_EQ(cfg->exporter.protocol, Protocol::kHttp);
  EXPECT_EQ(cfg->agent_name, "env-agent");
  EXPECT_EQ(cfg->user_id, "env-user");
  EXPECT_EQ(cfg->tags.size(), 2u);
  EXPECT_EQ(cfg->tags.at("b"), "2");
  EXPECT_EQ(header(cfg->exporter.headers, "X-One"), "1");
  EXPECT_EQ(header(cfg->exporter.headers, "X-Two"), "explicit");
  EXPECT_TRUE(cfg->debug);

  Options no_env;
  no_env.use_environment = false;
  auto plain = resolve_config(no_env, env);
  EXPECT_EQ(plain->exporter.endpoint, "localhost:4317");
}

TEST(Config, InvalidValuesAreClearErrors) {
  auto bad_protocol = resolve_config(Options(), env_of({{"SIGIL_PROTOCOL", "carrier-pigeon"}}));
  ASSERT_FALSE(bad_protocol.has_value());
  EXPECT_EQ(bad_protocol.error().code(), SIGIL_E_CONFIG);
  EXPECT_NE(bad_protocol.error().message().find("SIGIL_PROTOCOL"), std::string::npos);
  EXPECT_FALSE(resolve_config(Options(), env_of({{"SIGIL_AUTH_MODE", "magic"}})).has_value());
}

namespace {
struct Lines {
  std::vector<std::pair<uint32_t, std::string>> seen;
  static void fn(void *user, uint32_t level, const char *msg, size_t len) {
    static_cast<Lines *>(user)->seen.emplace_back(level, std::string(msg, len));
  }
  bool has(uint32_t level, const std::string &part) const {
    for (const auto &l : seen) {
      if (l.first == level && l.second.find(part) != std::string::npos) return true;
    }
    return false;
  }
};
}  // namespace

// The setting in code wins over an environment variable that does not parse:
// the variable is ignored with a warning naming it, and the client works.
TEST(Config, SettingInCodeWinsOverAnInvalidEnvironmentVariable) {
  struct Case {
    const char *var;
    void (*set)(Options &);
  };
  const Case cases[] = {
      {"SIGIL_PROTOCOL", [](Options &o) { o.protocol = Protocol::kHttp; }},
      {"SIGIL_AUTH_MODE", [](Options &o) { o.auth_mode = AuthMode::kNone; }},
      {"SIGIL_SPOOL_SYNC", [](Options &o) { o.spool_sync = 0; }},
      {"SIGIL_SPOOL_MODE", [](Options &o) { o.spool_mode = SIGIL_SPOOL_MODE_FALLBACK; }},
      {"SIGIL_SPOOL_MAX_BYTES", [](Options &o) { o.spool_max_bytes = 4096; }},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.var);
    Lines lines;
    Options o;
    o.log_fn = Lines::fn;
    o.log_user_data = &lines;
    // Without the setting in code the variable is the configuration: an error.
    auto refused = resolve_config(o, env_of({{c.var, "htp"}}));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code(), SIGIL_E_CONFIG);
    EXPECT_NE(refused.error().message().find(c.var), std::string::npos);
    c.set(o);
    auto cfg = resolve_config(o, env_of({{c.var, "htp"}}));
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
    EXPECT_TRUE(lines.has(SIGIL_LOG_WARN, std::string("ignoring invalid ") + c.var + " \"htp\""));
  }
  Options http;
  http.protocol = Protocol::kHttp;
  EXPECT_EQ(resolve_config(http, env_of({{"SIGIL_PROTOCOL", "htp"}}))->exporter.protocol, Protocol::kHttp);
}

// An HTTP ingest URL given to gRPC gets a hint, once, at configuration.
TEST(Config, HttpIngestUrlWithGrpcIsHinted) {
  Lines lines;
  Options o;
  o.log_fn = Lines::fn;
  o.log_user_data = &lines;
  ASSERT_TRUE(
      resolve_config(o, env_of({{"SIGIL_ENDPOINT", "http://localhost:8080/api/v1/generations:export"}})).has_value());
  EXPECT_TRUE(lines.has(SIGIL_LOG_WARN, "SIGIL_PROTOCOL=http"));
  Lines quiet;
  o.log_user_data = &quiet;
  ASSERT_TRUE(resolve_config(o, env_of({{"SIGIL_ENDPOINT", "http://localhost:4317"}})).has_value());
  EXPECT_FALSE(quiet.has(SIGIL_LOG_WARN, "SIGIL_PROTOCOL"));
}

// The engine's own list of the variables it reads is what it looks up: each
// of them must have a row in README.md's configuration table. The lookups
// are recorded with values that take every branch that reads more.
TEST(Config, EveryVariableTheEngineReadsIsDocumented) {
  std::set<std::string> read;
  const std::map<std::string, std::string> given = {
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"},
      {"SIGIL_AUTH_MODE", "basic"},
      {"SIGIL_AUTH_TOKEN", "t"},
      {"SIGIL_AUTH_TENANT_ID", "u"},
  };
  EnvLookup recording = [&](const char *name) -> std::optional<std::string> {
    read.insert(name);
    auto it = given.find(name);
    if (it == given.end()) return std::nullopt;
    return it->second;
  };
  ASSERT_TRUE(resolve_config(Options(), recording).has_value());
  EnvLookup recording_bare = [&](const char *name) -> std::optional<std::string> {
    read.insert(name);
    return std::nullopt;
  };
  ASSERT_TRUE(resolve_config(Options(), recording_bare).has_value());
  ASSERT_GT(read.size(), 30u);

  std::ifstream in(SIGIL_README);
  ASSERT_TRUE(in.good()) << SIGIL_README;
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t from = readme.find("\n## Configuration");
  ASSERT_NE(from, std::string::npos);
  size_t to = readme.find("\n## ", from + 1);
  std::string table = readme.substr(from, to - from);
  for (const std::string &name : read) {
    EXPECT_NE(table.find("`" + name + "`"), std::string::npos) << name << " is read but not in README.md's table";
  }
}

// With nothing configured, generations go to localhost:4317 and spans and
// metrics follow to the local receiver's OTLP port (sigil receive). Any
// generation endpoint or OTLP setting keeps OTLP to what is configured.
TEST(Config, OtlpGoesToTheLocalReceiverOnlyWhenNothingIsConfigured) {
  auto bare = resolve_config(Options(), env_of({}));
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->exporter.endpoint, "localhost:4317");
  EXPECT_EQ(bare->telemetry.otlp.traces_url, "http://localhost:4318/v1/traces");
  EXPECT_EQ(bare->telemetry.otlp.metrics_url, "http://localhost:4318/v1/metrics");
  EXPECT_TRUE(bare->telemetry.otlp.local_default);  // a refused connection is not retried

  auto urls = [](const Options &o, std::map<std::string, std::string> env) {
    auto cfg = resolve_config(o, env_of(env));
    EXPECT_TRUE(cfg.has_value());
    return cfg ? cfg->telemetry.otlp.traces_url + " " + cfg->telemetry.otlp.metrics_url : std::string("error");
  };
  // A configured generation endpoint: no OTLP unless it is set too.
  EXPECT_EQ(urls(Options(), {{"SIGIL_ENDPOINT", "localhost:4317"}}), " ");
  Options endpoint;
  endpoint.endpoint = "http://127.0.0.1:9/";
  EXPECT_EQ(urls(endpoint, {}), " ");
  // No generation export: nothing is sent anywhere by default.
  EXPECT_EQ(urls(Options(), {{"SIGIL_PROTOCOL", "none"}}), " ");
  // A configured OTLP endpoint wins, per signal too (the other signal stays off).
  EXPECT_EQ(urls(Options(), {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:5318"}}),
            "http://127.0.0.1:5318/v1/traces http://127.0.0.1:5318/v1/metrics");
  EXPECT_EQ(urls(Options(), {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:5318/t"}}),
            "http://127.0.0.1:5318/t ");
  Options blank;
  blank.telemetry.otlp_endpoint = "";
  EXPECT_EQ(urls(blank, {}), " ");
  Options configured;
  configured.telemetry.otlp_endpoint = "http://localhost:4318";
  EXPECT_FALSE(resolve_config(configured, env_of({}))->telemetry.otlp.local_default);  // retried as configured
  // The environment can switch the local default off, per signal or whole.
  EXPECT_EQ(urls(Options(), {{"OTEL_TRACES_EXPORTER", "none"}}), " http://localhost:4318/v1/metrics");
  EXPECT_EQ(urls(Options(), {{"OTEL_SDK_DISABLED", "true"}}), " ");
}

TEST(Config, SpoolSharedDirectoryIsRefusedUnlessAllowed) {
  EXPECT_FALSE(resolve_config(Options(), env_of({}))->exporter.spool.allow_shared_dir);
  EXPECT_TRUE(
      resolve_config(Options(), env_of({{"SIGIL_SPOOL_ALLOW_SHARED_DIR", "1"}}))->exporter.spool.allow_shared_dir);
  Options no;
  no.spool_allow_shared_dir = false;
  EXPECT_FALSE(resolve_config(no, env_of({{"SIGIL_SPOOL_ALLOW_SHARED_DIR", "true"}}))->exporter.spool.allow_shared_dir);
}

TEST(Auth, ModesProduceTheReferenceHeaders) {
  auto tenant = resolve_config(Options(), env_of({{"SIGIL_AUTH_MODE", "tenant"}, {"SIGIL_AUTH_TENANT_ID", "42"}}));
  EXPECT_EQ(header(tenant->exporter.headers, "X-Scope-OrgID"), "42");

  auto bearer = resolve_config(Options(), env_of({{"SIGIL_AUTH_MODE", "bearer"}, {"SIGIL_AUTH_TOKEN", "Bearer tok"}}));
  EXPECT_EQ(header(bearer->exporter.headers, "Authorization"), "Bearer tok");

  auto basic = resolve_config(
      Options(), env_of({{"SIGIL_AUTH_MODE", "basic"}, {"SIGIL_AUTH_TENANT_ID", "inst"}, {"SIGIL_AUTH_TOKEN", "key"}}));
  EXPECT_EQ(header(basic->exporter.headers, "Authorization"), "Basic aW5zdDprZXk=");  // inst:key
  EXPECT_EQ(header(basic->exporter.headers, "X-Scope-OrgID"), "inst");

  Options explicit_header;
  explicit_header.auth_mode = AuthMode::kBearer;
  explicit_header.bearer_token = "derived";
  explicit_header.headers.emplace_back("authorization", "Custom x");
  auto wins = resolve_config(explicit_header, env_of({}));
  EXPECT_EQ(header(wins->exporter.headers, "authorization"), "Custom x");
  EXPECT_EQ(header(wins->exporter.headers, "Authorization"), "<absent>");

  EXPECT_FALSE(resolve_config(Options(), env_of({{"SIGIL_AUTH_MODE", "tenant"}})).has_value());
  EXPECT_FALSE(resolve_config(Options(), env_of({{"SIGIL_AUTH_MODE", "bearer"}})).has_value());
  EXPECT_FALSE(
      resolve_config(Options(), env_of({{"SIGIL_AUTH_MODE", "basic"}, {"SIGIL_AUTH_TOKEN", "k"}})).has_value());
  Options none_with_creds;
  none_with_creds.auth_mode = AuthMode::kNone;
  none_with_creds.tenant_id = "t";
  EXPECT_FALSE(resolve_config(none_with_creds, env_of({})).has_value());
}

TEST(Endpoint, FormsAndDefaults) {
  auto a = parse_endpoint("localhost:8080", std::nullopt, "/api/v1/generations:export");
  EXPECT_EQ(a->url(), "http://localhost:8080/api/v1/generations:export");
  auto b = parse_endpoint("sigil.example.com:443", std::nullopt, "/x");
  EXPECT_TRUE(b->tls);
  auto c = parse_endpoint("https://h/custom/", std::nullopt, "/x");
  EXPECT_EQ(c->url(), "https://h/custom");
  auto d = parse_endpoint("grpc://10.0.0.1:4317", true, "/x");
  EXPECT_FALSE(d->tls);
  EXPECT_EQ(d->authority, "10.0.0.1:4317");
  EXPECT_TRUE(parse_endpoint("http://[::1]:9/", std::nullopt, "/p")->url() == "http://[::1]:9/p");
  EXPECT_FALSE(parse_endpoint("ftp://h", std::nullopt, "/x").has_value());
  EXPECT_FALSE(parse_endpoint("  ", std::nullopt, "/x").has_value());
}

// Without `insecure` and without a scheme, plaintext only for what is
// loopback as an address: a name that merely looks like one resolves wherever
// its owner likes, and would get the auth header in the clear.
TEST(Endpoint, PlaintextOnlyForParsedLoopbackAddresses) {
  for (const char *host :
       {"localhost:8080", "LOCALHOST", "127.0.0.1:4317", "127.0.0.1", "127.255.3.4:1", "[::1]:4317", "[::1]", "::1"}) {
    auto ep = parse_endpoint(host, std::nullopt, "/x");
    ASSERT_TRUE(ep.has_value()) << host;
    EXPECT_FALSE(ep->tls) << host << " is loopback";
  }
  for (const char *host : {"127.0.0.1.example.com:4317", "127.0.0.1.example.com", "127.evil.example:80", "127.",
                           "127.0.0.1x:80", "127.0.0.256:80", "127.0.0:80", "127.0.0.1.1", "128.0.0.1:80",
                           "localhost.example.com", "[::2]:80", "0x7f.0.0.1", "1127.0.0.1"}) {
    auto ep = parse_endpoint(host, std::nullopt, "/x");
    ASSERT_TRUE(ep.has_value()) << host;
    EXPECT_TRUE(ep->tls) << host << " is not loopback";
  }
  EXPECT_FALSE(is_loopback_host("127.0.0.1.example.com:4317"));
  EXPECT_FALSE(parse_endpoint("[::1].example.com:80", std::nullopt, "/x").has_value());  // not an authority
  // `insecure` and an explicit scheme still decide.
  EXPECT_FALSE(parse_endpoint("127.0.0.1.example.com:4317", true, "/x")->tls);
  EXPECT_FALSE(parse_endpoint("http://127.0.0.1.example.com", std::nullopt, "/x")->tls);
}

TEST(Endpoint, OtlpAndRatingsUseTheSameLoopbackRule) {
  auto cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1.example.com:4318"}}));
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->telemetry.otlp.traces_url, "https://127.0.0.1.example.com:4318/v1/traces");
  cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:4318"}}));
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->telemetry.otlp.traces_url, "http://127.0.0.1:4318/v1/traces");
  EXPECT_EQ(*rating_url("127.0.0.1.example.com:8080", std::nullopt, "c1"),
            "https://127.0.0.1.example.com:8080/api/v1/conversations/c1/ratings");
  EXPECT_EQ(*rating_url("127.0.0.1:8080", std::nullopt, "c1"), "http://127.0.0.1:8080/api/v1/conversations/c1/ratings");
}

TEST(Endpoint, WhatARequestTargetCannotCarryIsRefused) {
  for (const char *raw :
       {"http://h:80/x?a=1", "http://h/#f", "h:80/a b", "http://h:80/a\tb", "http://h/\x7f", "h:abc", "h:0", "h:65536",
        "h:", ":80", "[::1", "[::1]x", "[::1]:", "[]:80", "fe80::1:80x", "user@h:80", "grpc://h:4317:1"}) {
    auto ep = parse_endpoint(raw, std::nullopt, "/x");
    EXPECT_FALSE(ep.has_value()) << raw;
    if (!ep) EXPECT_EQ(ep.error().code(), SIGIL_E_CONFIG);
  }
  for (const char *raw : {"h:1", "h:65535", "h", "[::1]:4317", "fe80::1", "https://h.example.com/p/q", " h:80 "}) {
    EXPECT_TRUE(parse_endpoint(raw, std::nullopt, "/x").has_value()) << raw;
  }
  EXPECT_NE(parse_endpoint("h:abc", std::nullopt, "/x").error().message().find("port"), std::string::npos);
}

TEST(Endpoint, EveryEndpointIsCheckedAtResolutionNamingItsSource) {
  struct Case {
    const char *var, *value;
  };
  for (const Case &c : {Case{"SIGIL_ENDPOINT", "h:80?x"}, Case{"SIGIL_API_ENDPOINT", "http://h:port"},
                        Case{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://h#x"},
                        Case{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://h:1/v1/traces x"}}) {
    auto cfg = resolve_config(Options(), env_of({{c.var, c.value}}));
    ASSERT_FALSE(cfg.has_value()) << c.var;
    EXPECT_EQ(cfg.error().code(), SIGIL_E_CONFIG);
    EXPECT_NE(cfg.error().message().find(c.var), std::string::npos) << cfg.error().message();
  }
}

TEST(Headers, EachRuleHasItsReason) {
  EXPECT_TRUE(check_header("X-Scope-OrgID", "42").is_ok());
  EXPECT_TRUE(check_header("authorization", "Bearer a\tb").is_ok());
  EXPECT_TRUE(check_header("x-!#$%&'*+-.^_`|~", "").is_ok());
  struct Case {
    std::string name, value, reason;
  };
  for (const Case &c :
       {Case{"", "v", "empty"}, Case{":path", "/", "pseudo-header"}, Case{"X Y", "v", "HTTP token"},
        Case{"X:Y", "v", "HTTP token"}, Case{"X\xc3\xa9", "v", "HTTP token"}, Case{"Content-Length", "0", "transport"},
        Case{"TRANSFER-ENCODING", "chunked", "transport"}, Case{"host", "h", "transport"},
        Case{"te", "trailers", "transport"}, Case{"content-type", "text/plain", "transport"},
        Case{"X-A", "a\nb", "control character"}, Case{"X-A", std::string("a\0b", 3), "control character"},
        Case{"X-A", "a\x7f", "control character"},
        Case{"X-A", std::string(kMaxHeaderValueBytes + 1, 'a'), "at most 65536"}}) {
    Status st = check_header(c.name, c.value);
    EXPECT_EQ(st.code(), SIGIL_E_CONFIG) << c.name;
    EXPECT_NE(st.message().find(c.reason), std::string::npos) << st.message();
  }
  EXPECT_TRUE(check_header("X-A", std::string(kMaxHeaderValueBytes, 'a')).is_ok());
}

TEST(Headers, EnvironmentListsAreStrictAndOtelValuesPercentDecoded) {
  auto sigil = parse_header_list(" X-A = 1 ,, X-B=a%20b ,", "SIGIL_HEADERS", false);
  ASSERT_TRUE(sigil.has_value()) << sigil.error().message();
  EXPECT_EQ(header(*sigil, "X-A"), "1");
  EXPECT_EQ(header(*sigil, "X-B"), "a%20b");  // SIGIL_HEADERS is taken as written
  auto otel = parse_header_list("X-B=a%20b,Authorization=Bearer%20t%3D", "OTEL_EXPORTER_OTLP_HEADERS", true);
  ASSERT_TRUE(otel.has_value());
  EXPECT_EQ(header(*otel, "X-B"), "a b");
  EXPECT_EQ(header(*otel, "Authorization"), "Bearer t=");

  for (const char *text :
       {"Authorization: Bearer x", "=v", "X-A=1,novalue", "Content-Length=0", "X A=1", "X-A=a%0d%0aX-Injected: 1"}) {
    auto parsed = parse_header_list(text, "OTEL_EXPORTER_OTLP_HEADERS", true);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code(), SIGIL_E_CONFIG);
    EXPECT_EQ(parsed.error().message().rfind("OTEL_EXPORTER_OTLP_HEADERS entry \"", 0), 0u) << parsed.error().message();
  }
  auto cfg = resolve_config(Options(), env_of({{"SIGIL_HEADERS", "Authorization: Bearer x"}}));
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().message().find("SIGIL_HEADERS entry \"Authorization: Bearer x\""), std::string::npos);
  cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"},
                                          {"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "bad"}}));
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().message().find("OTEL_EXPORTER_OTLP_METRICS_HEADERS"), std::string::npos);
}

TEST(Retry, BackoffIsCappedJitteredExponential) {
  RetryPolicy p(5, 100, 1000);
  for (int i = 0; i < 200; ++i) {
    int64_t first = p.backoff_ms(1), third = p.backoff_ms(3), tenth = p.backoff_ms(10);
    EXPECT_GE(first, 50);
    EXPECT_LE(first, 100);
    EXPECT_GE(third, 200);
    EXPECT_LE(third, 400);
    EXPECT_GE(tenth, 500);
    EXPECT_LE(tenth, 1000);
  }
  EXPECT_EQ(p.retry_after_ms(2000), 2000);
  EXPECT_EQ(p.retry_after_ms(10'000'000), 30000);
}

TEST(Retry, WhatIsRetriedAndRetryAfterForms) {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(http_status_retryable(s)) << s;
  for (long s : {400L, 401L, 403L, 404L, 413L, 422L, 501L}) EXPECT_FALSE(http_status_retryable(s)) << s;
  EXPECT_EQ(parse_retry_after_ms("3", 0), 3000);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480), 10000);
  EXPECT_EQ(parse_retry_after_ms("soon", 0), -1);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:10 GMT", 1445412500), 0);  // already past
}

TEST(Retry, RetryAfterBeyondAnyUsefulDelaySaturates) {
  // Beyond 2^40 s every value means "much later than the policy's cap": the
  // result stays a valid, huge delay instead of overflowing int64.
  const int64_t longest = (int64_t(1) << 40) * 1000;
  EXPECT_EQ(parse_retry_after_ms("000000000000000000000000007", 0), 7000);
  EXPECT_EQ(parse_retry_after_ms("999999999999", 0), 999999999999000);
  EXPECT_EQ(parse_retry_after_ms("1099511627777", 0), longest);
  EXPECT_EQ(parse_retry_after_ms("99999999999999999999999999999", 0), longest);
  EXPECT_EQ(parse_retry_after_ms("Jan 1 2010000000 GMT", 1445412480), longest);
  EXPECT_EQ(parse_retry_after_ms("Jan 1 2010000000 GMT", std::numeric_limits<int64_t>::min()), longest);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:10 GMT", std::numeric_limits<int64_t>::max()), 0);
  RetryPolicy p(5, 100, 1000);
  EXPECT_EQ(p.retry_after_ms(parse_retry_after_ms("Jan 1 2010000000 GMT", 0)), 30000);
}

namespace {

// A few readable files and a directory, removed at the end of the test.
struct TlsFiles {
  std::string dir, a, b, c;
  TlsFiles() {
    char tmpl[] = "/tmp/sigil-tls-XXXXXX";
    dir = mkdtemp(tmpl);
    a = dir + "/a.pem", b = dir + "/b.pem", c = dir + "/c.pem";
    for (const auto &p : {a, b, c}) std::fclose(std::fopen(p.c_str(), "w"));
  }
  ~TlsFiles() {
    for (const auto &p : {a, b, c}) std::remove(p.c_str());
    rmdir(dir.c_str());
  }
};

}  // namespace

TEST(Config, TlsOptionBeatsSigilVariableBeatsOpenSslVariable) {
  TlsFiles f;
  auto ca = [&](Options o, std::map<std::string, std::string> env) {
    auto cfg = resolve_config(o, env_of(std::move(env)));
    EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : cfg.error().message());
    return cfg ? cfg->exporter.tls.ca_file : std::string("<error>");
  };
  EXPECT_EQ(ca(Options(), {}), "");
  EXPECT_EQ(ca(Options(), {{"SSL_CERT_FILE", f.c}}), f.c);
  EXPECT_EQ(ca(Options(), {{"SSL_CERT_FILE", f.c}, {"SIGIL_CA_FILE", f.b}}), f.b);
  Options o;
  o.ca_file = f.a;
  EXPECT_EQ(ca(o, {{"SSL_CERT_FILE", f.c}, {"SIGIL_CA_FILE", f.b}}), f.a);
  Options no_env;
  no_env.use_environment = false;
  EXPECT_EQ(ca(no_env, {{"SSL_CERT_FILE", f.c}}), "");

  auto cfg = resolve_config(
      Options(), env_of({{"SSL_CERT_DIR", f.dir}, {"SIGIL_CLIENT_CERT", f.a}, {"SIGIL_ENDPOINT", "localhost:4317"}}));
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->exporter.tls.ca_dir, f.dir);
  EXPECT_EQ(cfg->exporter.tls.client_cert, f.a);
  EXPECT_EQ(cfg->exporter.tls.client_key, "");
  EXPECT_TRUE(cfg->telemetry.otlp.traces_tls.empty());  // OTLP off: nothing resolved for it
}

TEST(Config, OtlpTlsTakesItsOwnSettingsThenTheSigilOnes) {
  TlsFiles f;
  Options o;
  o.telemetry.otlp_endpoint = "http://127.0.0.1:4318";
  o.ca_file = f.a;
  o.client_cert = f.a;
  o.client_key = f.b;
  auto cfg = resolve_config(o, env_of({{"OTEL_EXPORTER_OTLP_CERTIFICATE", f.b},
                                       {"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", f.c},
                                       {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", f.c}}));
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
  const OtlpConfig &otlp = cfg->telemetry.otlp;
  EXPECT_EQ(otlp.traces_tls.ca_file, f.b);
  EXPECT_EQ(otlp.metrics_tls.ca_file, f.c);
  // A certificate from the OTLP settings comes without the Sigil key.
  EXPECT_EQ(otlp.traces_tls.client_cert, f.c);
  EXPECT_EQ(otlp.traces_tls.client_key, "");
  EXPECT_EQ(otlp.metrics_tls.client_cert, f.a);
  EXPECT_EQ(otlp.metrics_tls.client_key, f.b);
  o.telemetry.otlp_certificate = f.a;
  cfg = resolve_config(o, env_of({{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", f.c}}));
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->telemetry.otlp.traces_tls.ca_file, f.a);
}

TEST(Config, UnreadableTlsFilesAreErrorsNamingTheirSource) {
  TlsFiles f;
  auto error_of = [](Options o, std::map<std::string, std::string> env) {
    auto cfg = resolve_config(o, env_of(std::move(env)));
    EXPECT_FALSE(cfg.has_value());
    if (cfg) return std::string();
    EXPECT_EQ(cfg.error().code(), SIGIL_E_CONFIG);
    return cfg.error().message();
  };
  const std::string missing = f.dir + "/missing.pem";
  EXPECT_EQ(error_of(Options(), {{"SIGIL_CA_FILE", missing}}),
            "SIGIL_CA_FILE \"" + missing + "\": No such file or directory");
  EXPECT_EQ(error_of(Options(), {{"SSL_CERT_FILE", f.dir}}),
            "SSL_CERT_FILE \"" + f.dir + "\": is a directory, not a file");
  EXPECT_EQ(error_of(Options(), {{"SSL_CERT_DIR", f.a}}), "SSL_CERT_DIR \"" + f.a + "\": is not a directory");
  Options key_only;
  key_only.client_key = f.b;
  EXPECT_EQ(error_of(key_only, {}), "client key option is set without a client certificate");
  Options otlp;
  otlp.telemetry.otlp_traces_endpoint = "http://127.0.0.1:4318/v1/traces";
  EXPECT_EQ(error_of(otlp, {{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", f.b}}),
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY is set without a client certificate");
  // A metrics-only variable is not checked while metrics are not exported.
  EXPECT_TRUE(resolve_config(otlp, env_of({{"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", missing}})).has_value());
}
