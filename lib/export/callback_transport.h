// The results a host exporter callback reports for one batch
// (sigil_export_results_add), as an ingest server's response would.
#pragma once

#include <string>
#include <vector>

#include "encode/item_result.h"

struct sigil_export_results {
  std::vector<sigil::detail::ItemResult> items;
  std::string message;
};
