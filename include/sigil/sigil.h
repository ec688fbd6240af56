/*
 * libsigil — normalized LLM telemetry for any language.
 *
 * This header is the whole public contract of libsigil. Anything not declared
 * here (or in the generated sigil/version.h it includes) is not API.
 *
 * ---------------------------------------------------------------------------
 * Conventions used throughout
 * ---------------------------------------------------------------------------
 *
 * NOTE ON STRINGS. Every string is UTF-8. A `const char *` argument without a
 * length is NUL-terminated; a `(const char *, size_t)` pair is not and may
 * contain any valid UTF-8. Invalid UTF-8 is never sent: the call or the
 * recorder reports SIGIL_E_INVALID_UTF8 with the offending field's path.
 *
 * NOTE ON JSON. Complex values (messages, parts, tools, usage, tags, metadata,
 * artifacts) cross the ABI as JSON in the sigil.v1 protojson shape: snake_case
 * field names, enum names ("MESSAGE_ROLE_USER"), int64 as number or string.
 * As an extension, the bytes fields that hold JSON (`input_json`,
 * `content_json`, `input_schema_json`) also accept a JSON object or array in
 * place of the base64 string protojson would use. docs/abi-json.md describes
 * every accepted field.
 *
 * OWNERSHIP. Each function says one of:
 *  - "borrowed for the duration of the call": the library copies what it keeps;
 *  - "owned by the caller; free with sigil_X_free": the library returned it;
 *  - "owned by the library; valid until ...; do not free".
 * Every constructor has exactly one destructor, and every destructor accepts
 * NULL as a no-op.
 *
 * ERRORS. Functions return a sigil_status_t. Where more detail helps, an
 * optional `sigil_error_t **error` out-parameter receives an owned error
 * object (code + message); pass NULL to ignore it. No function aborts or
 * lets an exception escape; recording calls on a NULL handle are no-ops.
 *
 * THREADING. A sigil_client_t is fully thread-safe. A recorder
 * (sigil_generation_t, sigil_tool_execution_t, sigil_embedding_t) has one
 * owner at a time: calls on the same recorder must not overlap, but
 * recorders may move between threads. Options objects are not thread-safe.
 *
 * TIME. Timestamps are int64_t nanoseconds since the Unix epoch (UTC);
 * 0 means "now" or "unset" as each function says. Durations are uint32_t
 * milliseconds.
 *
 * VERSIONED STRUCTS. A struct whose first field is `version` is initialized
 * with its SIGIL_X_INIT macro or, where macros are out of reach (bindings),
 * its sigil_x_init() function: both give every field zero and `version` the
 * header's SIGIL_X_VERSION. Each init function returns
 * SIGIL_E_INVALID_ARGUMENT for NULL, else SIGIL_OK. A function that takes
 * such a struct returns SIGIL_E_INVALID_ARGUMENT for a NULL struct or a
 * version it does not accept; each says which versions it accepts.
 * (sigil_span_t is versioned but only ever filled by the library.)
 *
 * FOR BINDINGS. A few fields and functions exist only so that language
 * bindings can hand the engine what their runtime knows; C callers leave
 * them unset. They are marked "For bindings": the `context_*` fields of the
 * start structs (values from the binding's context mechanism),
 * sigil_options_set_sdk_name and sigil_options_set_sdk_language (SDK
 * identity stamping) and sigil_generation_content_capture_mode (passing a
 * generation's mode on to its tool executions).
 */
#ifndef SIGIL_SIGIL_H
#define SIGIL_SIGIL_H

#include <stddef.h>
#include <stdint.h>

#include "sigil/version.h"

#if defined(_WIN32) && defined(SIGIL_BUILDING_SHARED)
#define SIGIL_API __declspec(dllexport)
#elif defined(__GNUC__) && defined(SIGIL_BUILDING)
#define SIGIL_API __attribute__((visibility("default")))
#else
#define SIGIL_API
#endif

/* Versioned structs start zeroed with their version set. C gets a designated
 * initializer (no missing-initializer warnings); C++ value-initializes the
 * rest. The matching sigil_*_init() functions do the same at run time. */
#ifdef __cplusplus
#define SIGIL__VERSIONED_INIT(v) {v}
#else
#define SIGIL__VERSIONED_INIT(v) {.version = (v)}
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * Version
 * ======================================================================== */

/** The library's version as "MAJOR.MINOR.PATCH"; owned by the library; do
 *  not free. Compare with SIGIL_VERSION_STRING to detect a header/library
 *  mismatch. */
SIGIL_API const char *sigil_version_string(void);

/** The library's version as MAJOR * 10000 + MINOR * 100 + PATCH. */
SIGIL_API uint32_t sigil_version_number(void);

/** The ABI generation: bumped only when a symbol's meaning or a struct layout
 *  changes incompatibly (which also changes the SONAME). Bindings check it at
 *  load time against SIGIL_ABI_VERSION. */
SIGIL_API uint32_t sigil_abi_version(void);

/* ===========================================================================
 * Status codes and errors
 *
 * Values are pinned: they never change meaning and are never reused.
 *
 * One status per kind of failure:
 *  - SIGIL_E_INVALID_ARGUMENT: an argument the called function can reject
 *    by itself: a NULL required pointer or handle, a value outside the
 *    documented set (an unknown SIGIL_* constant or bit), a struct version it
 *    does not accept. Options setters check only this and UTF-8; a setter
 *    never returns SIGIL_E_CONFIG.
 *  - SIGIL_E_CONFIG: a configuration that cannot be resolved once options,
 *    SIGIL_* / OTEL_* environment and defaults are combined: a malformed
 *    endpoint or header, an auth mode without its credentials, a SIGIL_*
 *    environment value outside its accepted set (an unknown SIGIL_PROTOCOL,
 *    say). sigil_client_new reports it.
 *  - SIGIL_E_INVALID_UTF8 and SIGIL_E_INVALID_JSON: a malformed string or
 *    JSON value, whichever function finds it (an environment value too).
 * One exception is kept because callers may rely on it: a spool directory
 * that cannot be created, is not a directory, or is refused as shared with
 * other users fails sigil_client_new with SIGIL_E_INVALID_ARGUMENT (see
 * sigil_options_set_spool_dir).
 * ======================================================================== */

typedef uint32_t sigil_status_t;

#define SIGIL_OK 0u
/** A required argument was NULL or out of range, or a struct version is not
 *  accepted (see the rule above). */
#define SIGIL_E_INVALID_ARGUMENT 1u
/** The generation (or embedding, or score) failed validation; nothing was
 *  exported. */
#define SIGIL_E_VALIDATION 2u
/** The export queue is full (item count); the record was dropped. */
#define SIGIL_E_QUEUE_FULL 3u
/** The encoded record exceeds the payload limit; the record was dropped. */
#define SIGIL_E_PAYLOAD_TOO_LARGE 4u
/** The client is shut down (or shutting down); nothing was recorded. */
#define SIGIL_E_SHUTDOWN 5u
/** A string was not valid UTF-8. */
#define SIGIL_E_INVALID_UTF8 6u
/** A JSON argument did not parse or had the wrong shape. */
#define SIGIL_E_INVALID_JSON 7u
/** The configuration (options and SIGIL_* / OTEL_* environment together)
 *  cannot be resolved (see the rule above). */
#define SIGIL_E_CONFIG 8u
/** A deadline passed before the operation completed. */
#define SIGIL_E_TIMEOUT 9u
/** A network or protocol failure talking to a server. */
#define SIGIL_E_TRANSPORT 10u
/** The recorder was already ended. */
#define SIGIL_E_ALREADY_ENDED 11u
/** Memory could not be allocated. */
#define SIGIL_E_NO_MEMORY 12u
/** An internal invariant failed; please report it. */
#define SIGIL_E_INTERNAL 13u
/** The queue's byte budget is exhausted; the record was dropped. */
#define SIGIL_E_BYTE_BUDGET 14u
/** The server rejected the request as invalid (not retried). */
#define SIGIL_E_REJECTED 15u
/** A rating failed validation before it was sent. */
#define SIGIL_E_RATING_VALIDATION 16u
/** The server reported a conflicting rating with the same id (HTTP 409). */
#define SIGIL_E_RATING_CONFLICT 17u
/** The operation is not supported by this build or configuration. */
#define SIGIL_E_UNSUPPORTED 18u

/** An owned error: a status code and a human-readable message. */
typedef struct sigil_error sigil_error_t;

/** The error's status code. Returns SIGIL_OK for NULL. */
SIGIL_API sigil_status_t sigil_error_code(const sigil_error_t *error);

/** The error's message, NUL-terminated UTF-8; owned by the error; valid until
 *  sigil_error_free. Returns "" for NULL. */
SIGIL_API const char *sigil_error_message(const sigil_error_t *error);

/** Frees an error. NULL is a no-op. */
SIGIL_API void sigil_error_free(sigil_error_t *error);

/** A static, stable name for a status code ("SIGIL_E_QUEUE_FULL"); owned by
 *  the library; do not free. Unknown codes give "SIGIL_E_UNKNOWN". */
SIGIL_API const char *sigil_status_name(sigil_status_t status);

/* ===========================================================================
 * Options
 *
 * Explicit options win over SIGIL_* environment variables, which win over
 * defaults; resolution happens once, in sigil_client_new. Setters copy their
 * arguments (borrowed for the duration of the call). Every setter returns
 * SIGIL_E_INVALID_ARGUMENT for a NULL options object or a value outside the
 * documented set (the option is then left unchanged) and SIGIL_E_INVALID_UTF8
 * for invalid strings. What a setter cannot judge alone (endpoint syntax,
 * auth combinations, header characters) is checked by sigil_client_new,
 * which reports SIGIL_E_CONFIG naming the option or environment variable.
 *
 * Every endpoint (export, OTLP, Sigil API) obeys the same rules: no "?",
 * "#", space or control character, a port (when given) from 1 to 65535, an
 * IPv6 address in brackets when it has a port. Every header (export, OTLP;
 * ratings send the export headers) likewise: the name is an HTTP token, not
 * ":"-prefixed and not one the transport sets itself (Content-Length,
 * Transfer-Encoding, Host, TE, Content-Type, Connection, Keep-Alive,
 * Proxy-Connection, Upgrade, Expect); the value has no control character
 * but tab and is at most 64 KiB, all headers together at most 256 KiB.
 * SIGIL_HEADERS and OTEL_EXPORTER_OTLP_*HEADERS are comma-separated
 * name=value entries (the OTEL_* ones percent-decoded); an entry that is
 * not name=value, or breaks a rule, fails sigil_client_new.
 * ======================================================================== */

typedef struct sigil_options sigil_options_t;

/** Generation export protocol. */
#define SIGIL_PROTOCOL_GRPC 0u
#define SIGIL_PROTOCOL_HTTP 1u
#define SIGIL_PROTOCOL_NONE 2u

/** Generation export authentication mode. */
#define SIGIL_AUTH_NONE 0u
#define SIGIL_AUTH_TENANT 1u
#define SIGIL_AUTH_BEARER 2u
#define SIGIL_AUTH_BASIC 3u

/** Log levels passed to the logger callback. */
#define SIGIL_LOG_DEBUG 0u
#define SIGIL_LOG_INFO 1u
#define SIGIL_LOG_WARN 2u
#define SIGIL_LOG_ERROR 3u

/** Receives the library's background diagnostics (export failures, drops).
 *  `message` is borrowed for the duration of the call. Called from library
 *  threads; must not call back into the same client's flush or shutdown. */
typedef void (*sigil_log_fn)(void *user_data, uint32_t level,
                             const char *message, size_t message_len);

/** Creates an options object with every knob unset. The result is owned by
 *  the caller; free with sigil_options_free. */
SIGIL_API sigil_status_t sigil_options_new(sigil_options_t **out);

/** Frees an options object. NULL is a no-op. */
SIGIL_API void sigil_options_free(sigil_options_t *options);

/** Whether SIGIL_* / OTEL_* environment variables are consulted (default 1). */
SIGIL_API sigil_status_t sigil_options_set_use_environment(sigil_options_t *options, int enabled);

/** SIGIL_PROTOCOL_GRPC (default), _HTTP or _NONE. Env: SIGIL_PROTOCOL. */
SIGIL_API sigil_status_t sigil_options_set_protocol(sigil_options_t *options, uint32_t protocol);

/** Generation ingest endpoint: "host:port", "http://host:port[/path]",
 *  "https://...", "grpc://host:port". Default "localhost:4317".
 *  Env: SIGIL_ENDPOINT. For HTTP, "/api/v1/generations:export" is appended
 *  when the endpoint has no path. */
SIGIL_API sigil_status_t sigil_options_set_endpoint(sigil_options_t *options, const char *endpoint);

/** Plaintext (1) or TLS (0) for endpoints without an http/https scheme.
 *  Unset: plaintext only for loopback hosts, TLS otherwise, so credentials
 *  never travel in clear text by accident. Loopback means "localhost", a
 *  dotted-quad IPv4 address in 127.0.0.0/8 or [::1], as parsed: a host name
 *  that only starts with "127." (127.0.0.1.example.com) gets TLS. The same
 *  rule applies to the OTLP and Sigil API (ratings) endpoints.
 *  "http://" is always plaintext; "https://" always TLS with certificate
 *  verification. Env: SIGIL_INSECURE. */
SIGIL_API sigil_status_t sigil_options_set_insecure(sigil_options_t *options, int insecure);

/** TLS trust for the Sigil server (generation export over HTTP or gRPC, and
 *  ratings): a PEM bundle of CA certificates that replaces the system store
 *  (a private CA), and/or an OpenSSL hashed CA directory (c_rehash) searched
 *  as well. NULL unsets. Env: SIGIL_CA_FILE, then SSL_CERT_FILE;
 *  SIGIL_CA_DIR, then SSL_CERT_DIR. The OTLP exporter uses them too unless
 *  OTLP has its own (sigil_options_set_otlp_certificate). A file that cannot
 *  be read, or a directory that is not one, makes sigil_client_new fail with
 *  SIGIL_E_CONFIG naming the option or variable. Ignored for plaintext. */
SIGIL_API sigil_status_t sigil_options_set_ca_file(sigil_options_t *options, const char *path);
SIGIL_API sigil_status_t sigil_options_set_ca_dir(sigil_options_t *options, const char *path);

/** Client certificate for mutual TLS with the Sigil server (export and
 *  ratings; OTLP falls back to it): PEM certificate, and its PEM private key
 *  (unencrypted) when the certificate file does not hold it. NULL unsets.
 *  Env: SIGIL_CLIENT_CERT, SIGIL_CLIENT_KEY. Checked like the CA file; a key
 *  without a certificate is SIGIL_E_CONFIG. */
SIGIL_API sigil_status_t sigil_options_set_client_cert(sigil_options_t *options, const char *path);
SIGIL_API sigil_status_t sigil_options_set_client_key(sigil_options_t *options, const char *path);

/** Adds (or replaces, case-insensitively) one export header. Explicit headers
 *  win over the Authorization / X-Scope-OrgID headers derived from auth.
 *  Env: SIGIL_HEADERS ("k=v,k2=v2"). */
SIGIL_API sigil_status_t sigil_options_set_header(sigil_options_t *options, const char *name,
                                                  const char *value);

/** SIGIL_AUTH_NONE (default), _TENANT, _BEARER or _BASIC. Env: SIGIL_AUTH_MODE. */
SIGIL_API sigil_status_t sigil_options_set_auth_mode(sigil_options_t *options, uint32_t mode);
/** Tenant id (X-Scope-OrgID; basic-auth user fallback). Env: SIGIL_AUTH_TENANT_ID. */
SIGIL_API sigil_status_t sigil_options_set_auth_tenant_id(sigil_options_t *options, const char *tenant_id);
/** Bearer token (a leading "Bearer " is accepted). Env: SIGIL_AUTH_TOKEN. */
SIGIL_API sigil_status_t sigil_options_set_auth_bearer_token(sigil_options_t *options, const char *token);
/** Basic-auth user; the tenant id is used when unset. */
SIGIL_API sigil_status_t sigil_options_set_auth_basic_user(sigil_options_t *options, const char *user);
/** Basic-auth password. Env: SIGIL_AUTH_TOKEN (for mode basic). */
SIGIL_API sigil_status_t sigil_options_set_auth_basic_password(sigil_options_t *options, const char *password);

/** Default agent name, version and user id for records that set none
 *  (lowest precedence). Env: SIGIL_AGENT_NAME, SIGIL_AGENT_VERSION, SIGIL_USER_ID. */
SIGIL_API sigil_status_t sigil_options_set_agent_name(sigil_options_t *options, const char *name);
SIGIL_API sigil_status_t sigil_options_set_agent_version(sigil_options_t *options, const char *version);
SIGIL_API sigil_status_t sigil_options_set_user_id(sigil_options_t *options, const char *user_id);

/** Adds one client-wide tag, merged under every generation's own tags.
 *  Env: SIGIL_TAGS ("k=v,k2=v2"). */
SIGIL_API sigil_status_t sigil_options_set_tag(sigil_options_t *options, const char *key, const char *value);

/** For bindings: the SDK identity stamped as metadata `sigil.sdk.name`
 *  (default "sdk-c"). Bindings set their own ("sdk-python", "sdk-go", ...). */
SIGIL_API sigil_status_t sigil_options_set_sdk_name(sigil_options_t *options, const char *sdk_name);

/** Export batching, queueing and retry knobs (0 keeps the default).
 *  Defaults: batch 100 generations, flush interval 1000 ms, queue 2000
 *  generations and 64 MiB, 5 retries, backoff 100 ms doubling to 5000 ms
 *  with jitter, 10000 ms per attempt, payload limit 16 MiB. */
SIGIL_API sigil_status_t sigil_options_set_batch_size(sigil_options_t *options, uint32_t generations);
SIGIL_API sigil_status_t sigil_options_set_flush_interval_ms(sigil_options_t *options, uint32_t ms);
SIGIL_API sigil_status_t sigil_options_set_queue_size(sigil_options_t *options, uint32_t generations);
SIGIL_API sigil_status_t sigil_options_set_queue_max_bytes(sigil_options_t *options, uint64_t bytes);
/** Retries after the first attempt; use sigil_options_set_no_retries for 0. */
SIGIL_API sigil_status_t sigil_options_set_max_retries(sigil_options_t *options, uint32_t retries);
SIGIL_API sigil_status_t sigil_options_set_no_retries(sigil_options_t *options);
SIGIL_API sigil_status_t sigil_options_set_initial_backoff_ms(sigil_options_t *options, uint32_t ms);
SIGIL_API sigil_status_t sigil_options_set_max_backoff_ms(sigil_options_t *options, uint32_t ms);
SIGIL_API sigil_status_t sigil_options_set_attempt_timeout_ms(sigil_options_t *options, uint32_t ms);
SIGIL_API sigil_status_t sigil_options_set_payload_max_bytes(sigil_options_t *options, uint64_t bytes);

/** Receives background diagnostics. Without a logger, warnings and errors go
 *  to stderr ("sigil warn: ..."), at most 10 lines a minute per client (then
 *  one line says how many were held back; the shutdown accounts of lost or
 *  rejected data are never held back), and with SIGIL_DEBUG info and debug
 *  lines too, without the limit. A logger that ignores what it is given
 *  silences the library.
 *  `user_data` is borrowed until the client is freed. */
SIGIL_API sigil_status_t sigil_options_set_logger(sigil_options_t *options, sigil_log_fn fn,
                                                  void *user_data);

/** Log debug-level diagnostics too (default 0). Env: SIGIL_DEBUG. */
SIGIL_API sigil_status_t sigil_options_set_debug(sigil_options_t *options, int debug);

/* ---------------------------------------------------------------------------
 * Custom generation exporter
 *
 * Instead of a Sigil server, generations can go to the host's own callback:
 * a sink of its own, or a test that captures them. The callback takes the
 * place of the HTTP/gRPC transport and nothing else changes: records are
 * batched (batch size, flush interval), passed through the privacy pass,
 * encoded, retried with backoff, spooled, counted in sigil_client_stats, and
 * drained by flush and shutdown exactly as with the built-in transports.
 * ------------------------------------------------------------------------ */

/** Per-item results of one exporter call; owned by the library, valid only
 *  during that call. */
typedef struct sigil_export_results sigil_export_results_t;

/** The exporter callback. Called on the client's export worker thread (never
 *  on a recording thread), one call at a time, with one batch: `json`
 *  (`json_len` bytes, NUL-terminated, borrowed for the duration of the call)
 *  is a sigil.v1 ExportGenerationsRequest in protojson,
 *  {"generations": [Generation, ...]}, each generation in the form
 *  sigil_provider_map_generation returns (docs/abi-json.md). Return:
 *   - SIGIL_OK: the batch was taken. Generations reported through
 *     sigil_export_results_add with accepted = 0 count as rejected (and are
 *     logged); every other generation counts as exported;
 *   - SIGIL_E_REJECTED: the whole batch is refused; not retried;
 *   - any other status: the attempt failed and is retried with backoff (then
 *     spooled or dropped, as a transport failure is).
 *  sigil_export_results_set_message gives the reason for the log. A
 *  callback still running when a shutdown deadline passes is waited for. It
 *  must not call flush or shutdown on the same client. */
typedef sigil_status_t (*sigil_generation_exporter_fn)(void *user_data, const char *json,
                                                      size_t json_len,
                                                      sigil_export_results_t *results);

/** Sends every generation to `fn` instead of a server; it wins over the
 *  protocol and endpoint (NULL removes it). `user_data` is borrowed until
 *  the client is freed. */
SIGIL_API sigil_status_t sigil_options_set_generation_exporter(sigil_options_t *options,
                                                               sigil_generation_exporter_fn fn,
                                                               void *user_data);

/** Reports one generation's result from inside the exporter callback, as an
 *  ingest server's ExportGenerationResult does: its id, whether it was
 *  accepted, and why not. Strings are borrowed for the duration of the call
 *  (`error` may be NULL with length 0). SIGIL_E_INVALID_ARGUMENT for NULL
 *  `results` or `generation_id`; SIGIL_E_INVALID_UTF8 for invalid strings. */
SIGIL_API sigil_status_t sigil_export_results_add(sigil_export_results_t *results,
                                                  const char *generation_id, size_t id_len,
                                                  int accepted, const char *error,
                                                  size_t error_len);

/** Sets the reason logged for a failed or refused batch (the last call
 *  wins). Borrowing and errors as sigil_export_results_add. */
SIGIL_API sigil_status_t sigil_export_results_set_message(sigil_export_results_t *results,
                                                          const char *message, size_t len);

/** Resolves `options` (NULL: none) with the environment and the defaults and
 *  validates the result exactly as sigil_client_new does, without creating
 *  a client, and returns the resolved configuration as a JSON object:
 *  {"generation_export": {"protocol", "endpoint", "insecure" (absent when
 *  unset), "headers" (including those derived from auth), "batch_size",
 *  "flush_interval_ms", "queue_size", "queue_max_bytes", "max_retries",
 *  "initial_backoff_ms", "max_backoff_ms", "attempt_timeout_ms",
 *  "payload_max_bytes"}, "api": {"endpoint"}, "embedding_capture":
 *  {"capture_input", "max_input_items", "max_text_length"}, "agent_name",
 *  "agent_version", "user_id", "tags", "debug", "content_capture",
 *  "otlp_traces_endpoint", "otlp_metrics_endpoint"}. On success `*json_out`
 *  (NUL-terminated; `*json_len`, which may be NULL, receives its length) is
 *  owned by the caller; free with sigil_json_free. Errors as
 *  sigil_client_new (SIGIL_E_CONFIG with `*error` saying what is wrong). */
SIGIL_API sigil_status_t sigil_options_resolve(const sigil_options_t *options, char **json_out,
                                               size_t *json_len, sigil_error_t **error);

/** Describes what `options` (NULL: none) resolve to with the environment and
 *  the defaults, for people (`sigil doctor`): the resolution of
 *  sigil_options_resolve, which never fails here, as a JSON object
 *  {"valid": bool, "error": {"code" (a status name), "message"} or null,
 *  "warnings": [the warnings resolution logged, e.g. an invalid environment
 *  variable a setting in code overrides], "sources": {setting: {"source":
 *  "option" | "env" | "default", "variable" (with "env": the environment
 *  variable it came from)}}, "config": the object sigil_options_resolve
 *  returns, with credential headers (Authorization, Cookie, names with key,
 *  token, secret or password) masked as "<scheme> ****", or null when not
 *  valid, "export_target": where generations go as the transport connects,
 *  {"tls": bool, "authority": "host:port", "path"}, or null when the
 *  configuration is not valid, the protocol is none or an exporter callback
 *  replaces the server}. The settings in "sources" are protocol, endpoint, insecure,
 *  headers, auth_mode, auth_tenant_id, auth_token, ca_file, api_endpoint,
 *  agent_name, agent_version, user_id, tags, content_capture, debug,
 *  spool_dir, otlp_traces_endpoint, otlp_metrics_endpoint and service_name.
 *  Warnings go into the answer, not to the logger `options` name. On
 *  success `*json_out` (NUL-terminated; `*json_len`, which may be NULL,
 *  receives its length) is owned by the caller; free with sigil_json_free.
 *  SIGIL_E_INVALID_ARGUMENT for a NULL `json_out`; `*error` (optional, owned
 *  by the caller; free with sigil_error_free) says which. */
SIGIL_API sigil_status_t sigil_options_describe(const sigil_options_t *options, char **json_out,
                                                size_t *json_len, sigil_error_t **error);

/* ===========================================================================
 * Client
 * ======================================================================== */

typedef struct sigil_client sigil_client_t;

/** Creates a client: resolves options + environment + defaults, validates
 *  them, and starts one background export worker.
 *  `options` is borrowed for the duration of the call and may be NULL
 *  (environment and defaults only). On success `*out` is owned by the caller;
 *  free with sigil_client_free. On failure `*out` is NULL and `*error` (if
 *  given) says what is wrong: SIGIL_E_CONFIG for a configuration that cannot
 *  be resolved, SIGIL_E_INVALID_UTF8 for an environment value that is not
 *  UTF-8, SIGIL_E_INVALID_ARGUMENT for a NULL `out` or a spool directory
 *  that cannot be created (see Status codes). */
SIGIL_API sigil_status_t sigil_client_new(const sigil_options_t *options, sigil_client_t **out,
                                          sigil_error_t **error);

/** Blocks until every record ended before the call has been finished (see
 *  sigil_generation_end) and every generation delivered or dropped, or
 *  until `timeout_ms` passes (SIGIL_E_TIMEOUT). Drops are
 *  reported through the logger and sigil_client_stats. With OTLP export
 *  configured, queued spans and a metrics snapshot are then sent within the
 *  same deadline (see Telemetry). Returns SIGIL_E_SHUTDOWN after shutdown. */
SIGIL_API sigil_status_t sigil_client_flush(sigil_client_t *client, uint32_t timeout_ms,
                                            sigil_error_t **error);

/** Stops accepting records, finishes the ones already ended and flushes
 *  within `timeout_ms` (generations, then spans and a final metrics
 *  export), then stops the workers. What could not be finished or
 *  delivered by the deadline is dropped and counted (reason
 *  shutdown_timeout); the return is SIGIL_E_TIMEOUT then.
 *  Idempotent: later calls return SIGIL_OK at once. */
SIGIL_API sigil_status_t sigil_client_shutdown(sigil_client_t *client, uint32_t timeout_ms,
                                               sigil_error_t **error);

/** Shuts the client down (5 s deadline) if it is still running, then frees
 *  it. Recorders still open become no-ops. NULL is a no-op. */
SIGIL_API void sigil_client_free(sigil_client_t *client);

/** Export counters since the client started. */
typedef struct sigil_stats {
  uint32_t version; /* set to SIGIL_STATS_VERSION before the call */
  uint64_t generations_enqueued;
  uint64_t generations_exported;   /* accepted by the server */
  uint64_t generations_rejected;   /* refused by the server (per item or request) */
  uint64_t dropped_queue_full;
  uint64_t dropped_byte_budget;
  uint64_t dropped_payload_too_large;
  uint64_t dropped_retry_exhausted;
  uint64_t dropped_shutdown_timeout;
  uint64_t validation_failures;    /* refused at end: invalid or malformed input */
  uint64_t export_attempts;
  uint64_t export_retries;
  uint64_t queue_items;            /* currently queued */
  uint64_t queue_bytes;            /* currently queued, estimated */
  /* --- version 2 --- */
  uint64_t dropped_spool_full;     /* the spool's byte or age budget refused it */
  uint64_t dropped_total;          /* the sum of every dropped_* counter */
  uint64_t generations_spooled;    /* written to the spool (intermediate; see below) */
  uint64_t generations_replayed;   /* delivered from the spool and accepted */
  /* --- version 3: spans and metrics (OTLP export; see docs/telemetry.md) --- */
  uint64_t spans_exported;         /* accepted by the OTLP receiver */
  uint64_t spans_dropped;          /* lost: queue full, refused, retries over, shutdown deadline */
  uint64_t metric_exports_failed;  /* metrics exports that did not reach the receiver (and were not spooled) */
  /* --- version 4: telemetry kept in the spool (see docs/telemetry.md) --- */
  uint64_t spans_spooled;            /* written to the spool instead of being dropped */
  uint64_t spans_replayed;           /* delivered from the spool (by this client) and accepted */
  uint64_t metric_exports_spooled;   /* final metrics snapshots written to the spool */
  uint64_t metric_exports_replayed;  /* snapshots delivered from the spool (by this client) */
  /* --- version 5: evaluation scores (see Scores below and docs/scores.md) --- */
  uint64_t scores_enqueued;          /* taken by sigil_client_submit_score */
  uint64_t scores_exported;          /* accepted by the server (a known score id too) */
  uint64_t scores_rejected;          /* refused by the server (per item or request) */
  uint64_t scores_dropped;           /* queue full, retries over, or shutdown deadline */
  uint64_t score_export_attempts;
  uint64_t score_export_retries;
  /* --- version 6: cost and sampling (see docs/cost.md, docs/sampling.md) --- */
  uint64_t generations_unpriced;             /* usage (or an estimate) but no price for the model */
  uint64_t generations_export_sampled_out;   /* not exported: outside the export sample */
  uint64_t generations_content_sampled_out;  /* exported metadata-only: outside the content sample */
} sigil_stats_t;

/* Version 1 to 4 callers (without the later fields) keep working: the
 * library writes only the fields of the version the caller set. Accounting: every generation
 * that reached the exporter (sigil_generation_end returned SIGIL_OK or a
 * queue_full / byte_budget / payload_too_large status) ends in exactly one of
 * generations_exported, generations_replayed, generations_rejected or a
 * dropped_* reason. generations_spooled is an intermediate state, not one of
 * them: it counts records written to the spool, each of which later ends, in
 * the client that replays it (this one, or a later process on the same
 * directory), in exactly one of generations_replayed (accepted),
 * generations_rejected or dropped_spool_full (too old). So with a spool, a
 * client that has replayed all it spooled has exported + replayed + rejected
 * + dropped_total equal to the generations it was given (spooled records
 * still waiting make up the difference), and spooled is never added to that
 * sum. A per-item answer saying the server already stores the generation
 * ("generation already exists": a retried or replayed batch) counts as
 * exported (replayed), not rejected. */
#define SIGIL_STATS_VERSION 6u
#define SIGIL_STATS_INIT {SIGIL_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

/** Initializes `*stats` exactly as SIGIL_STATS_INIT does. Returns
 *  SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_stats_init(sigil_stats_t *stats);

/** Fills `*out` (caller-owned, with `version` set to 1 to 6), counting every
 *  record ended before the call. Thread-safe. A NULL client or `out`, or
 *  another version, is SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_client_stats(const sigil_client_t *client, sigil_stats_t *out);

/* ===========================================================================
 * Generations
 *
 * Lifecycle: sigil_generation_start[_streaming] -> set result / call error /
 * first token (any order, any number of times; the last wins) ->
 * sigil_generation_end -> sigil_generation_free.
 *
 * Identity resolution (explicit > context > metadata > client default):
 * conversation id, conversation title, user id, agent name and version.
 * Bindings pass their language's context values in the `context_*` fields
 * (marked "For bindings"); C callers leave them NULL.
 * ======================================================================== */

typedef struct sigil_generation sigil_generation_t;

/** Optional values are present when their `has_` flag is non-zero. */
typedef struct sigil_generation_start {
  uint32_t version; /* SIGIL_GENERATION_START_VERSION */
  const char *id;   /* generation id; generated ("gen_" + 16 hex) when NULL */
  const char *conversation_id;
  const char *conversation_title;
  const char *user_id;
  const char *agent_name;
  const char *agent_version;
  const char *operation_name; /* default "generateText" / "streamText" by mode */
  const char *model_provider; /* required by validation at end */
  const char *model_name;     /* required by validation at end */
  const char *system_prompt;
  int has_max_tokens;
  int64_t max_tokens;
  int has_temperature;
  double temperature;
  int has_top_p;
  double top_p;
  const char *tool_choice; /* NULL = unset */
  int has_thinking_enabled;
  int thinking_enabled;
  /* JSON array of sigil.v1 ToolDefinition objects. */
  const char *tools_json;
  size_t tools_json_len;
  /* JSON object of string -> string. */
  const char *tags_json;
  size_t tags_json_len;
  /* JSON object of string -> any JSON value. */
  const char *metadata_json;
  size_t metadata_json_len;
  int64_t started_at_ns; /* 0 = now */
  /* --- For bindings: values from the binding's context mechanism, below
   * the explicit fields above in precedence. C callers leave them NULL. --- */
  const char *context_conversation_id;
  const char *context_conversation_title;
  const char *context_user_id;
  const char *context_agent_name;
  const char *context_agent_version;
  /* --- end of the fields for bindings --- */
  /* W3C traceparent of the parent span; NULL starts a new trace. */
  const char *parent_traceparent;
  /* Version 2: per-call content capture mode (SIGIL_CONTENT_CAPTURE_*;
   * DEFAULT defers to the resolver and the client). See Privacy. */
  uint32_t content_capture;
  /* Version 3: non-zero when `parent_traceparent` names a span of this
   * process (a recorder's own traceparent, or the host tracer's current span
   * that did not itself arrive from outside). 0, the default, marks the
   * parent remote: a traceparent propagated from another process. Exported
   * spans carry it in their flags (OTLP's "parent is remote" bit). */
  int parent_is_local;
  /* Version 4: W3C traceparent of this recorder's own span, for a span the
   * host tracer started for it (host telemetry pipeline: see Telemetry). Its
   * trace id, span id and sampled flag become the recorder's: the exported
   * generation, the span callback's span and sigil_generation_traceparent
   * carry them, and a sampled flag 00 suppresses the span as a parent's
   * does. Its trace id must be the parent's when both are set. NULL: the
   * library makes the ids. */
  const char *span_traceparent;
} sigil_generation_start_t;

/* Versions 1 (without content_capture), 2 (without parent_is_local) and 3
 * (without span_traceparent) are still accepted; their parent is remote. */
#define SIGIL_GENERATION_START_VERSION 4u
#define SIGIL_GENERATION_START_INIT SIGIL__VERSIONED_INIT(SIGIL_GENERATION_START_VERSION)

/** Initializes `*start` exactly as SIGIL_GENERATION_START_INIT does. Returns
 *  SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_generation_start_init(sigil_generation_start_t *start);

/** Starts a synchronous generation (mode SYNC, operation "generateText").
 *  `start` and everything it points to are borrowed for the duration of the
 *  call. On success `*out` is owned by the caller; free with
 *  sigil_generation_free. With a NULL client, a NULL `start` or a `version`
 *  outside 1..SIGIL_GENERATION_START_VERSION, `*out` is a no-op recorder and
 *  the return is SIGIL_E_INVALID_ARGUMENT; with a shut-down client the return
 *  is SIGIL_E_SHUTDOWN and sigil_generation_end reports it again. A NULL
 *  `out` is SIGIL_E_INVALID_ARGUMENT.
 *  Malformed start fields (JSON, UTF-8) are kept as the recorder's error and
 *  reported by sigil_generation_end. */
SIGIL_API sigil_status_t sigil_generation_start(sigil_client_t *client,
                                                const sigil_generation_start_t *start,
                                                sigil_generation_t **out);

/** As sigil_generation_start, for streaming calls (mode STREAM,
 *  operation "streamText"). */
SIGIL_API sigil_status_t sigil_generation_start_streaming(sigil_client_t *client,
                                                          const sigil_generation_start_t *start,
                                                          sigil_generation_t **out);

/** Sets the result from JSON in the sigil.v1 Generation protojson shape: any
 *  of input, output, usage, stop_reason, response_id, response_model, tags,
 *  metadata, raw_artifacts, agent_name, agent_version, conversation_id, model,
 *  system_prompt, tools, max_tokens, temperature, top_p, tool_choice,
 *  thinking_enabled, parent_generation_ids, effective_version, started_at,
 *  completed_at, plus conversation_title and user_id. Non-empty result fields
 *  win over start fields; tags and metadata merge (result keys win).
 *  `json` is borrowed for the duration of the call. A parse or UTF-8 failure
 *  is returned and also kept as the recorder's error (the generation will not
 *  be exported). */
SIGIL_API sigil_status_t sigil_generation_set_result_json(sigil_generation_t *generation,
                                                          const char *json, size_t json_len);

/** Message roles. */
#define SIGIL_ROLE_USER 1u
#define SIGIL_ROLE_ASSISTANT 2u
#define SIGIL_ROLE_TOOL 3u

/** Which side of the call a message belongs to. */
#define SIGIL_INPUT 0u
#define SIGIL_OUTPUT 1u

/** Typed result helpers for C callers. Each appends to the result the same
 *  way the JSON form would. Strings are borrowed for the duration of the
 *  call; `name` may be NULL. Parts attach to the last message added on the
 *  same side; adding a part before any message is SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_generation_add_message(sigil_generation_t *generation, uint32_t side,
                                                      uint32_t role, const char *name);
SIGIL_API sigil_status_t sigil_generation_add_text(sigil_generation_t *generation, uint32_t side,
                                                   const char *text, size_t text_len);
SIGIL_API sigil_status_t sigil_generation_add_thinking(sigil_generation_t *generation, uint32_t side,
                                                       const char *thinking, size_t thinking_len);
SIGIL_API sigil_status_t sigil_generation_add_tool_call(sigil_generation_t *generation, uint32_t side,
                                                        const char *id, const char *name,
                                                        const char *input_json, size_t input_json_len);
SIGIL_API sigil_status_t sigil_generation_add_tool_result(sigil_generation_t *generation, uint32_t side,
                                                          const char *tool_call_id, const char *name,
                                                          const char *content, size_t content_len,
                                                          int is_error);
SIGIL_API sigil_status_t sigil_generation_add_media(sigil_generation_t *generation, uint32_t side,
                                                    const char *kind, const char *url,
                                                    const char *mime_type, const char *name);

/** Token counters; zero counters are omitted. total is input + output when 0. */
typedef struct sigil_token_usage {
  uint32_t version; /* SIGIL_TOKEN_USAGE_VERSION */
  int64_t input_tokens;
  int64_t output_tokens;
  int64_t total_tokens;
  int64_t cache_read_input_tokens;
  int64_t cache_write_input_tokens;
  int64_t cache_creation_input_tokens; /* spans and metrics only */
  int64_t reasoning_tokens;
} sigil_token_usage_t;

#define SIGIL_TOKEN_USAGE_VERSION 1u
#define SIGIL_TOKEN_USAGE_INIT {SIGIL_TOKEN_USAGE_VERSION, 0, 0, 0, 0, 0, 0, 0}

/** Initializes `*usage` exactly as SIGIL_TOKEN_USAGE_INIT does. Returns
 *  SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_token_usage_init(sigil_token_usage_t *usage);

/** Sets the token counters. `usage` is borrowed for the duration of the
 *  call. A NULL `usage`, or one whose `version` is not
 *  SIGIL_TOKEN_USAGE_VERSION, is SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_generation_set_usage(sigil_generation_t *generation,
                                                    const sigil_token_usage_t *usage);

/** Response identity and stop reason; NULL leaves a value unchanged. */
SIGIL_API sigil_status_t sigil_generation_set_response(sigil_generation_t *generation,
                                                       const char *response_id,
                                                       const char *response_model,
                                                       const char *stop_reason);

/** Agent identity known only once the call returns (wins over start). */
SIGIL_API sigil_status_t sigil_generation_set_agent(sigil_generation_t *generation,
                                                    const char *agent_name,
                                                    const char *agent_version);

/** Adds one tag or one string metadata entry to the result. */
SIGIL_API sigil_status_t sigil_generation_set_tag(sigil_generation_t *generation, const char *key,
                                                  const char *value);
SIGIL_API sigil_status_t sigil_generation_set_metadata_string(sigil_generation_t *generation,
                                                              const char *key, const char *value);

/** Records that the provider call failed. The generation is still exported,
 *  with `call_error` and metadata `call_error` set to the message.
 *  `http_status` (0 if unknown) classifies error.category; without it the
 *  message is searched for a status code. */
SIGIL_API sigil_status_t sigil_generation_set_call_error(sigil_generation_t *generation,
                                                         const char *message, size_t message_len,
                                                         int32_t http_status);

/** Records when the first streamed token arrived (0 = now). */
SIGIL_API sigil_status_t sigil_generation_set_first_token_at(sigil_generation_t *generation,
                                                             int64_t unix_ns);

/** Ends the generation: resolves identity, validates, stamps SDK identity,
 *  and takes its place in the export queue. The privacy pass, the span, the
 *  metrics and the enqueue itself then run on a background thread of the
 *  client (on this thread when a span callback or a sanitizer is configured;
 *  see docs/conventions.md). Never blocks on I/O, except in the write-ahead
 *  spool mode (sigil_options_set_spool_mode), where all of it runs on this
 *  thread and end returns only once the generation is written to the spool
 *  (and, with sync policy batch or record, flushed to disk by a group
 *  commit shared with concurrent end calls). Returns the local error,
 *  if any: SIGIL_E_VALIDATION, SIGIL_E_INVALID_UTF8, SIGIL_E_INVALID_JSON,
 *  SIGIL_E_QUEUE_FULL, SIGIL_E_BYTE_BUDGET, SIGIL_E_PAYLOAD_TOO_LARGE,
 *  SIGIL_E_SHUTDOWN, or SIGIL_E_ALREADY_ENDED on a second call. `*error`
 *  (optional) is owned by the caller; free with sigil_error_free.
 *  A provider call error is not a local error. NULL is a no-op (SIGIL_OK). */
SIGIL_API sigil_status_t sigil_generation_end(sigil_generation_t *generation, sigil_error_t **error);

/** The generation id; owned by the recorder; valid until sigil_generation_free. */
SIGIL_API const char *sigil_generation_id(const sigil_generation_t *generation);

/** Writes this generation's W3C traceparent ("00-<trace>-<span>-01", 55
 *  characters plus NUL) into `buf`. `buf_len` must be at least 56. */
SIGIL_API sigil_status_t sigil_generation_traceparent(const sigil_generation_t *generation,
                                                      char *buf, size_t buf_len);

/** Ends the generation if needed (discarding its error), then frees it.
 *  A recorder freed without end is a bug in the caller (its end time is
 *  late): the client warns once through the logger. NULL is a no-op. */
SIGIL_API void sigil_generation_free(sigil_generation_t *generation);

/** Validates a generation given as sigil.v1 protojson with the same rules end
 *  applies. Returns SIGIL_OK or the error (with `*error` if given). */
SIGIL_API sigil_status_t sigil_validate_generation_json(const char *json, size_t json_len,
                                                        sigil_error_t **error);

/** For bindings: recorders of this client keep the generation as end
 *  normalized it (identity resolved, defaults and SDK metadata applied, ids
 *  and times set; before the content capture and redaction pass), for
 *  sigil_generation_last_json. Costs one encoding per generation (default 0). */
SIGIL_API sigil_status_t sigil_options_set_keep_last_generation(sigil_options_t *options, int keep);

/** The generation as sigil_generation_end normalized it, also when it was
 *  not exported (protocol none, a validation failure), as sigil.v1 protojson
 *  in the form sigil_provider_map_generation returns. `*json_out` is NULL
 *  (and SIGIL_OK returned) when there is none: before end, for a no-op
 *  recorder, or without sigil_options_set_keep_last_generation. Otherwise
 *  `*json_out` (NUL-terminated; `*json_len`, which may be NULL, receives its
 *  length) is owned by the caller; free with sigil_json_free.
 *  SIGIL_E_INVALID_ARGUMENT for a NULL `generation` or `json_out`. */
SIGIL_API sigil_status_t sigil_generation_last_json(const sigil_generation_t *generation,
                                                    char **json_out, size_t *json_len,
                                                    sigil_error_t **error);

/* ===========================================================================
 * Tool executions (spans and metrics only; no generation export)
 * ======================================================================== */

typedef struct sigil_tool_execution sigil_tool_execution_t;

typedef struct sigil_tool_execution_start {
  uint32_t version; /* SIGIL_TOOL_EXECUTION_START_VERSION */
  const char *tool_name; /* required; a blank name yields a no-op recorder */
  const char *tool_call_id;
  const char *tool_type;
  const char *tool_description;
  const char *conversation_id;
  const char *conversation_title;
  const char *agent_name;
  const char *agent_version;
  const char *request_model;    /* the model that asked for the tool call */
  const char *request_provider; /* the provider that served that model */
  int include_content;          /* capture arguments and result on the span */
  int64_t started_at_ns;        /* 0 = now */
  /* --- For bindings: values from the binding's context mechanism, below
   * the explicit fields above in precedence. C callers leave them NULL. --- */
  const char *context_conversation_id;
  const char *context_conversation_title;
  const char *context_agent_name;
  const char *context_agent_version;
  /* --- end of the fields for bindings --- */
  const char *parent_traceparent; /* as for generations */
  /* Version 2: per-call content capture mode (SIGIL_CONTENT_CAPTURE_*).
   * Bindings pass the enclosing generation's mode here. See Privacy. */
  uint32_t content_capture;
  int parent_is_local; /* version 3; as for generations */
  const char *span_traceparent; /* version 4; as for generations */
} sigil_tool_execution_start_t;

/* Versions 1 (without content_capture), 2 (without parent_is_local) and 3
 * (without span_traceparent) are still accepted; their parent is remote. */
#define SIGIL_TOOL_EXECUTION_START_VERSION 4u
#define SIGIL_TOOL_EXECUTION_START_INIT SIGIL__VERSIONED_INIT(SIGIL_TOOL_EXECUTION_START_VERSION)

/** Initializes `*start` exactly as SIGIL_TOOL_EXECUTION_START_INIT does.
 *  Returns SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_tool_execution_start_init(sigil_tool_execution_start_t *start);

/** Starts a tool execution. Borrowing and no-op rules as for generations
 *  (versions 1..SIGIL_TOOL_EXECUTION_START_VERSION). */
SIGIL_API sigil_status_t sigil_tool_execution_start(sigil_client_t *client,
                                                    const sigil_tool_execution_start_t *start,
                                                    sigil_tool_execution_t **out);

/** Tool arguments and result; each may be JSON or plain text (plain text is
 *  captured as a JSON string). `completed_at_ns` 0 means "at end". */
SIGIL_API sigil_status_t sigil_tool_execution_set_result(sigil_tool_execution_t *execution,
                                                         const char *arguments, size_t arguments_len,
                                                         const char *result, size_t result_len,
                                                         int64_t completed_at_ns);

/** Records that the tool failed. `http_status` as for generations. */
SIGIL_API sigil_status_t sigil_tool_execution_set_error(sigil_tool_execution_t *execution,
                                                        const char *message, size_t message_len,
                                                        int32_t http_status);

/** Ends the execution. Returns SIGIL_OK (a tool failure is not a local
 *  error), the first malformed-input error recorded (SIGIL_E_INVALID_UTF8,
 *  SIGIL_E_INVALID_ARGUMENT), SIGIL_E_SHUTDOWN, or SIGIL_E_ALREADY_ENDED. */
SIGIL_API sigil_status_t sigil_tool_execution_end(sigil_tool_execution_t *execution,
                                                  sigil_error_t **error);

SIGIL_API sigil_status_t sigil_tool_execution_traceparent(const sigil_tool_execution_t *execution,
                                                          char *buf, size_t buf_len);

/** Ends the execution if needed (warning once per client, as
 *  sigil_generation_free), then frees it. NULL is a no-op. */
SIGIL_API void sigil_tool_execution_free(sigil_tool_execution_t *execution);

/* ===========================================================================
 * Embeddings (spans and metrics only; no generation export)
 * ======================================================================== */

typedef struct sigil_embedding sigil_embedding_t;

typedef struct sigil_embedding_start {
  uint32_t version; /* SIGIL_EMBEDDING_START_VERSION */
  const char *model_provider;
  const char *model_name;
  const char *agent_name;
  const char *agent_version;
  int has_dimensions;
  int64_t dimensions;
  const char *encoding_format;
  int64_t started_at_ns; /* 0 = now */
  /* --- For bindings: values from the binding's context mechanism, below
   * the explicit fields above in precedence. C callers leave them NULL. --- */
  const char *context_agent_name;
  const char *context_agent_version;
  /* --- end of the fields for bindings --- */
  const char *parent_traceparent; /* as for generations */
  /* Version 2: per-call content capture mode (SIGIL_CONTENT_CAPTURE_*). */
  uint32_t content_capture;
  int parent_is_local; /* version 3; as for generations */
  const char *span_traceparent; /* version 4; as for generations */
} sigil_embedding_start_t;

/* Versions 1 (without content_capture), 2 (without parent_is_local) and 3
 * (without span_traceparent) are still accepted; their parent is remote. */
#define SIGIL_EMBEDDING_START_VERSION 4u
#define SIGIL_EMBEDDING_START_INIT SIGIL__VERSIONED_INIT(SIGIL_EMBEDDING_START_VERSION)

/** Initializes `*start` exactly as SIGIL_EMBEDDING_START_INIT does. Returns
 *  SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_embedding_start_init(sigil_embedding_start_t *start);

typedef struct sigil_embedding_result {
  uint32_t version; /* SIGIL_EMBEDDING_RESULT_VERSION */
  int64_t input_count;
  int64_t input_tokens;
  const char *response_model;
  int has_dimensions;
  int64_t dimensions;
  /* Input texts, captured on the span only when embedding capture is on. */
  const char *const *input_texts;
  size_t input_texts_count;
} sigil_embedding_result_t;

#define SIGIL_EMBEDDING_RESULT_VERSION 1u
#define SIGIL_EMBEDDING_RESULT_INIT SIGIL__VERSIONED_INIT(SIGIL_EMBEDDING_RESULT_VERSION)

/** Initializes `*result` exactly as SIGIL_EMBEDDING_RESULT_INIT does.
 *  Returns SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_embedding_result_init(sigil_embedding_result_t *result);

/** Starts an embedding. Borrowing and no-op rules as for generations
 *  (versions 1..SIGIL_EMBEDDING_START_VERSION). */
SIGIL_API sigil_status_t sigil_embedding_start(sigil_client_t *client,
                                               const sigil_embedding_start_t *start,
                                               sigil_embedding_t **out);
/** Sets the result; `result` and everything it points to are borrowed for
 *  the duration of the call. NULL and no-op recorders return SIGIL_OK;
 *  otherwise a NULL `result`, or one whose `version` is not
 *  SIGIL_EMBEDDING_RESULT_VERSION, is SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_embedding_set_result(sigil_embedding_t *embedding,
                                                    const sigil_embedding_result_t *result);
SIGIL_API sigil_status_t sigil_embedding_set_call_error(sigil_embedding_t *embedding,
                                                        const char *message, size_t message_len,
                                                        int32_t http_status);
/** Ends the embedding; returns SIGIL_E_VALIDATION for an invalid start or
 *  result (reference rules), else SIGIL_OK, or SIGIL_E_ALREADY_ENDED. */
SIGIL_API sigil_status_t sigil_embedding_end(sigil_embedding_t *embedding, sigil_error_t **error);
SIGIL_API sigil_status_t sigil_embedding_traceparent(const sigil_embedding_t *embedding, char *buf,
                                                     size_t buf_len);
/** Ends the embedding if needed (warning once per client, as
 *  sigil_generation_free), then frees it. NULL is a no-op. */
SIGIL_API void sigil_embedding_free(sigil_embedding_t *embedding);

/** Validates an embedding start or result with the rules sigil_embedding_end
 *  applies, without a recorder: SIGIL_OK, or SIGIL_E_VALIDATION with the
 *  reference's message in `*error` ("embedding.model.name is required",
 *  "embedding.dimensions must be > 0", ...). The struct is borrowed for the
 *  duration of the call; SIGIL_E_INVALID_ARGUMENT for NULL or an unknown
 *  version, SIGIL_E_INVALID_UTF8 for invalid strings. */
SIGIL_API sigil_status_t sigil_validate_embedding_start(const sigil_embedding_start_t *start,
                                                        sigil_error_t **error);
SIGIL_API sigil_status_t sigil_validate_embedding_result(const sigil_embedding_result_t *result,
                                                         sigil_error_t **error);

/* ===========================================================================
 * Ratings (the Sigil API client)
 *
 * A conversation rating goes to the Sigil API at once, synchronously, not
 * through the export queue: POST <api endpoint>/api/v1/conversations/
 * {conversation_id}/ratings with a JSON body, carrying the same auth and
 * custom headers as generation export. It is never retried by the library;
 * the rating id makes a retry by the caller safe (the server treats it as an
 * idempotency key).
 *
 * Status mapping of sigil_client_submit_rating:
 *   SIGIL_OK                   HTTP 200; `*out` holds the stored rating and
 *                              the conversation's summary
 *   SIGIL_E_INVALID_ARGUMENT   NULL client, input or out, or an unknown
 *                              input version
 *   SIGIL_E_INVALID_UTF8       a string field is not valid UTF-8
 *   SIGIL_E_RATING_VALIDATION  the input failed validation; nothing was sent
 *   SIGIL_E_CONFIG             the API endpoint is empty or malformed (a
 *                              client refuses such an endpoint at creation)
 *   SIGIL_E_REJECTED           HTTP 400: the server refused the rating as
 *                              invalid (the reference SDKs report this as a
 *                              rating validation failure)
 *   SIGIL_E_RATING_CONFLICT    HTTP 409: the rating id was already used for a
 *                              different rating
 *   SIGIL_E_TIMEOUT            no answer within the timeout
 *   SIGIL_E_TRANSPORT          no connection, any other HTTP status, or a 200
 *                              whose body is not the expected JSON
 *   SIGIL_E_SHUTDOWN           the client is shut down
 * The error message carries the server's answer (or the HTTP reason).
 * ======================================================================== */

/** Sigil API base URL, used for ratings: "http://host:port" or
 *  "https://host:port" (a path is ignored, as in the reference SDKs), or
 *  "host:port" (plaintext or TLS as for the export endpoint, see
 *  sigil_options_set_insecure). Default "http://localhost:8080".
 *  Env: SIGIL_API_ENDPOINT. An options setter: the Options rules apply. */
SIGIL_API sigil_status_t sigil_options_set_api_endpoint(sigil_options_t *options, const char *endpoint);

/** Rating values (wire names "CONVERSATION_RATING_VALUE_GOOD" / "_BAD"). */
#define SIGIL_RATING_UNSPECIFIED 0u
#define SIGIL_RATING_GOOD 1u
#define SIGIL_RATING_BAD 2u

/** One rating. Strings are trimmed; NULL or blank optional fields are left
 *  out of the request. Limits (bytes, after trimming) follow the reference. */
typedef struct sigil_rating_input {
  uint32_t version;            /* SIGIL_RATING_INPUT_VERSION */
  const char *conversation_id; /* required; at most 255 */
  const char *rating_id;       /* required; idempotency key; at most 128 */
  uint32_t rating;             /* required: SIGIL_RATING_GOOD or SIGIL_RATING_BAD */
  const char *comment;         /* at most 4096 */
  /* A JSON object of string -> any JSON value; at most 16384 bytes compact.
   * NULL, empty or "{}" sends none. */
  const char *metadata_json;
  size_t metadata_json_len;
  const char *generation_id;   /* the rated generation; at most 255 */
  const char *rater_id;        /* who rated; at most 255 */
  const char *source;          /* e.g. "sdk", "ui"; at most 64 */
} sigil_rating_input_t;

#define SIGIL_RATING_INPUT_VERSION 1u
#define SIGIL_RATING_INPUT_INIT SIGIL__VERSIONED_INIT(SIGIL_RATING_INPUT_VERSION)

/** Initializes `*input` exactly as SIGIL_RATING_INPUT_INIT does. Returns
 *  SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_rating_input_init(sigil_rating_input_t *input);

/** The server's answer to a rating: the stored rating and the conversation's
 *  rating summary. */
typedef struct sigil_rating_result sigil_rating_result_t;

/** Validates `input` and sends it, waiting at most `timeout_ms` (0 means
 *  10000, the reference's timeout). Blocks the calling thread; safe to call
 *  from several threads at once. `input` and everything it points to are
 *  borrowed for the duration of the call. On success `*out` is owned by the
 *  caller; free with sigil_rating_result_free. On failure `*out` is NULL and
 *  `*error` (optional, owned by the caller; free with sigil_error_free) says
 *  why; see the status mapping above. */
SIGIL_API sigil_status_t sigil_client_submit_rating(sigil_client_t *client, const sigil_rating_input_t *input,
                                                    uint32_t timeout_ms, sigil_rating_result_t **out,
                                                    sigil_error_t **error);

/** The response body as received: JSON `{"rating": {...}, "summary": {...}}`.
 *  Owned by the result; valid until sigil_rating_result_free. `len`
 *  (optional) receives its length. Returns "" for NULL. */
SIGIL_API const char *sigil_rating_result_json(const sigil_rating_result_t *result, size_t *len);

/** Fields of the stored rating as NUL-terminated UTF-8; "" when the server
 *  sent none, and for NULL. Owned by the result; valid until
 *  sigil_rating_result_free. */
SIGIL_API const char *sigil_rating_result_rating_id(const sigil_rating_result_t *result);
SIGIL_API const char *sigil_rating_result_conversation_id(const sigil_rating_result_t *result);
SIGIL_API const char *sigil_rating_result_generation_id(const sigil_rating_result_t *result);
SIGIL_API const char *sigil_rating_result_comment(const sigil_rating_result_t *result);
SIGIL_API const char *sigil_rating_result_rater_id(const sigil_rating_result_t *result);
SIGIL_API const char *sigil_rating_result_source(const sigil_rating_result_t *result);
/** The rating's metadata as compact JSON object text ("" when none). */
SIGIL_API const char *sigil_rating_result_metadata_json(const sigil_rating_result_t *result);
/** The creation time as the server wrote it (RFC 3339). */
SIGIL_API const char *sigil_rating_result_created_at(const sigil_rating_result_t *result);

/** The stored rating value: SIGIL_RATING_GOOD, SIGIL_RATING_BAD, or
 *  SIGIL_RATING_UNSPECIFIED for anything else and for NULL. */
SIGIL_API uint32_t sigil_rating_result_rating(const sigil_rating_result_t *result);

/** The creation time in Unix nanoseconds; 0 when absent or unparseable. */
SIGIL_API int64_t sigil_rating_result_created_at_ns(const sigil_rating_result_t *result);

/** The conversation's ratings, as the server summarized them after this one. */
typedef struct sigil_rating_summary {
  uint32_t version; /* set to SIGIL_RATING_SUMMARY_VERSION before the call */
  uint64_t total_count;
  uint64_t good_count;
  uint64_t bad_count;
  uint32_t latest_rating;     /* SIGIL_RATING_*; UNSPECIFIED when none */
  int has_bad_rating;
  int64_t latest_rated_at_ns; /* Unix ns; 0 when absent */
  int64_t latest_bad_at_ns;   /* Unix ns; 0 when there was no bad rating */
} sigil_rating_summary_t;

#define SIGIL_RATING_SUMMARY_VERSION 1u
#define SIGIL_RATING_SUMMARY_INIT SIGIL__VERSIONED_INIT(SIGIL_RATING_SUMMARY_VERSION)

/** Initializes `*summary` exactly as SIGIL_RATING_SUMMARY_INIT does.
 *  Returns SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_rating_summary_init(sigil_rating_summary_t *summary);

/** Fills `*out` (caller-owned, with `version` set). A NULL result or `out`,
 *  or a version other than SIGIL_RATING_SUMMARY_VERSION, is
 *  SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_rating_result_summary(const sigil_rating_result_t *result,
                                                     sigil_rating_summary_t *out);

/** Frees a rating result. NULL is a no-op. */
SIGIL_API void sigil_rating_result_free(sigil_rating_result_t *result);

/* ===========================================================================
 * Telemetry: spans, GenAI metrics, OTLP export
 *
 * Every generation, tool execution and embedding ends as one span (named,
 * attributed and classified as in the Sigil semantic conventions; see
 * docs/telemetry.md) and updates four GenAI histograms:
 * gen_ai.client.operation.duration, gen_ai.client.token.usage,
 * gen_ai.client.time_to_first_token and gen_ai.client.tool_calls_per_operation.
 * Metrics are aggregated in the library for every operation (cumulative since
 * the client started), whether or not anything is exported.
 *
 * A generation's exported trace_id and span_id are its span's ids; a span's
 * parent is the start struct's `parent_traceparent`. A span whose parent
 * traceparent is not sampled (flags 00) still gets ids and metrics but is
 * neither exported nor passed to the span callback.
 *
 * OTLP/HTTP protobuf export (POST .../v1/traces and .../v1/metrics) happens on
 * a background thread of the client: spans in batches, metrics every export
 * interval, and both on sigil_client_flush and sigil_client_shutdown (within
 * the same deadline as generations). Without an OTLP endpoint nothing is
 * exported over OTLP; the span callback and sigil_client_metrics_snapshot
 * still work. OTLP export does not depend on the generation export protocol
 * (it also runs with SIGIL_PROTOCOL_NONE).
 *
 * Environment (OpenTelemetry names; explicit options win):
 *   OTEL_EXPORTER_OTLP_ENDPOINT          base URL; "/v1/traces" and
 *                                        "/v1/metrics" are appended
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   full URL for spans, used as is
 *   OTEL_EXPORTER_OTLP_METRICS_ENDPOINT  full URL for metrics, used as is
 *   OTEL_EXPORTER_OTLP_HEADERS           "k=v,k2=v2", values percent-decoded;
 *   OTEL_EXPORTER_OTLP_TRACES_HEADERS,   per-signal headers win over the
 *   OTEL_EXPORTER_OTLP_METRICS_HEADERS   shared ones
 *   OTEL_EXPORTER_OTLP_TIMEOUT           per-request timeout, ms (10000)
 *   OTEL_SERVICE_NAME                    resource service.name
 *   OTEL_RESOURCE_ATTRIBUTES             "k=v,k2=v2", values percent-decoded
 *   OTEL_METRIC_EXPORT_INTERVAL          ms between metric exports (60000)
 *   OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE,
 *   OTEL_BSP_MAX_EXPORT_BATCH_SIZE       span batching (5000 ms, 2048, 512)
 *   OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none,
 *   OTEL_METRICS_EXPORTER=none           turn off the environment's endpoints
 *
 * The option setters below follow the Options rules: arguments are borrowed
 * for the duration of the call (copied), a NULL options object gives
 * SIGIL_E_INVALID_ARGUMENT and an invalid string SIGIL_E_INVALID_UTF8; a
 * malformed endpoint makes sigil_client_new fail with SIGIL_E_CONFIG.
 * docs/telemetry.md lists every span attribute, metric and bucket boundary.
 * ======================================================================== */

/** OTLP base endpoint, e.g. "http://localhost:4318"; "/v1/traces" and
 *  "/v1/metrics" are appended to its path. "host:port" without a scheme
 *  is plaintext for loopback hosts and TLS otherwise. NULL unsets.
 *  Env: OTEL_EXPORTER_OTLP_ENDPOINT. */
SIGIL_API sigil_status_t sigil_options_set_otlp_endpoint(sigil_options_t *options, const char *endpoint);

/** Full OTLP URLs for one signal, used as is (they win over the base
 *  endpoint). NULL unsets. Env: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 *  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT. */
SIGIL_API sigil_status_t sigil_options_set_otlp_traces_endpoint(sigil_options_t *options, const char *url);
SIGIL_API sigil_status_t sigil_options_set_otlp_metrics_endpoint(sigil_options_t *options, const char *url);

/** Adds (or replaces, case-insensitively) one header sent with every OTLP
 *  request; wins over OTEL_EXPORTER_OTLP_*HEADERS. */
SIGIL_API sigil_status_t sigil_options_set_otlp_header(sigil_options_t *options, const char *name,
                                                       const char *value);

/** TLS for OTLP, as the OpenTelemetry exporters name it: the CA bundle
 *  (PEM) that verifies the collector, and a client certificate and key for
 *  mTLS. NULL unsets. Env: OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE /
 *  _METRICS_CERTIFICATE, then OTEL_EXPORTER_OTLP_CERTIFICATE (likewise
 *  _CLIENT_CERTIFICATE and _CLIENT_KEY); unset at every level, the Sigil
 *  server's settings apply (sigil_options_set_ca_file, ..._client_cert). Each
 *  file of an enabled signal is checked when the client is created. */
SIGIL_API sigil_status_t sigil_options_set_otlp_certificate(sigil_options_t *options, const char *path);
SIGIL_API sigil_status_t sigil_options_set_otlp_client_certificate(sigil_options_t *options, const char *path);
SIGIL_API sigil_status_t sigil_options_set_otlp_client_key(sigil_options_t *options, const char *path);

/** Resource service.name (default "unknown_service"). Env: OTEL_SERVICE_NAME,
 *  then service.name in OTEL_RESOURCE_ATTRIBUTES. */
SIGIL_API sigil_status_t sigil_options_set_service_name(sigil_options_t *options, const char *service_name);

/** Adds (or replaces) one resource attribute (a string). Wins over
 *  OTEL_RESOURCE_ATTRIBUTES and over the telemetry.sdk.* defaults
 *  (telemetry.sdk.name "libsigil", telemetry.sdk.version the library
 *  version, telemetry.sdk.language from sigil_options_set_sdk_language). */
SIGIL_API sigil_status_t sigil_options_set_resource_attribute(sigil_options_t *options, const char *key,
                                                              const char *value);

/** For bindings: resource telemetry.sdk.language, the host language
 *  ("python", "go", "rust", "nodejs", ...). Default: derived from the SDK
 *  name (sigil_options_set_sdk_name: sdk-python -> python, sdk-go -> go,
 *  sdk-rust -> rust, sdk-js -> nodejs), else "cpp". */
SIGIL_API sigil_status_t sigil_options_set_sdk_language(sigil_options_t *options, const char *language);

/** Milliseconds between periodic metric exports (0 keeps the default,
 *  60000). Env: OTEL_METRIC_EXPORT_INTERVAL. */
SIGIL_API sigil_status_t sigil_options_set_metric_export_interval_ms(sigil_options_t *options, uint32_t ms);

/** Embedding input texts on spans (gen_ai.embeddings.input_texts): off by
 *  default; when on, the first `max_input_items` texts (0 keeps the default,
 *  20), each cut to `max_text_length` Unicode code points ending in "..."
 *  (0 keeps the default, 1024). */
SIGIL_API sigil_status_t sigil_options_set_embedding_capture(sigil_options_t *options, int capture_input,
                                                             uint32_t max_input_items, uint32_t max_text_length);

/** Span kinds and status codes (OTLP numbering). */
#define SIGIL_SPAN_KIND_INTERNAL 1u
#define SIGIL_SPAN_KIND_CLIENT 3u
#define SIGIL_SPAN_STATUS_UNSET 0u
#define SIGIL_SPAN_STATUS_OK 1u
#define SIGIL_SPAN_STATUS_ERROR 2u

/** Attribute value types. */
#define SIGIL_ATTRIBUTE_STRING 1u
#define SIGIL_ATTRIBUTE_BOOL 2u
#define SIGIL_ATTRIBUTE_INT 3u
#define SIGIL_ATTRIBUTE_DOUBLE 4u
#define SIGIL_ATTRIBUTE_STRING_ARRAY 5u

/** One span attribute. Strings are UTF-8 with a length, and NUL-terminated. */
typedef struct sigil_attribute {
  const char *key;
  size_t key_len;
  uint32_t type;                    /* SIGIL_ATTRIBUTE_* */
  const char *string_value;         /* STRING */
  size_t string_value_len;
  int64_t int_value;                /* INT; BOOL as 0 or 1 */
  double double_value;              /* DOUBLE */
  const char *const *string_values; /* STRING_ARRAY: string_values_count strings */
  const size_t *string_value_lens;
  size_t string_values_count;
} sigil_attribute_t;

/** A span event ("exception" with exception.type and exception.message). */
typedef struct sigil_span_event {
  const char *name;
  size_t name_len;
  int64_t time_ns;
  const sigil_attribute_t *attributes;
  size_t attributes_count;
} sigil_span_event_t;

/** A finished span. The library fills it; `version` says which fields exist
 *  (fields are only ever appended, and a field is present when the library's
 *  SIGIL_SPAN_VERSION is at least the version that added it). */
typedef struct sigil_span {
  uint32_t version; /* SIGIL_SPAN_VERSION of the library that filled it */
  const char *name;
  size_t name_len;
  uint32_t kind;            /* SIGIL_SPAN_KIND_* */
  char trace_id[33];        /* 32 lowercase hex digits, NUL-terminated */
  char span_id[17];         /* 16 lowercase hex digits, NUL-terminated */
  char parent_span_id[17];  /* "" for a root span */
  uint32_t trace_flags;     /* W3C trace flags: 0x01 = sampled */
  int64_t start_ns;
  int64_t end_ns;
  uint32_t status_code;     /* SIGIL_SPAN_STATUS_* */
  const char *status_message; /* "" unless status_code is ERROR */
  size_t status_message_len;
  const sigil_attribute_t *attributes;
  size_t attributes_count;
  const sigil_span_event_t *events;
  size_t events_count;
} sigil_span_t;

#define SIGIL_SPAN_VERSION 1u

/** Receives every finished (sampled) span: for bridging into the host's own
 *  tracer, or for tests. `span` and everything it points to are borrowed for
 *  the duration of the call. Called on the thread that ends the recorder,
 *  before the end call returns; must not call back into the same client's
 *  flush or shutdown, and should be quick. */
typedef void (*sigil_span_fn)(void *user_data, const sigil_span_t *span);

/** Registers the span callback (NULL removes it). `user_data` is borrowed
 *  until the client is freed. */
SIGIL_API sigil_status_t sigil_options_set_span_callback(sigil_options_t *options, sigil_span_fn fn,
                                                         void *user_data);

/** One recording of a GenAI histogram: the instrument (name, unit,
 *  description, bucket boundaries) and the value with its attributes (all
 *  strings; unknown values are left out, as in the snapshot). Filled by the
 *  library; `version` says which fields exist, as for sigil_span_t. */
typedef struct sigil_metric_point {
  uint32_t version; /* SIGIL_METRIC_POINT_VERSION of the library that filled it */
  const char *name; /* "gen_ai.client.operation.duration", ... (docs/telemetry.md) */
  size_t name_len;
  const char *unit;
  size_t unit_len;
  const char *description;
  size_t description_len;
  const double *explicit_bounds; /* the engine's bucket boundaries */
  size_t explicit_bounds_count;
  double value;
  const sigil_attribute_t *attributes; /* SIGIL_ATTRIBUTE_STRING each */
  size_t attributes_count;
} sigil_metric_point_t;

#define SIGIL_METRIC_POINT_VERSION 1u

/** Receives every GenAI histogram recording, so that a host meter can record
 *  the same values with the same attributes. `point` and everything it points
 *  to are borrowed for the duration of the call. Called on the thread that
 *  ends the recorder, before the end call returns (also for a span that is
 *  not sampled); same rules as the span callback. */
typedef void (*sigil_metric_fn)(void *user_data, const sigil_metric_point_t *point);

/** Registers the metric callback (NULL removes it). `user_data` is borrowed
 *  until the client is freed. The engine's own aggregation (snapshot, OTLP
 *  metrics) is unchanged by it. */
SIGIL_API sigil_status_t sigil_options_set_metric_callback(sigil_options_t *options, sigil_metric_fn fn,
                                                           void *user_data);

/** Where spans and GenAI metrics go (sigil_options_set_telemetry_pipeline):
 *  ENGINE   the library's own OTLP export (when an OTLP endpoint is set);
 *           the callbacks, when set, see everything too. The default.
 *  HOST     only the callbacks: the binding re-emits spans and metrics
 *           through the host's tracer and meter. OTLP endpoints (options or
 *           OTEL_* environment) are ignored, so nothing leaves twice.
 *           Needs a span or metric callback (else sigil_client_new fails
 *           with SIGIL_E_CONFIG).
 *  BOTH     the callbacks and the OTLP export, deliberately. */
#define SIGIL_TELEMETRY_PIPELINE_ENGINE 1u
#define SIGIL_TELEMETRY_PIPELINE_HOST 2u
#define SIGIL_TELEMETRY_PIPELINE_BOTH 3u

/** Chooses the telemetry pipeline (SIGIL_TELEMETRY_PIPELINE_*; 0 restores
 *  the default, ENGINE). Another value is SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_options_set_telemetry_pipeline(sigil_options_t *options, uint32_t pipeline);

/** The aggregated GenAI histograms as JSON: {"resource": {...}, "scope":
 *  {"name", "version", "schema_url"}, "metrics": [{"name", "unit", "description", "type":
 *  "histogram", "temporality": "cumulative", "explicit_bounds": [...],
 *  "points": [{"attributes": {...}, "count", "sum", "min", "max",
 *  "bucket_counts": [...], "start_time_unix_nano", "time_unix_nano"}]}],
 *  "otlp": {export counters}}. Instruments without data are left out.
 *  Includes every record ended before the call. Thread-safe. On success
 *  `*json_out` (NUL-terminated; `*json_len`, which may be NULL, receives its
 *  length) is owned by the caller; free with sigil_metrics_snapshot_free.
 *  Works after shutdown too. */
SIGIL_API sigil_status_t sigil_client_metrics_snapshot(const sigil_client_t *client, char **json_out,
                                                       size_t *json_len, sigil_error_t **error);

/** Frees a snapshot from sigil_client_metrics_snapshot. NULL is a no-op. */
SIGIL_API void sigil_metrics_snapshot_free(char *json);

/* ===========================================================================
 * Spans (agents, chains, retrievers, workflows, tasks, any step)
 *
 * A span an application starts itself, for the steps around its generations
 * and tool executions: the agent run, a chain, a retriever, a workflow, a
 * task. Spans only: no generation export and no metrics. Its span is
 * exported as the other recorders' are (the engine's OTLP exporter and the
 * span callback), as an INTERNAL span with:
 *  - sigil.span.kind: "agent", "chain", "retriever", "workflow", "task" or
 *    "custom"; sigil.sdk.name;
 *  - an agent, after the OpenTelemetry GenAI conventions: the name
 *    "invoke_agent <agent name>", gen_ai.operation.name "invoke_agent" and
 *    gen_ai.agent.name (the start's agent name, else the span's name);
 *    other kinds are named by `name` (the kind's name when blank);
 *  - gen_ai.conversation.id, sigil.conversation.title, gen_ai.agent.name,
 *    gen_ai.agent.version as the other recorders resolve them;
 *  - the application's attributes (never replacing the ones above), then
 *    its events, sigil.span.input and sigil.span.output (JSON);
 *  - after sigil_span_set_error: status ERROR, error.type and an
 *    "exception" event.
 * Generations, tool executions, embeddings and spans started with the
 * span's traceparent (parent_traceparent, parent_is_local 1) are its
 * children.
 *
 * CONTENT. An attribute or event value marked `content` (an argument, a
 * return value, a document) and the input and output follow the span's
 * content capture mode (resolved as for tool executions, with record kind
 * SIGIL_RECORD_SPAN): kept under FULL and NO_TOOL_CONTENT, left out under
 * METADATA_ONLY and FULL_WITH_METADATA_SPANS, where the conversation title
 * and the error messages are left out too (the error type stands in).
 * Content values are redacted with the full rule set and cut to the field
 * size limit; every other string gets the light redaction every span
 * attribute gets.
 * ======================================================================== */

typedef struct sigil_span_recorder sigil_span_recorder_t;

/** Span kinds of sigil_span_start_t (sigil.span.kind). */
#define SIGIL_STEP_AGENT 1u
#define SIGIL_STEP_CHAIN 2u
#define SIGIL_STEP_RETRIEVER 3u
#define SIGIL_STEP_WORKFLOW 4u
#define SIGIL_STEP_TASK 5u
#define SIGIL_STEP_CUSTOM 6u

typedef struct sigil_span_start {
  uint32_t version; /* SIGIL_SPAN_START_VERSION */
  uint32_t kind;    /* SIGIL_STEP_*; another value is SIGIL_E_INVALID_ARGUMENT */
  const char *name; /* the step's name (a function's, an agent's) */
  const char *conversation_id;
  const char *conversation_title;
  const char *agent_name;
  const char *agent_version;
  int64_t started_at_ns; /* 0 = now */
  /* --- For bindings: values from the binding's context mechanism, below
   * the explicit fields above in precedence. C callers leave them NULL. --- */
  const char *context_conversation_id;
  const char *context_conversation_title;
  const char *context_agent_name;
  const char *context_agent_version;
  /* --- end of the fields for bindings --- */
  const char *parent_traceparent; /* as for generations; NULL: a new trace */
  /* The W3C tracestate that came with parent_traceparent. A malformed one
   * is dropped (with a warning), as W3C asks; the span is still recorded. */
  const char *parent_tracestate;
  int parent_is_local;          /* as for generations */
  uint32_t content_capture;     /* per-call mode (SIGIL_CONTENT_CAPTURE_*) */
  const char *span_traceparent; /* as for generations (host pipeline) */
} sigil_span_start_t;

#define SIGIL_SPAN_START_VERSION 1u
#define SIGIL_SPAN_START_INIT SIGIL__VERSIONED_INIT(SIGIL_SPAN_START_VERSION)

/** Initializes `*start` exactly as SIGIL_SPAN_START_INIT does. Returns
 *  SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_span_start_init(sigil_span_start_t *start);

/** Starts a span. `start` is borrowed for the duration of the call. `*out`
 *  always receives a recorder (owned by the caller; free with
 *  sigil_span_free), a no-op one when the start is refused: NULL client,
 *  NULL start, unknown version or kind (SIGIL_E_INVALID_ARGUMENT), a client
 *  shut down (SIGIL_E_SHUTDOWN). Invalid UTF-8 in a field leaves that field
 *  out and is reported by sigil_span_end; the span is still recorded. */
SIGIL_API sigil_status_t sigil_span_start(sigil_client_t *client, const sigil_span_start_t *start,
                                          sigil_span_recorder_t **out);

/** Typed attributes. `key` (NUL-terminated, not empty) and `value` are
 *  borrowed for the duration of the call; a later value of the same key
 *  replaces an earlier one. `content` non-zero marks a content value (see
 *  CONTENT above). NULL and no-op recorders return SIGIL_OK; a NULL or empty
 *  key is SIGIL_E_INVALID_ARGUMENT, invalid UTF-8 SIGIL_E_INVALID_UTF8 (the
 *  attribute is left out, and sigil_span_end reports it too). */
SIGIL_API sigil_status_t sigil_span_set_attribute_string(sigil_span_recorder_t *span, const char *key,
                                                         const char *value, size_t value_len,
                                                         int content);
SIGIL_API sigil_status_t sigil_span_set_attribute_int(sigil_span_recorder_t *span, const char *key,
                                                      int64_t value, int content);
SIGIL_API sigil_status_t sigil_span_set_attribute_double(sigil_span_recorder_t *span, const char *key,
                                                         double value, int content);
SIGIL_API sigil_status_t sigil_span_set_attribute_bool(sigil_span_recorder_t *span, const char *key,
                                                       int value, int content);

/** The step's input and output (sigil.span.input, sigil.span.output):
 *  JSON text, or plain text (kept as a JSON string). Always content. Rules
 *  as for the attribute setters. */
SIGIL_API sigil_status_t sigil_span_set_input(sigil_span_recorder_t *span, const char *json,
                                              size_t json_len);
SIGIL_API sigil_status_t sigil_span_set_output(sigil_span_recorder_t *span, const char *json,
                                               size_t json_len);

/** Adds an event named `name` (not empty) at `time_ns` (0 = now) with
 *  `attributes_count` attributes (SIGIL_ATTRIBUTE_* types; a BOOL is
 *  int_value 0 or 1); `content` non-zero marks all their values as content.
 *  Everything is borrowed for the duration of the call. A malformed
 *  attribute (NULL or empty key, unknown type, invalid UTF-8) refuses the
 *  whole event with SIGIL_E_INVALID_ARGUMENT or SIGIL_E_INVALID_UTF8, which
 *  sigil_span_end reports too. */
SIGIL_API sigil_status_t sigil_span_add_event(sigil_span_recorder_t *span, const char *name,
                                              int64_t time_ns, const sigil_attribute_t *attributes,
                                              size_t attributes_count, int content);

/** Sets the status (SIGIL_SPAN_STATUS_*); `message` (may be NULL) is kept
 *  with ERROR only. An unknown code is SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_span_set_status(sigil_span_recorder_t *span, uint32_t status_code,
                                               const char *message, size_t message_len);

/** Records that the step failed: status ERROR with `message`, error.type
 *  `error_type` (NUL-terminated; NULL or empty: "span_error"; an
 *  exception's class name fits) and an "exception" event. */
SIGIL_API sigil_status_t sigil_span_set_error(sigil_span_recorder_t *span, const char *error_type,
                                              const char *message, size_t message_len);

/** Whether content values recorded on this span would be kept (1) or left
 *  out (0) under its content capture mode: bindings skip serializing
 *  arguments and return values that would be dropped. 0 for NULL and no-op
 *  recorders. */
SIGIL_API int sigil_span_captures_content(const sigil_span_recorder_t *span);

/** The span's traceparent, for parenting children and injecting into
 *  outgoing requests; as sigil_generation_traceparent. */
SIGIL_API sigil_status_t sigil_span_traceparent(const sigil_span_recorder_t *span, char *buf,
                                                size_t buf_len);

/** The tracestate the span carries on (its parent's; "" when none):
 *  `*out` and `*out_len` receive a string owned by the recorder, valid until
 *  sigil_span_free; do not free. SIGIL_E_INVALID_ARGUMENT for NULL
 *  arguments. */
SIGIL_API sigil_status_t sigil_span_tracestate(const sigil_span_recorder_t *span, const char **out,
                                               size_t *out_len);

/** Ends the span at `completed_at_ns` (0 = now). Returns SIGIL_OK, the first
 *  malformed-input error recorded, SIGIL_E_SHUTDOWN, or
 *  SIGIL_E_ALREADY_ENDED. NULL is a no-op. */
SIGIL_API sigil_status_t sigil_span_end(sigil_span_recorder_t *span, int64_t completed_at_ns,
                                        sigil_error_t **error);

/** Frees the recorder, ending it first if it was not ended. NULL is a
 *  no-op. */
SIGIL_API void sigil_span_free(sigil_span_recorder_t *span);

/* ===========================================================================
 * W3C trace context (traceparent, tracestate)
 *
 * One implementation for every binding's inject and extract: the headers
 * are "traceparent" and "tracestate" (names case-insensitive).
 * ======================================================================== */

/** Parses a traceparent ("00-<32 hex>-<16 hex>-<2 hex>"; a future version
 *  with more fields is accepted; all-zero ids are not). On success writes
 *  the ids, NUL-terminated, into `trace_id` (33 bytes) and `span_id` (17
 *  bytes) and the sampled flag into `*sampled` (each may be NULL); returns
 *  SIGIL_OK, else SIGIL_E_INVALID_ARGUMENT and writes nothing. `header` is
 *  borrowed for the duration of the call. */
SIGIL_API sigil_status_t sigil_traceparent_parse(const char *header, size_t header_len, char *trace_id,
                                                 char *span_id, int *sampled);

/** Writes "00-<trace_id>-<span_id>-<01|00>" into `buf` (at least
 *  56 bytes: 55 characters and the NUL). SIGIL_E_INVALID_ARGUMENT when the ids are
 *  not 32 and 16 lowercase hex digits, are all zero, or `buf` is short. */
SIGIL_API sigil_status_t sigil_traceparent_format(const char *trace_id, const char *span_id, int sampled,
                                                  char *buf, size_t buf_len);

/** SIGIL_OK when `header` is a valid W3C tracestate (at most 32 list
 *  members "key=value"), else SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_tracestate_validate(const char *header, size_t header_len);

/* ===========================================================================
 * Privacy: content capture modes, redaction, sanitizer, size limits
 *
 * CONTENT CAPTURE decides which content fields leave the process at all:
 *
 *   mode                      generation export   generation span  tool span       embedding span
 *   FULL                      everything          title            args + result   input texts*
 *   NO_TOOL_CONTENT (default) everything          title            only with       input texts*
 *                                                                  include_content
 *   METADATA_ONLY             structure only**    no title         no content      no input texts
 *   FULL_WITH_METADATA_SPANS  everything          no title         no content      no input texts
 *   (* when embedding capture is on)
 *
 * ** METADATA_ONLY keeps roles, part kinds, tool names and ids, media kind
 * and MIME type, model, usage, timing, ids, tags and user metadata, and
 * removes text, thinking, tool-call arguments, tool results, media URLs,
 * the system prompt, the conversation title (and its metadata key), raw
 * artifacts, tool descriptions and input schemas; call_error becomes its
 * error category ("rate_limit", ..., "sdk_error") and metadata "call_error"
 * is removed. Under METADATA_ONLY and FULL_WITH_METADATA_SPANS, span error
 * statuses and exception messages carry only the error category, tool spans
 * lose their description, and a rating's comment is dropped (METADATA_ONLY).
 *
 * Resolution, per record: the start struct's `content_capture` (version 2)
 * > the resolver callback > sigil_options_set_content_capture_mode >
 * SIGIL_CONTENT_CAPTURE_MODE (full | no_tool_content | metadata_only |
 * full_with_metadata_spans | default) > NO_TOOL_CONTENT. DEFAULT at any
 * layer defers to the next. A resolver that fails (non-zero return, or an
 * unknown mode) yields METADATA_ONLY: fail closed. The resolved mode is
 * exported as generation metadata "sigil.sdk.content_capture_mode".
 *
 * REDACTION runs in the engine on everything that leaves the process,
 * after content capture: every text value of an exported generation
 * (message parts, system prompt, tool-call arguments, tool results, media
 * URLs, tool descriptions and schemas, artifact payloads, conversation
 * title, call_error, tag values and string metadata values at any depth),
 * every string span attribute, span status and exception message, and the
 * rating comment and metadata. The spool (disk persistence) only ever sees
 * redacted data. A match is replaced by "[REDACTED:<kind>]" (for env-style
 * assignments only the value: "API_KEY=[REDACTED:env-secret-value]").
 * Categories (SIGIL_REDACT_* bits; all on by default):
 *   SECRETS       cloud and API tokens (grafana-cloud-token,
 *                 grafana-service-account-token, aws-access-token,
 *                 github-pat, github-oauth, github-app-token,
 *                 github-fine-grained-pat, anthropic-api-key,
 *                 anthropic-admin-key, openai-api-key, openai-project-key,
 *                 openai-svcacct-key, gcp-api-key, slack-token, stripe-key,
 *                 sendgrid-api-key, twilio-api-key, npm-token, pypi-token),
 *                 private-key (PEM blocks), connection-string
 *                 (postgres|mysql|mongodb|redis|amqp://user:pw@host),
 *                 bearer-token, jwt
 *   EMAIL         email
 *   ENV_SECRETS   env-secret-value: PASSWORD=, SECRET:, TOKEN=, ..._KEY=
 *                 (not applied to assistant text, thinking, titles, errors
 *                 or metadata, where it would mangle prose)
 *   PAYMENT_CARD  payment-card: 13-19 digits (spaces/dashes allowed) that
 *                 pass the Luhn check
 *   NATIONAL_ID   us-ssn (AAA-GG-SSSS, invalid areas excluded), uk-nino
 *   PHONE         phone: +E.164 and separated North American numbers
 *   INJECTION     no replacement: when an input message, tool result or the
 *                 system prompt contains a prompt-injection phrase ("ignore
 *                 previous instructions", "disregard the system prompt",
 *                 "reveal your system prompt", "you are now DAN", ...), the
 *                 generation gets metadata
 *                 "sigil.content.injection_suspected": true
 * Env: SIGIL_REDACT, a comma list of category names (secrets, email,
 * env_secrets, payment_card, national_id, phone, injection), or "all",
 * "none"; the explicit option wins.
 *
 * The SANITIZER callback adds custom rules: it sees every text value after
 * the built-in redaction, with its field path, and may replace it.
 * Fields that hold JSON (tool-call arguments, JSON tool results, JSON
 * artifact payloads, tool span arguments and results) stay valid JSON: one
 * that a replacement leaves unparsable becomes a JSON string of that text.
 *
 * SIZE LIMITS. Content text values (message text, thinking, tool-call
 * arguments, tool results, system prompt, artifact payloads, tool span
 * arguments and results) longer than the per-field limit are cut at a UTF-8
 * boundary and end in the marker "…[truncated N bytes]" (N = bytes removed,
 * "…" is U+2026); the result, marker included, is at most the limit. A
 * field that holds JSON stays valid JSON: it becomes a JSON string of the
 * cut text and the marker (the text is the value's own text when it is one
 * JSON string, else its JSON text; N counts bytes of that text), at most
 * the limit with quotes and escapes. Default: no limit. Env:
 * SIGIL_MAX_FIELD_BYTES. Also configurable by the environment:
 * SIGIL_PAYLOAD_MAX_BYTES (sigil_options_set_payload_max_bytes),
 * SIGIL_EMBEDDING_CAPTURE_INPUT (true/false), SIGIL_EMBEDDING_CAPTURE_MAX_ITEMS,
 * SIGIL_EMBEDDING_CAPTURE_MAX_LENGTH (sigil_options_set_embedding_capture).
 *
 * The setters below follow the Options rules.
 * ======================================================================== */

/** Content capture modes. */
#define SIGIL_CONTENT_CAPTURE_DEFAULT 0u
#define SIGIL_CONTENT_CAPTURE_FULL 1u
#define SIGIL_CONTENT_CAPTURE_NO_TOOL_CONTENT 2u
#define SIGIL_CONTENT_CAPTURE_METADATA_ONLY 3u
#define SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS 4u

/** Record kinds passed to the resolver. */
#define SIGIL_RECORD_GENERATION 1u
#define SIGIL_RECORD_TOOL_EXECUTION 2u
#define SIGIL_RECORD_EMBEDDING 3u
#define SIGIL_RECORD_RATING 4u
#define SIGIL_RECORD_SPAN 5u /* sigil_span_start */

/** The client's content capture mode (SIGIL_CONTENT_CAPTURE_*; DEFAULT
 *  unsets). An unknown value is SIGIL_E_INVALID_ARGUMENT and leaves the
 *  option unchanged. Env: SIGIL_CONTENT_CAPTURE_MODE; an unknown value there
 *  makes sigil_client_new fail with SIGIL_E_CONFIG. */
SIGIL_API sigil_status_t sigil_options_set_content_capture_mode(sigil_options_t *options, uint32_t mode);

/** Decides the mode of one record: called on the thread that starts a
 *  generation, tool execution or embedding, or submits a rating, when the
 *  start struct leaves `content_capture` DEFAULT. `metadata_json` is the
 *  start's (or rating's) metadata as given (NULL with length 0 when none),
 *  borrowed for the call. Store a SIGIL_CONTENT_CAPTURE_* value in `*mode`
 *  (DEFAULT defers to the client's mode) and return 0. Any other return,
 *  or an unknown mode, means METADATA_ONLY. Must not call back into the
 *  client. */
typedef int (*sigil_content_capture_resolver_fn)(void *user_data, uint32_t record_kind, const char *metadata_json,
                                                 size_t metadata_json_len, uint32_t *mode);

/** Registers the resolver (NULL removes it). `user_data` is borrowed until
 *  the client is freed. */
SIGIL_API sigil_status_t sigil_options_set_content_capture_resolver(sigil_options_t *options,
                                                                    sigil_content_capture_resolver_fn fn,
                                                                    void *user_data);

/** Redaction categories (bits). */
#define SIGIL_REDACT_SECRETS 0x01u
#define SIGIL_REDACT_EMAIL 0x02u
#define SIGIL_REDACT_ENV_SECRETS 0x04u
#define SIGIL_REDACT_PAYMENT_CARD 0x08u
#define SIGIL_REDACT_NATIONAL_ID 0x10u
#define SIGIL_REDACT_PHONE 0x20u
#define SIGIL_REDACT_INJECTION 0x40u
#define SIGIL_REDACT_NONE 0u
#define SIGIL_REDACT_ALL 0x7Fu

/** The redaction categories to apply (an OR of SIGIL_REDACT_*; default
 *  SIGIL_REDACT_ALL). Unknown bits are SIGIL_E_INVALID_ARGUMENT.
 *  Env: SIGIL_REDACT. */
SIGIL_API sigil_status_t sigil_options_set_redaction(sigil_options_t *options, uint32_t categories);

/** Where a sanitizer puts a replacement; valid only during the call. */
typedef struct sigil_sanitized sigil_sanitized_t;

/** Replaces the value being sanitized with `value` (copied; must be valid
 *  UTF-8, else SIGIL_E_INVALID_UTF8 and the value is redacted). Only valid
 *  inside a sanitizer call, on the `out` it received. */
SIGIL_API sigil_status_t sigil_sanitized_set(sigil_sanitized_t *out, const char *value, size_t value_len);

/** Receives each text value about to leave the process, after built-in
 *  redaction, with its field path ("generation.input[0].parts[1].text",
 *  "generation.system_prompt", "generation.metadata.<key>",
 *  "span.gen_ai.tool.call.arguments", "rating.comment",
 *  "rating.metadata.<key>", ...); both
 *  borrowed for the call, not NUL-terminated. Keep the value by returning
 *  0, replace it by calling sigil_sanitized_set(out, ...) and returning 0.
 *  Any non-zero return replaces the value with
 *  "[REDACTED:sanitizer_error]" (fail closed). Called on the thread that
 *  ends the recorder, possibly many times per record; must be quick,
 *  thread-safe, and must not call back into the client. */
typedef int (*sigil_sanitizer_fn)(void *user_data, const char *path, size_t path_len, const char *value,
                                  size_t value_len, sigil_sanitized_t *out);

/** Registers the sanitizer (NULL removes it). `user_data` is borrowed until
 *  the client is freed. */
SIGIL_API sigil_status_t sigil_options_set_sanitizer(sigil_options_t *options, sigil_sanitizer_fn fn,
                                                     void *user_data);

/** Per-field byte limit for content text values (0 = no limit, the
 *  default; otherwise at least 64). Env: SIGIL_MAX_FIELD_BYTES. */
SIGIL_API sigil_status_t sigil_options_set_max_field_bytes(sigil_options_t *options, uint64_t bytes);

/** For bindings: the content capture mode a generation resolved at its start
 *  (SIGIL_CONTENT_CAPTURE_FULL .. _FULL_WITH_METADATA_SPANS), so that a
 *  binding can pass it on to the tool executions the generation runs (the
 *  reference SDKs' "parent generation's mode" layer). DEFAULT for NULL and
 *  no-op recorders. */
SIGIL_API uint32_t sigil_generation_content_capture_mode(const sigil_generation_t *generation);

/** The name of a content capture mode ("full", "no_tool_content",
 *  "metadata_only", "full_with_metadata_spans", "default"); owned by the
 *  library; do not free. Unknown values give "". */
SIGIL_API const char *sigil_content_capture_mode_name(uint32_t mode);

/* ===========================================================================
 * Spool (durable delivery)
 *
 * With a spool directory, generations that cannot be delivered — the retry
 * budget is exhausted, the shutdown deadline passes, or the export queue is
 * full (items or bytes) — are written to append-only segment files (length +
 * CRC32 framing; a torn tail from a crash is cut off on read) instead of
 * being dropped, and counted in generations_spooled. A record that finds the
 * queue full is written by the recording thread itself (sigil_generation_end
 * then returns SIGIL_OK); only what the spool's budgets refuse is dropped
 * (spool_full). The export worker replays spooled records right after any
 * accepted export, and otherwise probes with capped backoff (at most every
 * 5 s) while the backend is down; so does the next process that opens the
 * same directory. A record is removed only after the server answered it.
 * Generation ids make a replay idempotent. Several processes may share a
 * directory: each writes its own segments, and a lock file lets one replay
 * at a time. Records are sigil.v1 Generation protobuf whatever the
 * transport: a spool written over HTTP is replayed over gRPC and the other
 * way round; a record this version cannot read (a newer version's) is kept.
 * Files are created 0600 in a 0700 directory, exclusively and never through
 * a symbolic link; a file the spool did not write is left in place.
 * Environment: SIGIL_SPOOL_DIR, SIGIL_SPOOL_MAX_BYTES, SIGIL_SPOOL_SYNC
 * (none|batch|record), SIGIL_SPOOL_MODE (fallback|write_ahead),
 * SIGIL_SPOOL_ALLOW_SHARED_DIR (1|true).
 *
 * Two modes (sigil_options_set_spool_mode) say which generations go through
 * the spool and so what a crash of the process (kill -9, OOM kill) loses:
 *  - FALLBACK (default): only what cannot be delivered is spooled, as above.
 *    Generations still in the export queue or in flight when the process
 *    dies are lost; end costs no disk I/O.
 *  - WRITE_AHEAD: every generation is appended to the spool before
 *    sigil_generation_end returns SIGIL_OK, and leaves it only once the
 *    server answered it (accepted, already stored, or refused). A crash loses
 *    nothing whose end returned SIGIL_OK: the next process on the directory
 *    (or another live one sharing it) replays what was not answered. Records
 *    the server stored but whose answer the dead process never saw are sent
 *    again (generation ids make that idempotent at the server). With sync
 *    policy BATCH or RECORD the append is also fdatasync'ed before end
 *    returns (durable across a power loss too); concurrent end calls share
 *    one fdatasync (group commit), so a single recording thread pays about
 *    one disk flush per generation (milliseconds) while many threads share
 *    it. With NONE the end call pays one write() (survives a process crash,
 *    not a power loss). In this mode the privacy pass, span and metrics of a
 *    generation run on the ending thread, like with a span callback.
 *    Requires a spool directory (else sigil_client_new fails with
 *    SIGIL_E_CONFIG). A generation the spool refuses (its byte budget, a
 *    failing disk) is still queued in memory and delivered as in FALLBACK
 *    mode, with a warning through the logger; when the queue is full too it
 *    is dropped (spool_full) and end returns the queue's status.
 * ======================================================================== */

/** Durability of spool writes. */
#define SIGIL_SPOOL_SYNC_NONE 0u   /* left to the kernel: survives a crash of the process, not of the machine */
#define SIGIL_SPOOL_SYNC_BATCH 1u  /* fdatasync once per spooled batch (default) */
#define SIGIL_SPOOL_SYNC_RECORD 2u /* fdatasync after every record */

/** The spool directory (created 0700 if missing; NULL or "" disables the
 *  spool). `dir` is borrowed for the duration of the call. sigil_client_new
 *  fails with SIGIL_E_INVALID_ARGUMENT (not SIGIL_E_CONFIG: the one exception
 *  to the rule under Status codes, kept for compatibility) when it cannot be
 *  created or is not a directory, and when other users could write to it:
 *  it is owned by another user, or group- or other-writable without being
 *  sticky and ours (see sigil_options_set_spool_allow_shared_dir). */
SIGIL_API sigil_status_t sigil_options_set_spool_dir(sigil_options_t *options, const char *dir);
/** Non-zero uses a spool directory that other users can write to or that
 *  another user owns, after a warning through the logger, instead of
 *  refusing it (default 0). Such users can read the spooled generations and
 *  place files under the spool's names; the spool still never follows a
 *  link or rewrites a file it did not create. Environment:
 *  SIGIL_SPOOL_ALLOW_SHARED_DIR. Returns SIGIL_E_INVALID_ARGUMENT for a NULL
 *  `options`. */
SIGIL_API sigil_status_t sigil_options_set_spool_allow_shared_dir(sigil_options_t *options, int allow);
/** Byte budget of all segment files together (default 256 MiB); a record
 *  that does not fit is dropped (reason spool_full). 0 keeps the default. */
SIGIL_API sigil_status_t sigil_options_set_spool_max_bytes(sigil_options_t *options, uint64_t bytes);
/** Age budget (default 7 days): older records are dropped at replay
 *  (reason spool_full). 0 keeps the default. */
SIGIL_API sigil_status_t sigil_options_set_spool_max_age_ms(sigil_options_t *options, uint64_t ms);
/** One of SIGIL_SPOOL_SYNC_*; anything else is SIGIL_E_INVALID_ARGUMENT. */
SIGIL_API sigil_status_t sigil_options_set_spool_sync(sigil_options_t *options, uint32_t policy);

/** Which generations go through the spool (see the section comment). */
#define SIGIL_SPOOL_MODE_FALLBACK 0u    /* only what cannot be delivered (default) */
#define SIGIL_SPOOL_MODE_WRITE_AHEAD 1u /* every generation, before end returns; removed once answered */
/** One of SIGIL_SPOOL_MODE_*; anything else is SIGIL_E_INVALID_ARGUMENT.
 *  Environment: SIGIL_SPOOL_MODE (fallback|write_ahead). */
SIGIL_API sigil_status_t sigil_options_set_spool_mode(sigil_options_t *options, uint32_t mode);

/** Reads the spool directory `dir` without claiming or changing anything
 *  (safe beside a live client; `sigil spool ls`) and describes it as a JSON
 *  object: {"dir", "segments": [{"path", "bytes", "records": {"G"
 *  (generations), "T" (OTLP span batches), "M" (OTLP metric snapshots), "A"
 *  (write-ahead acknowledgements), "other" (formats of newer writers)},
 *  "pending" (records a replay would send: G, T and M no acknowledgement
 *  covers), "torn" (a damaged tail a replay cuts off), "in_use" (a live
 *  writer holds it), "oldest_unix_ms", "newest_unix_ms" (write times of its
 *  records; 0 without any)}], "other_files": [names in `dir` that are
 *  neither spool segments nor its replay.lock: files the spool leaves
 *  alone], "totals": {"segments", "bytes", "records" (every record but
 *  acknowledgements), "pending", "oldest_unix_ms", "newest_unix_ms"}}. Segments come oldest first. `dir`
 *  is borrowed for the duration of the call. On success `*json_out`
 *  (NUL-terminated; `*json_len` may be NULL) is owned by the caller; free
 *  with sigil_json_free. SIGIL_E_INVALID_ARGUMENT for a NULL `dir` or
 *  `json_out` or a directory that cannot be read, SIGIL_E_INVALID_UTF8 for a
 *  `dir` that is not UTF-8; `*error` (optional) says which. */
SIGIL_API sigil_status_t sigil_spool_inspect(const char *dir, char **json_out, size_t *json_len,
                                             sigil_error_t **error);

/* ===========================================================================
 * Provider mapping
 *
 * Hand a recorder the provider's own JSON and let the engine map it: the
 * request and response bodies of a call, or the events of a streamed
 * response one at a time (each the JSON payload of one server-sent event,
 * or one Bedrock ConverseStream event object). Every language gets the same
 * mapping, byte for byte; the fields each API maps are in docs/providers.md.
 *
 * API names (`api`, NUL-terminated):
 *   "openai.chat"              OpenAI Chat Completions
 *   "openai.responses"         OpenAI Responses
 *   "anthropic.messages"       Anthropic Messages
 *   "gemini.generate_content"  Gemini generateContent / streamGenerateContent
 *   "bedrock.converse"         AWS Bedrock Converse / ConverseStream
 *   "openai.embeddings"        OpenAI embeddings   (embedding recorders only)
 *   "gemini.embed_content"     Gemini embedContent (embedding recorders only)
 *
 * Providers add fields every month: unknown fields are ignored. A body that
 * does not parse, a value of the wrong type, invalid UTF-8, or a stream that
 * ends early or out of order never fails the host's call: everything that
 * could be mapped is kept, the problem is returned (SIGIL_E_INVALID_JSON,
 * SIGIL_E_INVALID_UTF8) for information, and it becomes the generation's
 * mapping error — the generation is still exported, and its span carries
 * error.type "mapping_error". A stream whose recorder ends before the last
 * event reports the partial output and the usage seen so far.
 *
 * Mapped values are the result: they win over start fields, as with
 * sigil_generation_set_result_json (which replaces them when called later).
 * Content capture, redaction and field limits apply as to any result.
 * ======================================================================== */

/** flags: also keep copies of the provider JSON as artifacts (request,
 *  response, tools, provider_event); the content capture mode still decides
 *  whether they leave the process. */
#define SIGIL_PROVIDER_RAW_ARTIFACTS 1u

/** Maps a provider request body: provider and model, system prompt, input
 *  messages, tools and request controls (max tokens, temperature, top_p,
 *  tool choice, thinking). `api` and `json` are borrowed for the duration of
 *  the call. SIGIL_E_INVALID_ARGUMENT (nothing recorded) for NULL `json`, an
 *  unknown or embedding `api`, or unknown flags; a mapping problem as above.
 *  A no-op on a NULL or no-op recorder. */
SIGIL_API sigil_status_t sigil_generation_set_provider_request(sigil_generation_t *generation,
                                                               const char *api, const char *json,
                                                               size_t json_len, uint32_t flags);

/** Maps a provider response body: output messages, usage, stop reason,
 *  response id and model. Arguments and returns as
 *  sigil_generation_set_provider_request. */
SIGIL_API sigil_status_t sigil_generation_set_provider_response(sigil_generation_t *generation,
                                                                const char *api, const char *json,
                                                                size_t json_len, uint32_t flags);

/** Feeds one stream event; the recorder accumulates text, thinking and tool
 *  call deltas, and usage that arrives in the last events, until
 *  sigil_generation_end. The first event that carries content sets the
 *  first-token time unless sigil_generation_set_first_token_at did. Every
 *  event of one recorder must name the same `api`. A malformed event is
 *  skipped and remembered as the mapping error; the call returns SIGIL_OK
 *  for it. Otherwise as sigil_generation_set_provider_request (flags are
 *  read from the first event). */
SIGIL_API sigil_status_t sigil_generation_add_provider_event(sigil_generation_t *generation,
                                                             const char *api, const char *json,
                                                             size_t json_len, uint32_t flags);

/** Feeds `count` stream events at once, in order, as `count` calls of
 *  sigil_generation_add_provider_event would: `events[i]` of
 *  `event_lens[i]` bytes. For a binding that hands over a stream in batches
 *  (one call instead of one per event) without moving the first-token time:
 *  `arrived_at_ns[i]` (Unix nanoseconds) is when event i reached the
 *  caller, and the first event that carries content sets the first-token
 *  time to it (0, or a NULL `arrived_at_ns`: the time of this call).
 *  Everything is borrowed for the duration of the call. `count` 0 does
 *  nothing. SIGIL_E_INVALID_ARGUMENT (nothing recorded) for a NULL `events`
 *  or `event_lens` with a non-zero `count`, a NULL `events[i]`, and as
 *  sigil_generation_add_provider_event; malformed events are skipped and
 *  remembered as there (SIGIL_OK). A no-op on a NULL or no-op recorder. */
SIGIL_API sigil_status_t sigil_generation_add_provider_events(sigil_generation_t *generation,
                                                              const char *api,
                                                              const char *const *events,
                                                              const size_t *event_lens,
                                                              const int64_t *arrived_at_ns,
                                                              size_t count, uint32_t flags);

/** Marks the generation with a mapping error the caller found while
 *  building its result (the first one wins): still exported, with
 *  error.type "mapping_error" on its span. `message` is borrowed for the
 *  duration of the call; invalid UTF-8 is SIGIL_E_INVALID_UTF8. */
SIGIL_API sigil_status_t sigil_generation_set_mapping_error(sigil_generation_t *generation,
                                                            const char *message, size_t len);

/** Maps an embedding call from the provider's request and/or response body
 *  (either may be NULL with length 0): start fields left unset (provider,
 *  model, dimensions, encoding format) come from the request; the result
 *  (input count, input tokens, response model, dimensions, input texts)
 *  from the response. Arguments are borrowed for the duration of the call.
 *  SIGIL_E_INVALID_ARGUMENT for an unknown or non-embedding `api`; a
 *  mapping problem is returned after keeping what could be mapped. */
SIGIL_API sigil_status_t sigil_embedding_set_provider_result(sigil_embedding_t *embedding,
                                                             const char *api,
                                                             const char *request_json,
                                                             size_t request_len,
                                                             const char *response_json,
                                                             size_t response_len);

/* ---------------------------------------------------------------------------
 * Mapping without a recorder
 *
 * The same mapping as above, for a caller that wants the normalized result
 * itself (to inspect it, or to hand it to sigil_generation_set_result_json
 * later): no client, no recorder, nothing recorded or exported. Thread-safe.
 *
 * A document that could only partly be mapped is still handed back: the
 * function returns the problem's status (SIGIL_E_INVALID_JSON,
 * SIGIL_E_INVALID_UTF8) and error AND sets `*json_out` to what was mapped.
 * So whenever `*json_out` is not NULL it is owned by the caller and must be
 * freed with sigil_json_free, whatever the status. On any other failure
 * (SIGIL_E_INVALID_ARGUMENT, SIGIL_E_NO_MEMORY) `*json_out` is NULL.
 * ------------------------------------------------------------------------ */

/** Maps a provider call into a normalized generation, returned as a sigil.v1
 *  protojson Generation (the shape sigil_generation_set_result_json accepts,
 *  docs/abi-json.md; also `usage.cache_creation_input_tokens`). Each part is
 *  optional: the request body (`request_json` NULL with length 0: absent),
 *  the response body (likewise), and the stream's events in order
 *  (`events[i]` of `event_lens[i]` bytes, each as
 *  sigil_generation_add_provider_event takes it; `events_count` 0: not
 *  streamed). They are mapped as a recorder maps them: request, response,
 *  then the accumulated stream; the provider comes from `api` when nothing
 *  names it and the model name from the response model when no request did.
 *  `mode` is GENERATION_MODE_STREAM with events, GENERATION_MODE_SYNC with a
 *  response only, absent otherwise; ids, times, tags and agent fields are
 *  never set. `flags`: SIGIL_PROVIDER_RAW_ARTIFACTS adds the raw artifacts.
 *  Everything is borrowed for the duration of the call. On success (and
 *  after a mapping problem, see above) `*json_out` (NUL-terminated;
 *  `*json_len`, which may be NULL, receives its length) is owned by the
 *  caller; free with sigil_json_free. SIGIL_E_INVALID_ARGUMENT for a NULL
 *  `api` or `json_out`, an unknown or embedding `api`, unknown flags, or a
 *  NULL body or event pointer with a non-zero length or count; `*error`
 *  (optional, owned by the caller; free with sigil_error_free) says which. */
SIGIL_API sigil_status_t sigil_provider_map_generation(const char *api, const char *request_json,
                                                       size_t request_len, const char *response_json,
                                                       size_t response_len,
                                                       const char *const *events,
                                                       const size_t *event_lens, size_t events_count,
                                                       uint32_t flags, char **json_out,
                                                       size_t *json_len, sigil_error_t **error);

/** Maps an embedding call from the provider's request and/or response body
 *  (either may be NULL with length 0) into a JSON object: "provider",
 *  "model" (the request's), "response_model", "encoding_format",
 *  "requested_dimensions" (the request's), "input_count", "input_tokens",
 *  "dimensions" (the length of the first returned vector), "input_texts"
 *  (an array of the text inputs); counts are JSON numbers, and fields the
 *  bodies do not say are left out (the counts are always present). `api` is
 *  "openai.embeddings" or "gemini.embed_content". Ownership, the partial
 *  result on a mapping problem, and the errors as for
 *  sigil_provider_map_generation. */
SIGIL_API sigil_status_t sigil_provider_map_embedding(const char *api, const char *request_json,
                                                      size_t request_len,
                                                      const char *response_json,
                                                      size_t response_len, char **json_out,
                                                      size_t *json_len, sigil_error_t **error);

/** Frees a JSON document returned by sigil_provider_map_generation,
 *  sigil_provider_map_embedding, sigil_generation_last_json or
 *  sigil_options_resolve. NULL is a no-op. */
SIGIL_API void sigil_json_free(char *json);

/* ===========================================================================
 * Scores (evaluation results for a generation)
 *
 * A score goes to the Sigil API's score ingest, POST <api endpoint>/api/v1/
 * scores:export (see sigil_options_set_api_endpoint), with the export
 * headers (auth, custom) and TLS settings. Unlike a rating it does not wait
 * for the server: sigil_client_submit_score validates, queues and returns;
 * the client's score worker batches scores (batch size and flush interval
 * of generation export), retries with the same policy, and counts every
 * score in sigil_client_stats (scores_*). The score id is the idempotency
 * key: the server keeps the first score with an id and accepts a resent one
 * without overwriting it, so retries are safe. Scores are not spooled.
 * flush and shutdown deliver queued scores within their deadline.
 *
 * Wire mapping: key -> score_key, rationale -> explanation, label ->
 * metadata "label" (the contract has no label field), created_at stamped at
 * submission (RFC 3339, kept across retries).
 * ======================================================================== */

/** Value kinds: exactly one per score. */
#define SIGIL_SCORE_VALUE_NUMBER 1u
#define SIGIL_SCORE_VALUE_BOOL 2u
#define SIGIL_SCORE_VALUE_STRING 3u

/** Whether the evaluation passed: unset (not sent), passed, failed. */
#define SIGIL_SCORE_PASSED_UNSET 0u
#define SIGIL_SCORE_PASSED_TRUE 1u
#define SIGIL_SCORE_PASSED_FALSE 2u

/** One score. Strings are NUL-terminated UTF-8, trimmed; NULL or blank
 *  optional fields are left out of the request. Ids and the key are at most
 *  255 bytes. */
typedef struct sigil_score {
  uint32_t version;              /* SIGIL_SCORE_VERSION */
  const char *score_id;          /* idempotency key; NULL or blank: generated ("sc_" + 16 hex) */
  const char *generation_id;     /* required: the scored generation */
  const char *conversation_id;   /* optional */
  const char *trace_id;          /* optional: the generation's trace (32 hex digits) */
  const char *span_id;           /* optional: the generation's span (16 hex digits) */
  const char *evaluator_id;      /* required, e.g. "my-evaluator" */
  const char *evaluator_version; /* required, e.g. "1.0.0" */
  const char *key;               /* required: what was scored, e.g. "helpfulness" */
  uint32_t value_kind;           /* required: SIGIL_SCORE_VALUE_* */
  double number_value;           /* with SIGIL_SCORE_VALUE_NUMBER; finite */
  int bool_value;                /* with SIGIL_SCORE_VALUE_BOOL; non-zero is true */
  const char *string_value;      /* with SIGIL_SCORE_VALUE_STRING; NULL is "" */
  uint32_t passed;               /* SIGIL_SCORE_PASSED_* */
  const char *label;             /* optional: a category, e.g. "correct"; sent as metadata "label" */
  const char *rationale;         /* optional: why; sent as explanation */
  /* A JSON object of string -> any JSON value; at most 16384 bytes compact
   * (with the label). NULL or empty sends none. */
  const char *metadata_json;
  size_t metadata_json_len;
  int64_t created_at_ns;         /* Unix ns; 0: now */
} sigil_score_t;

#define SIGIL_SCORE_VERSION 1u
#define SIGIL_SCORE_INIT SIGIL__VERSIONED_INIT(SIGIL_SCORE_VERSION)

/** Initializes `*score` exactly as SIGIL_SCORE_INIT does. Returns
 *  SIGIL_E_INVALID_ARGUMENT for NULL. */
SIGIL_API sigil_status_t sigil_score_init(sigil_score_t *score);

/** Validates `score` and queues it for export. `score` and everything it
 *  points to are borrowed for the duration of the call. On success, when
 *  `score_id_out` is not NULL, `*score_id_out` receives the score id used
 *  (the given one, trimmed, or the generated one), NUL-terminated, owned by
 *  the caller; free with sigil_string_free. Returns SIGIL_E_INVALID_ARGUMENT
 *  for a NULL client or score or an unknown version, SIGIL_E_INVALID_UTF8 for
 *  a string that is not UTF-8, SIGIL_E_VALIDATION for a missing required
 *  field, an unknown value kind, a value that is not finite or metadata that
 *  is not a JSON object (nothing is queued), SIGIL_E_QUEUE_FULL when
 *  queue_size scores wait already, SIGIL_E_CONFIG when the API endpoint is
 *  unusable, SIGIL_E_SHUTDOWN after shutdown; `*error` (optional, owned by
 *  the caller; free with sigil_error_free) says why. Thread-safe. */
SIGIL_API sigil_status_t sigil_client_submit_score(sigil_client_t *client, const sigil_score_t *score,
                                                   char **score_id_out, sigil_error_t **error);

/** Frees a string returned by sigil_client_submit_score. NULL is a no-op. */
SIGIL_API void sigil_string_free(char *str);

/* ===========================================================================
 * Cost, token estimates and sampling
 *
 * Every generation with usage is priced from a versioned price table shipped
 * with the library (USD per million tokens per provider and model, with the
 * dates prices took effect): the cost goes into the generation's metadata and
 * span (sigil.cost.usd.total, .input, .output, .cache_read, .cache_write,
 * .reasoning, sigil.cost.price_table_version) and into the
 * sigil.gen_ai.client.cost histogram (unit USD, by provider, model and
 * agent). A model the table does not know gets no cost and is counted
 * (generations_unpriced in sigil_client_stats). A generation without usage
 * gets a token estimate from its text (ceil(code points / 4)), kept apart
 * from the provider's usage fields (sigil.usage.estimated*). Sampling is
 * deterministic by trace id: every record of one trace gets the same
 * decision. The table format, matching rules and the hash are in
 * docs/cost.md and docs/sampling.md.
 * ======================================================================== */

/** A JSON price table (the built-in table's format, docs/cost.md) whose
 *  entries add to and replace the built-in ones. The path is copied.
 *  Resolved at sigil_client_new: a file that cannot be read or is not a
 *  valid table (bad JSON, an unknown field, a negative price) fails it with
 *  SIGIL_E_CONFIG. NULL unsets it; "" uses the built-in table only (even
 *  with SIGIL_PRICES_FILE set). Environment: SIGIL_PRICES_FILE. */
SIGIL_API sigil_status_t sigil_options_set_prices_file(sigil_options_t *options, const char *path);

/** Whether a generation without usage gets a token estimate from its text
 *  (and a cost marked estimated). Default on. Environment:
 *  SIGIL_TOKEN_ESTIMATES. */
SIGIL_API sigil_status_t sigil_options_set_token_estimates(sigil_options_t *options, int enabled);

/** The share of traces whose generations keep their content (0 to 1,
 *  default 1). Outside the sample a generation is exported and traced as
 *  with SIGIL_CONTENT_CAPTURE_METADATA_ONLY. Outside [0, 1] or NaN is
 *  SIGIL_E_INVALID_ARGUMENT. Environment: SIGIL_CONTENT_SAMPLE_RATE. */
SIGIL_API sigil_status_t sigil_options_set_content_sample_rate(sigil_options_t *options, double rate);

/** The share of traces whose generations are exported to Sigil (0 to 1,
 *  default 1). Outside the sample a generation is not exported (counted in
 *  generations_export_sampled_out); its span and metrics are still
 *  recorded. Outside [0, 1] or NaN is SIGIL_E_INVALID_ARGUMENT.
 *  Environment: SIGIL_EXPORT_SAMPLE_RATE. */
SIGIL_API sigil_status_t sigil_options_set_export_sample_rate(sigil_options_t *options, double rate);

#ifdef __cplusplus
}
#endif

#endif /* SIGIL_SIGIL_H */
