// Section: Status codes and errors; Version.
#include <cstdlib>
#include <cstring>

#include "abi/handles.h"

namespace sigil::abi {

sigil_status_t report(const Status &st, sigil_error_t **error) {
  if (error != nullptr) {
    *error = nullptr;
    if (!st.is_ok()) *error = new (std::nothrow) sigil_error{st.code(), st.message()};
  }
  return st.code();
}

Status copy_str(const char *in, size_t len, const char *field, std::string &out) {
  if (in == nullptr) {
    if (len != 0) return Status(SIGIL_E_INVALID_ARGUMENT, std::string(field) + " is NULL with a non-zero length");
    out.clear();
    return Status::ok();
  }
  std::string_view s(in, len);
  if (!detail::valid_utf8(s)) {
    size_t at = detail::first_invalid_utf8(s);
    return Status(SIGIL_E_INVALID_UTF8, std::string(field) + ": invalid UTF-8 at byte " + std::to_string(at));
  }
  out.assign(s);
  return Status::ok();
}

void reset_json_out(char **json_out, size_t *json_len, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (json_out != nullptr) *json_out = nullptr;
  if (json_len != nullptr) *json_len = 0;
}

sigil_status_t hand_out_json(std::string_view json, const Status &st, char **json_out, size_t *json_len,
                             sigil_error_t **error) {
  char *buf = static_cast<char *>(std::malloc(json.size() + 1));
  if (buf == nullptr) return report(Status(SIGIL_E_NO_MEMORY, "out of memory"), error);
  std::memcpy(buf, json.data(), json.size());
  buf[json.size()] = '\0';
  *json_out = buf;
  if (json_len != nullptr) *json_len = json.size();
  return report(st, error);
}

Status copy_cstr(const char *in, const char *field, std::string &out) {
  return copy_str(in, in == nullptr ? 0 : std::char_traits<char>::length(in), field, out);
}

}  // namespace sigil::abi

extern "C" {

const char *sigil_version_string(void) { return SIGIL_VERSION_STRING; }
uint32_t sigil_version_number(void) { return SIGIL_VERSION_NUMBER; }
uint32_t sigil_abi_version(void) { return SIGIL_ABI_VERSION; }

sigil_status_t sigil_error_code(const sigil_error_t *error) { return error == nullptr ? SIGIL_OK : error->code; }

const char *sigil_error_message(const sigil_error_t *error) { return error == nullptr ? "" : error->message.c_str(); }

void sigil_error_free(sigil_error_t *error) { delete error; }

const char *sigil_status_name(sigil_status_t status) {
  switch (status) {
    case SIGIL_OK:
      return "SIGIL_OK";
    case SIGIL_E_INVALID_ARGUMENT:
      return "SIGIL_E_INVALID_ARGUMENT";
    case SIGIL_E_VALIDATION:
      return "SIGIL_E_VALIDATION";
    case SIGIL_E_QUEUE_FULL:
      return "SIGIL_E_QUEUE_FULL";
    case SIGIL_E_PAYLOAD_TOO_LARGE:
      return "SIGIL_E_PAYLOAD_TOO_LARGE";
    case SIGIL_E_SHUTDOWN:
      return "SIGIL_E_SHUTDOWN";
    case SIGIL_E_INVALID_UTF8:
      return "SIGIL_E_INVALID_UTF8";
    case SIGIL_E_INVALID_JSON:
      return "SIGIL_E_INVALID_JSON";
    case SIGIL_E_CONFIG:
      return "SIGIL_E_CONFIG";
    case SIGIL_E_TIMEOUT:
      return "SIGIL_E_TIMEOUT";
    case SIGIL_E_TRANSPORT:
      return "SIGIL_E_TRANSPORT";
    case SIGIL_E_ALREADY_ENDED:
      return "SIGIL_E_ALREADY_ENDED";
    case SIGIL_E_NO_MEMORY:
      return "SIGIL_E_NO_MEMORY";
    case SIGIL_E_INTERNAL:
      return "SIGIL_E_INTERNAL";
    case SIGIL_E_BYTE_BUDGET:
      return "SIGIL_E_BYTE_BUDGET";
    case SIGIL_E_REJECTED:
      return "SIGIL_E_REJECTED";
    case SIGIL_E_RATING_VALIDATION:
      return "SIGIL_E_RATING_VALIDATION";
    case SIGIL_E_RATING_CONFLICT:
      return "SIGIL_E_RATING_CONFLICT";
    case SIGIL_E_UNSUPPORTED:
      return "SIGIL_E_UNSUPPORTED";
    default:
      return "SIGIL_E_UNKNOWN";
  }
}

}  // extern "C"
