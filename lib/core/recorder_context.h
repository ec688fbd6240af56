// What every recorder shares: the identity a binding supplies from its
// context mechanism, and the fallback rules applied at start.
#pragma once

#include <string>

#include "base/status.h"

namespace sigil::detail {

// Identity a binding supplies from its context mechanism.
struct ContextValues {
  std::string conversation_id, conversation_title, user_id, agent_name, agent_version;
};

// Explicit > context > client default: `target` keeps a value already set.
inline void fill_if_empty(std::string &target, const std::string &fallback) {
  if (target.empty()) target = fallback;
}

// What any recording call returns once the client is shut down.
inline Status shutdown_error() { return Status(SIGIL_E_SHUTDOWN, "the client is shut down"); }

}  // namespace sigil::detail
