"""A LlamaIndex query recorded by the Sigil callback handler: a generation (the synthesizing LLM
call) under the synthesize span, under the query span, beside the retrieve span.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 llamaindex_query.py

It runs on LlamaIndex's own MockLLM and MockEmbedding (no network, no key): swap in your LLM and
embedding model to record real calls. Needs llama-index-core (make deps-frameworks). Exit status 0
when the generation was delivered.
"""

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM

import sigil_sdk
from _framework_support import finish, host_tracer
from sigil_sdk_llamaindex import with_sigil_llamaindex_callbacks

client = sigil_sdk.Client(sigil_sdk.ClientConfig(tracer=host_tracer()))  # the rest from SIGIL_*
config = with_sigil_llamaindex_callbacks(None, client=client, agent_name="docs-bot",
                                         extra_metadata={"index": "weather-docs"})
Settings.callback_manager = config["callback_manager"]
Settings.embed_model = MockEmbedding(embed_dim=8)
Settings.llm = MockLLM(max_tokens=6)

index = VectorStoreIndex.from_documents([Document(text="Paris is sunny, 18 °C."), Document(text="Oslo: rain.")])
print("answer:", index.as_query_engine().query("What is the weather in Paris?"))
raise SystemExit(finish(client, expected=1))
