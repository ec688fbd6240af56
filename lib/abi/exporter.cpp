// Section: Options / Custom generation exporter.
#include "abi/handles.h"
#include "export/callback_transport.h"

using sigil::abi::copy_str;
using sigil::abi::guard;
using sigil::detail::Status;

extern "C" {

sigil_status_t sigil_options_set_generation_exporter(sigil_options_t *o, sigil_generation_exporter_fn fn,
                                                     void *user_data) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  o->options.generation_exporter = {fn, fn != nullptr ? user_data : nullptr};
  return SIGIL_OK;
}

sigil_status_t sigil_export_results_add(sigil_export_results_t *results, const char *generation_id, size_t id_len,
                                        int accepted, const char *error, size_t error_len) {
  if (results == nullptr || generation_id == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&]() -> sigil_status_t {
    sigil::detail::ItemResult item;
    Status st = copy_str(generation_id, id_len, "generation_id", item.generation_id);
    if (st.is_ok()) st = copy_str(error, error_len, "error", item.error);
    if (!st.is_ok()) return st.code();
    item.accepted = accepted != 0;
    results->items.push_back(std::move(item));
    return SIGIL_OK;
  });
}

sigil_status_t sigil_export_results_set_message(sigil_export_results_t *results, const char *message, size_t len) {
  if (results == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&]() -> sigil_status_t { return copy_str(message, len, "message", results->message).code(); });
}

}  // extern "C"
