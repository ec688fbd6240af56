// The Bedrock Converse and ConverseStream mappers on arbitrary bytes: requests, responses and stream
// event sequences (see provider_fuzz.h for the input layout and the checks).
#include "provider_fuzz.h"

using sigil::detail::ProviderApi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return sigil_fuzz::run_provider_input({ProviderApi::kBedrockConverse}, data, size);
}
