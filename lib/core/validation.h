// The reference validation rules for generations and embeddings, with the
// reference's messages (paths such as "generation.input[0].parts[1]").
#pragma once

#include <optional>
#include <string>

#include "base/model.h"
#include "base/status.h"

namespace sigil::detail {

Status validate_generation(const Generation &g);

struct EmbeddingCheck {
  std::string provider;
  std::string model;
  std::optional<int64_t> start_dimensions;
  std::string encoding_format;
  bool encoding_format_set = false;
  int64_t input_count = 0;
  int64_t input_tokens = 0;
  std::optional<int64_t> result_dimensions;
};
// The start's rules, the result's, and both (start first), as end applies them.
Status validate_embedding_start(const EmbeddingCheck &e);
Status validate_embedding_result(const EmbeddingCheck &e);
Status validate_embedding(const EmbeddingCheck &e);

}  // namespace sigil::detail
