// The opaque ABI handles and the shared shim helpers: argument checks,
// UTF-8 checks, Status -> status code + owned error, exception firewall.
#pragma once

#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "core/client.h"
#include "core/embedding_recorder.h"
#include "core/generation_recorder.h"
#include "core/span_recorder.h"
#include "core/tool_execution_recorder.h"
#include "core/config.h"
#include "base/utf8.h"
#include "sigil/sigil.h"

struct sigil_error {
  sigil_status_t code;
  std::string message;
};

struct sigil_options {
  sigil::detail::Options options;
};

struct sigil_client {
  std::shared_ptr<sigil::detail::Client> client;
};

struct sigil_generation {
  sigil::detail::GenerationRecorder recorder;
};

struct sigil_tool_execution {
  sigil::detail::ToolExecutionRecorder recorder;
};

struct sigil_embedding {
  sigil::detail::EmbeddingRecorder recorder;
};

struct sigil_span_recorder {
  sigil::detail::SpanRecorder recorder;
};

namespace sigil::abi {

using detail::Status;

// Stores `st` in `*error` (when requested) and returns its code.
sigil_status_t report(const Status &st, sigil_error_t **error);

inline Status invalid_argument(const char *what) { return Status(SIGIL_E_INVALID_ARGUMENT, what); }

// The body of every sigil_*_init(): zero-fills the whole struct, padding
// included, so that it is byte-for-byte the value of its static _INIT macro
// (tests/abi compare the two byte by byte), then sets the version.
template <typename T>
sigil_status_t init_versioned(T *s, uint32_t version) {
  if (s == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  std::memset(s, 0, sizeof *s);
  s->version = version;
  return SIGIL_OK;
}

// Copies an optional NUL-terminated string, checking UTF-8.
Status copy_cstr(const char *in, const char *field, std::string &out);
Status copy_str(const char *in, size_t len, const char *field, std::string &out);

// The calls that hand a JSON document to the caller: first reset_json_out
// (NULL document, length 0, no error), then hand_out_json, which gives the
// caller a NUL-terminated malloc'd copy of `json` (freed with free()) and
// reports `st`, or reports SIGIL_E_NO_MEMORY.
void reset_json_out(char **json_out, size_t *json_len, sigil_error_t **error);
sigil_status_t hand_out_json(std::string_view json, const Status &st, char **json_out, size_t *json_len,
                             sigil_error_t **error);

// Runs `fn`, turning any escaping exception into a status code.
template <typename F>
sigil_status_t guard(F &&fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc &) {
    return SIGIL_E_NO_MEMORY;
  } catch (...) {
    return SIGIL_E_INTERNAL;
  }
}

template <typename F>
void guard_void(F &&fn) noexcept {
  try {
    fn();
  } catch (...) {
  }
}

}  // namespace sigil::abi
