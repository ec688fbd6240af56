// Helpers for the provider mapper tests: fixture files under
// conformance/fixtures/providers/<api>/ and stream replays.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "providers/provider_api.h"

namespace sigil_test {

inline std::string read_fixture(const std::string &api, const std::string &name) {
  const std::string path = std::string(SIGIL_PROVIDER_FIXTURES) + "/" + api + "/" + name;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::vector<std::string> fixture_lines(const std::string &api, const std::string &name) {
  std::vector<std::string> out;
  std::istringstream in(read_fixture(api, name));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

struct StreamRun {
  sigil::detail::Status status;
  int first_content_at = -1;  // index of the event add_event returned true for
  int first_content_count = 0;
};

// Feeds every line of a .jsonl fixture, then finishes into `g`.
inline StreamRun replay_stream(sigil::detail::ProviderApi api, const std::vector<std::string> &events,
                               sigil::detail::Generation &g, const sigil::detail::ProviderMapOptions &options = {}) {
  StreamRun run;
  auto acc = sigil::detail::make_stream_accumulator(api, options);
  EXPECT_NE(acc, nullptr);
  if (acc == nullptr) return run;
  for (size_t i = 0; i < events.size(); ++i) {
    if (acc->add_event(events[i])) {
      ++run.first_content_count;
      if (run.first_content_at < 0) run.first_content_at = int(i);
    }
  }
  run.status = acc->finish(g);
  return run;
}

}  // namespace sigil_test
