// Estimated in-memory footprint of a queued generation: what the queue's
// byte budget counts, so the budget bounds real memory, not wire bytes.
#pragma once

#include <cstddef>

#include "base/model.h"

namespace sigil::detail {

size_t estimate_generation_bytes(const Generation &g);

}  // namespace sigil::detail
