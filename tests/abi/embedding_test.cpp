// Section: Embeddings (start and result structs).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

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
