// Section: Client (sigil_client_new statuses, sigil_stats_t).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "init_macros.h"

namespace {

sigil_options_t *local_options() {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_use_environment(o, 0), SIGIL_OK);
  return o;
}

// sigil_client_new's status and message for `o`, which it frees.
std::pair<sigil_status_t, std::string> create(sigil_options_t *o) {
  sigil_client_t *c = nullptr;
  sigil_error_t *err = nullptr;
  sigil_status_t st = sigil_client_new(o, &c, &err);
  std::string message = sigil_error_message(err);
  EXPECT_EQ(st == SIGIL_OK, c != nullptr);
  sigil_error_free(err);
  sigil_client_free(c);
  sigil_options_free(o);
  return {st, message};
}

}  // namespace

TEST(ClientSection, StatsInitMatchesMacro) {
  static const sigil_stats_t from_cxx_macro = SIGIL_STATS_INIT;
  EXPECT_TRUE(init_gives(sigil_stats_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_stats_init, *c_stats_init_macro()));
  EXPECT_EQ(sigil_stats_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(ClientSection, StatsAcceptVersionsOneToTheCurrentOnly) {
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  sigil_stats_t stats;
  ASSERT_EQ(sigil_stats_init(&stats), SIGIL_OK);
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.version, SIGIL_STATS_VERSION);
  stats.version = 1;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  // A version 2 struct ends before the version 3 fields: they are not written.
  stats.version = 2;
  stats.spans_dropped = 77;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.spans_dropped, 77u);
  // Nor does a version 3 struct get the version 4 fields.
  stats.version = 3;
  stats.spans_spooled = 78;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.spans_spooled, 78u);
  EXPECT_EQ(stats.spans_dropped, 0u);
  // A version 4 struct ends before the score counters (version 5) ...
  stats.version = 4;
  stats.scores_enqueued = 79;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.scores_enqueued, 79u);
  EXPECT_EQ(stats.spans_spooled, 0u);
  // ... and a version 5 one before the cost and sampling counters (version 6).
  stats.version = 5;
  stats.generations_unpriced = 80;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.generations_unpriced, 80u);
  EXPECT_EQ(stats.scores_enqueued, 0u);
  stats.version = 0;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_E_INVALID_ARGUMENT);
  stats.version = SIGIL_STATS_VERSION + 1;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_stats(c, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_stats(nullptr, &stats), SIGIL_E_INVALID_ARGUMENT);
  sigil_client_free(c);
}

// The rule in sigil.h, "Status codes and errors": a setter rejects what it
// can judge alone with SIGIL_E_INVALID_ARGUMENT and keeps nothing of it;
// what only the combined configuration shows is SIGIL_E_CONFIG at creation.
TEST(ClientSection, SetterRejectsItsArgumentAndCreationStillSucceeds) {
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  EXPECT_EQ(sigil_options_set_content_capture_mode(o, 99), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_auth_mode(o, 99), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_spool_sync(o, 99), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(create(o).first, SIGIL_OK);
}

TEST(ClientSection, UnresolvableConfigurationIsConfig) {
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "http://127.0.0.1:9");
  ASSERT_EQ(sigil_options_set_auth_mode(o, SIGIL_AUTH_BEARER), SIGIL_OK);  // and no token
  auto [status, message] = create(o);
  EXPECT_EQ(status, SIGIL_E_CONFIG);
  EXPECT_NE(message.find("bearer"), std::string::npos) << message;

  o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  ASSERT_EQ(sigil_options_set_endpoint(o, "ftp://127.0.0.1:9"), SIGIL_OK);  // the setter cannot tell
  EXPECT_EQ(create(o).first, SIGIL_E_CONFIG);
}

// Every endpoint is checked once, at creation, by the same rules: no query,
// fragment, space or control character, and a numeric port.
TEST(ClientSection, MalformedEndpointsAreRefusedAtCreationNamingTheOption) {
  using Setter = sigil_status_t (*)(sigil_options_t *, const char *);
  const std::pair<Setter, const char *> setters[] = {{sigil_options_set_endpoint, "endpoint"},
                                                     {sigil_options_set_otlp_endpoint, "OTLP endpoint"},
                                                     {sigil_options_set_api_endpoint, "api endpoint"}};
  const char *bad[] = {"http://127.0.0.1:9/x?token=1",
                       "http://127.0.0.1:9/#frag",
                       "http://127.0.0.1:9/a b",
                       "http://127.0.0.1:9/a\x01b",
                       "127.0.0.1:http",
                       "127.0.0.1:99999",
                       "127.0.0.1:",
                       "[::1]x:80",
                       "http://:80"};
  for (const auto &[setter, option] : setters) {
    for (const char *endpoint : bad) {
      sigil_options_t *o = local_options();
      sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
      sigil_options_set_endpoint(o, "http://127.0.0.1:9");
      ASSERT_EQ(setter(o, endpoint), SIGIL_OK);
      auto [status, message] = create(o);
      EXPECT_EQ(status, SIGIL_E_CONFIG) << option << " " << endpoint;
      EXPECT_NE(message.find(option), std::string::npos) << message;
    }
  }
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "http://127.0.0.1:9/prefix");
  sigil_options_set_otlp_endpoint(o, "[::1]:4318");
  sigil_options_set_api_endpoint(o, "https://sigil.example.com");
  EXPECT_EQ(create(o).first, SIGIL_OK);
}

// A header the transport owns would frame or route the request itself (a
// custom Content-Length: 0 sends the body as a second request on the same
// HTTP/1.1 connection): refused for HTTP, gRPC and OTLP alike.
TEST(ClientSection, TransportOwnedHeadersAreRefusedOnEveryTransport) {
  const char *owned[] = {"Content-Length", "content-length", "Transfer-Encoding", "Host", "TE",
                         "Content-Type",   "Connection",     ":authority"};
  for (const char *name : owned) {
    for (uint32_t protocol : {SIGIL_PROTOCOL_HTTP, SIGIL_PROTOCOL_GRPC}) {
      sigil_options_t *o = local_options();
      sigil_options_set_protocol(o, protocol);
      sigil_options_set_endpoint(o, "127.0.0.1:9");
      ASSERT_EQ(sigil_options_set_header(o, name, "0"), SIGIL_OK);
      auto [status, message] = create(o);
      EXPECT_EQ(status, SIGIL_E_CONFIG) << name << " protocol " << protocol;
      EXPECT_NE(message.find("transport"), std::string::npos) << message;
    }
    sigil_options_t *o = local_options();
    sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
    sigil_options_set_otlp_endpoint(o, "http://127.0.0.1:9");
    ASSERT_EQ(sigil_options_set_otlp_header(o, name, "0"), SIGIL_OK);
    auto [status, message] = create(o);
    EXPECT_EQ(status, SIGIL_E_CONFIG) << name << " OTLP";
    EXPECT_NE(message.find("OTLP header"), std::string::npos) << message;
  }
}

TEST(ClientSection, HeaderNamesAndValuesAreCheckedWithTheirReason) {
  struct Case {
    std::string name, value, expect;
  };
  const Case cases[] = {
      {"X Token", "v", "not an HTTP token"},
      {"X-Token(1)", "v", "not an HTTP token"},
      {"X-Token", "a\r\nX-Injected: 1", "control character"},
      {"X-Token", std::string(70000, 'a'), "65536"},
  };
  for (const Case &c : cases) {
    for (bool otlp : {false, true}) {
      sigil_options_t *o = local_options();
      sigil_options_set_protocol(o, otlp ? SIGIL_PROTOCOL_NONE : SIGIL_PROTOCOL_HTTP);
      sigil_options_set_endpoint(o, "127.0.0.1:9");
      if (otlp) {
        sigil_options_set_otlp_endpoint(o, "127.0.0.1:9");
        ASSERT_EQ(sigil_options_set_otlp_header(o, c.name.c_str(), c.value.c_str()), SIGIL_OK);
      } else {
        ASSERT_EQ(sigil_options_set_header(o, c.name.c_str(), c.value.c_str()), SIGIL_OK);
      }
      auto [status, message] = create(o);
      EXPECT_EQ(status, SIGIL_E_CONFIG) << c.name;
      EXPECT_NE(message.find(c.expect), std::string::npos) << message;
      EXPECT_EQ(message.find("emory"), std::string::npos) << message;
    }
  }
  // Many headers within the per-value bound but too many together.
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "127.0.0.1:9");
  std::string value(60000, 'v');
  for (int i = 0; i < 20; ++i) sigil_options_set_header(o, ("X-Big-" + std::to_string(i)).c_str(), value.c_str());
  auto [status, message] = create(o);
  EXPECT_EQ(status, SIGIL_E_CONFIG);
  EXPECT_NE(message.find("1 MiB"), std::string::npos) << message;
  // The auth token becomes a header and obeys the same rules.
  o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "127.0.0.1:9");
  sigil_options_set_auth_mode(o, SIGIL_AUTH_BEARER);
  sigil_options_set_auth_bearer_token(o, "tok\r\nX-Injected: 1");
  EXPECT_EQ(create(o).first, SIGIL_E_CONFIG);
}

// A malformed SIGIL_HEADERS / OTEL_EXPORTER_OTLP_HEADERS entry is an error
// naming the variable and the entry, not silently dropped.
TEST(ClientSection, MalformedHeaderEnvironmentEntryIsNamed) {
  for (const char *var : {"SIGIL_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"}) {
    setenv(var, "X-Ok=1,Authorization: Bearer x", 1);
    sigil_options_t *o = nullptr;
    sigil_options_new(&o);
    sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
    sigil_options_set_endpoint(o, "127.0.0.1:9");
    sigil_options_set_otlp_endpoint(o, "127.0.0.1:9");
    auto [status, message] = create(o);
    unsetenv(var);
    EXPECT_EQ(status, SIGIL_E_CONFIG) << var;
    EXPECT_NE(message.find(std::string(var) + " entry \"Authorization: Bearer x\""), std::string::npos) << message;
  }
}

// The documented exception: an unusable spool directory is
// SIGIL_E_INVALID_ARGUMENT, not SIGIL_E_CONFIG.
TEST(ClientSection, UnusableSpoolDirectoryIsInvalidArgument) {
  char path[] = "/tmp/sigil-abi-spool-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "http://127.0.0.1:9");
  ASSERT_EQ(sigil_options_set_spool_dir(o, path), SIGIL_OK);  // a regular file
  auto [status, message] = create(o);
  EXPECT_EQ(status, SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(message.find("not a directory"), std::string::npos) << message;
  std::remove(path);
}

TEST(ClientSection, OptionsResolveAsTheClientWould) {
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_auth_mode(o, SIGIL_AUTH_TENANT);
  sigil_options_set_auth_tenant_id(o, "t-1");
  sigil_options_set_batch_size(o, 7);
  char *json = nullptr;
  size_t len = 0;
  ASSERT_EQ(sigil_options_resolve(o, &json, &len, nullptr), SIGIL_OK);
  std::string doc(json, len);
  sigil_json_free(json);
  for (const char *field : {R"("protocol":"http")", R"("headers":{"X-Scope-OrgID":"t-1"})", R"("batch_size":7)",
                            R"("max_retries":5)", R"("endpoint":"localhost:4317")"}) {
    EXPECT_NE(doc.find(field), std::string::npos) << field << " in " << doc;
  }

  sigil_options_set_auth_tenant_id(o, "");
  sigil_error_t *err = nullptr;
  json = reinterpret_cast<char *>(1);
  EXPECT_EQ(sigil_options_resolve(o, &json, nullptr, &err), SIGIL_E_CONFIG);
  EXPECT_EQ(json, nullptr);
  EXPECT_NE(std::string(sigil_error_message(err)).find("tenant"), std::string::npos);
  sigil_error_free(err);
  EXPECT_EQ(sigil_options_resolve(o, nullptr, nullptr, nullptr), SIGIL_E_INVALID_ARGUMENT);
  sigil_options_free(o);
}

// sigil_options_describe: what a client would run with, where each setting
// came from, with credentials masked; a configuration error is part of the
// answer instead of a failure.
TEST(OptionsDescribe, SaysWhereEachSettingCameFromAndMasksCredentials) {
  setenv("SIGIL_AGENT_NAME", "from-env", 1);
  setenv("SIGIL_PROTOCOL", "htp", 1);  // invalid, but the protocol is set in code
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "http://127.0.0.1:9/api/v1/generations:export");
  sigil_options_set_auth_mode(o, SIGIL_AUTH_BEARER);
  sigil_options_set_auth_bearer_token(o, "s3cret-token");
  char *json = nullptr;
  size_t len = 0;
  ASSERT_EQ(sigil_options_describe(o, &json, &len, nullptr), SIGIL_OK);
  std::string doc(json, len);
  sigil_json_free(json);
  unsetenv("SIGIL_AGENT_NAME");
  unsetenv("SIGIL_PROTOCOL");
  for (const char *field :
       {R"("valid":true,"error":null)", R"("protocol":{"source":"option"})",
        R"("agent_name":{"source":"env","variable":"SIGIL_AGENT_NAME"})", R"("user_id":{"source":"default"})",
        R"("Authorization":"Bearer ****")", R"("agent_name":"from-env")", R"(SIGIL_PROTOCOL \"htp\")"}) {
    EXPECT_NE(doc.find(field), std::string::npos) << field << " in " << doc;
  }
  EXPECT_EQ(doc.find("s3cret"), std::string::npos) << doc;
  sigil_options_free(o);
}

TEST(OptionsDescribe, AnInvalidConfigurationIsDescribedNotRefused) {
  setenv("SIGIL_PROTOCOL", "htp", 1);
  char *json = nullptr;
  size_t len = 0;
  sigil_status_t st = sigil_options_describe(nullptr, &json, &len, nullptr);
  unsetenv("SIGIL_PROTOCOL");
  ASSERT_EQ(st, SIGIL_OK);
  std::string doc(json, len);
  sigil_json_free(json);
  for (const char *field : {R"("valid":false,"error":{"code":"SIGIL_E_CONFIG","message":"invalid SIGIL_PROTOCOL)",
                            R"("protocol":{"source":"env","variable":"SIGIL_PROTOCOL"})", R"("config":null)"}) {
    EXPECT_NE(doc.find(field), std::string::npos) << field << " in " << doc;
  }
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_options_describe(nullptr, nullptr, nullptr, &err), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sigil_error_message(err)).find("json_out"), std::string::npos);
  sigil_error_free(err);
}
