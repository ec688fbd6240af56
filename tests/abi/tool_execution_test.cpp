// Section: Tool executions (start struct).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include "init_macros.h"

TEST(ToolExecutionSection, StartInitMatchesMacro) {
  static const sigil_tool_execution_start_t from_cxx_macro = SIGIL_TOOL_EXECUTION_START_INIT;
  EXPECT_TRUE(init_gives(sigil_tool_execution_start_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_tool_execution_start_init, *c_tool_execution_start_init_macro()));
  EXPECT_EQ(sigil_tool_execution_start_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}
