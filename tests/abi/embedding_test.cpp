// Section: Embeddings (start and result structs).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <string>

#include "init_macros.h"

TEST(EmbeddingSection, StartInitMatchesMacro) {
  static const sigil_embedding_start_t from_cxx_macro = SIGIL_EMBEDDING_START_INIT;
  EXPECT_TRUE(init_gives(sigil_embedding_start_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_embedding_start_init, *c_embedding_start_init_macro()));
  EXPECT_EQ(sigil_embedding_start_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(EmbeddingSection, ResultInitMatchesMacro) {
  static const sigil_embedding_result_t from_cxx_macro = SIGIL_EMBEDDING_RESULT_INIT;
  EXPECT_TRUE(init_gives(sigil_embedding_result_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_embedding_result_init, *c_embedding_result_init_macro()));
  EXPECT_EQ(sigil_embedding_result_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(EmbeddingSection, ResultVersionIsChecked) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);

  sigil_embedding_start_t s;
  ASSERT_EQ(sigil_embedding_start_init(&s), SIGIL_OK);
  s.model_provider = "openai";
  s.model_name = "text-embedding-3-small";
  sigil_embedding_t *e = nullptr;
  ASSERT_EQ(sigil_embedding_start(c, &s, &e), SIGIL_OK);
  sigil_embedding_result_t r;
  ASSERT_EQ(sigil_embedding_result_init(&r), SIGIL_OK);
  r.input_count = 1;
  EXPECT_EQ(sigil_embedding_set_result(e, &r), SIGIL_OK);
  r.version = SIGIL_EMBEDDING_RESULT_VERSION + 1;
  EXPECT_EQ(sigil_embedding_set_result(e, &r), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_embedding_set_result(e, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_embedding_set_result(nullptr, nullptr), SIGIL_OK);  // NULL recorder: a no-op
  EXPECT_EQ(sigil_embedding_end(e, nullptr), SIGIL_OK);
  sigil_embedding_free(e);
  sigil_client_free(c);
}

TEST(EmbeddingSection, StartAndResultAreValidatedWithoutARecorder) {
  auto start_error = [](const sigil_embedding_start_t &s) {
    sigil_error_t *err = nullptr;
    sigil_status_t st = sigil_validate_embedding_start(&s, &err);
    std::string message = sigil_error_message(err);
    sigil_error_free(err);
    return st == SIGIL_OK ? std::string("ok") : message;
  };
  sigil_embedding_start_t s = SIGIL_EMBEDDING_START_INIT;
  EXPECT_EQ(start_error(s), "embedding.model.provider is required");
  s.model_provider = "openai";
  EXPECT_EQ(start_error(s), "embedding.model.name is required");
  s.model_name = "text-embedding-3-small";
  EXPECT_EQ(start_error(s), "ok");
  s.has_dimensions = 1;
  s.dimensions = 0;
  EXPECT_EQ(start_error(s), "embedding.dimensions must be > 0");
  s.dimensions = 256;
  s.encoding_format = "  ";
  EXPECT_EQ(start_error(s), "embedding.encoding_format must not be blank");
  s.encoding_format = "float";
  EXPECT_EQ(start_error(s), "ok");

  sigil_embedding_result_t r = SIGIL_EMBEDDING_RESULT_INIT;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_validate_embedding_result(&r, nullptr), SIGIL_OK);
  r.input_tokens = -1;
  EXPECT_EQ(sigil_validate_embedding_result(&r, &err), SIGIL_E_VALIDATION);
  EXPECT_STREQ(sigil_error_message(err), "embedding.input_tokens must be >= 0");
  sigil_error_free(err);
  r.input_tokens = 0;
  r.has_dimensions = 1;
  EXPECT_EQ(sigil_validate_embedding_result(&r, nullptr), SIGIL_E_VALIDATION);

  EXPECT_EQ(sigil_validate_embedding_start(nullptr, nullptr), SIGIL_E_INVALID_ARGUMENT);
  r.version = 0;
  EXPECT_EQ(sigil_validate_embedding_result(&r, nullptr), SIGIL_E_INVALID_ARGUMENT);
}
