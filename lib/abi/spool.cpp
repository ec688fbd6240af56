// Section: Spool (durable delivery).
#include "abi/handles.h"
#include "export/spool.h"

using sigil::abi::copy_cstr;
using sigil::abi::guard;
using sigil::abi::report;
using sigil::detail::Status;

extern "C" {

sigil_status_t sigil_options_set_spool_dir(sigil_options_t *o, const char *dir) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&] {
    if (dir == nullptr) {
      o->options.spool_dir.reset();
      return SIGIL_OK;
    }
    std::string v;
    Status st = copy_cstr(dir, "spool directory", v);
    if (!st.is_ok()) return st.code();
    o->options.spool_dir = std::move(v);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_spool_max_bytes(sigil_options_t *o, uint64_t bytes) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  o->options.spool_max_bytes = bytes;
  return SIGIL_OK;
}

sigil_status_t sigil_options_set_spool_max_age_ms(sigil_options_t *o, uint64_t ms) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  o->options.spool_max_age_ms = ms;
  return SIGIL_OK;
}

sigil_status_t sigil_options_set_spool_sync(sigil_options_t *o, uint32_t policy) {
  if (o == nullptr || policy > SIGIL_SPOOL_SYNC_RECORD) return SIGIL_E_INVALID_ARGUMENT;
  o->options.spool_sync = policy;
  return SIGIL_OK;
}

sigil_status_t sigil_options_set_spool_mode(sigil_options_t *o, uint32_t mode) {
  if (o == nullptr || mode > SIGIL_SPOOL_MODE_WRITE_AHEAD) return SIGIL_E_INVALID_ARGUMENT;
  o->options.spool_mode = mode;
  return SIGIL_OK;
}

sigil_status_t sigil_options_set_spool_allow_shared_dir(sigil_options_t *o, int allow) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  o->options.spool_allow_shared_dir = allow != 0;
  return SIGIL_OK;
}

sigil_status_t sigil_spool_inspect(const char *dir, char **json_out, size_t *json_len, sigil_error_t **error) {
  sigil::abi::reset_json_out(json_out, json_len, error);
  if (json_out == nullptr) return report(sigil::abi::invalid_argument("json_out is NULL"), error);
  if (dir == nullptr) return report(sigil::abi::invalid_argument("dir is NULL"), error);
  return guard([&] {
    std::string path;
    Status st = copy_cstr(dir, "spool directory", path);
    if (!st.is_ok()) return report(st, error);
    auto json = sigil::detail::inspect_spool_json(path);
    if (!json) return report(json.error(), error);
    return sigil::abi::hand_out_json(json.value(), Status::ok(), json_out, json_len, error);
  });
}

}  // extern "C"
