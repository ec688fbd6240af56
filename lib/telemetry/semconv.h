// Attribute keys, metric names and error values of the Sigil semantic
// conventions (OpenTelemetry GenAI baseline plus the sigil.* extensions).
// Inline constants: one address per key across the library, so attribute
// lookups can compare pointers first.
#pragma once

namespace sigil::detail::semconv {

// Span attributes.
inline constexpr char kSdkName[] = "sigil.sdk.name";
inline constexpr char kGenerationId[] = "sigil.generation.id";
inline constexpr char kConversationTitle[] = "sigil.conversation.title";
inline constexpr char kOperationName[] = "gen_ai.operation.name";
inline constexpr char kProviderName[] = "gen_ai.provider.name";
inline constexpr char kConversationId[] = "gen_ai.conversation.id";
inline constexpr char kUserId[] = "user.id";
inline constexpr char kAgentName[] = "gen_ai.agent.name";
inline constexpr char kAgentVersion[] = "gen_ai.agent.version";
inline constexpr char kRequestModel[] = "gen_ai.request.model";
inline constexpr char kRequestMaxTokens[] = "gen_ai.request.max_tokens";
inline constexpr char kRequestTemperature[] = "gen_ai.request.temperature";
inline constexpr char kRequestTopP[] = "gen_ai.request.top_p";
inline constexpr char kRequestEncodingFormats[] = "gen_ai.request.encoding_formats";
inline constexpr char kRequestToolChoice[] = "sigil.gen_ai.request.tool_choice";
inline constexpr char kRequestThinkingEnabled[] = "sigil.gen_ai.request.thinking.enabled";
inline constexpr char kRequestThinkingBudget[] = "sigil.gen_ai.request.thinking.budget_tokens";
inline constexpr char kResponseId[] = "gen_ai.response.id";
inline constexpr char kResponseModel[] = "gen_ai.response.model";
inline constexpr char kFinishReasons[] = "gen_ai.response.finish_reasons";
inline constexpr char kInputTokens[] = "gen_ai.usage.input_tokens";
inline constexpr char kOutputTokens[] = "gen_ai.usage.output_tokens";
inline constexpr char kCacheReadTokens[] = "gen_ai.usage.cache_read_input_tokens";
inline constexpr char kCacheWriteTokens[] = "gen_ai.usage.cache_write_input_tokens";
inline constexpr char kCacheCreationTokens[] = "gen_ai.usage.cache_creation_input_tokens";
inline constexpr char kReasoningTokens[] = "gen_ai.usage.reasoning_tokens";
inline constexpr char kEmbeddingInputCount[] = "gen_ai.embeddings.input_count";
inline constexpr char kEmbeddingInputTexts[] = "gen_ai.embeddings.input_texts";
inline constexpr char kEmbeddingDimensionCount[] = "gen_ai.embeddings.dimension.count";
inline constexpr char kToolName[] = "gen_ai.tool.name";
inline constexpr char kToolCallId[] = "gen_ai.tool.call.id";
inline constexpr char kToolType[] = "gen_ai.tool.type";
inline constexpr char kToolDescription[] = "gen_ai.tool.description";
inline constexpr char kToolCallArguments[] = "gen_ai.tool.call.arguments";
inline constexpr char kToolCallResult[] = "gen_ai.tool.call.result";
inline constexpr char kErrorType[] = "error.type";
// Spans an application starts itself (agent, chain, retriever, ...).
inline constexpr char kSpanKind[] = "sigil.span.kind";
inline constexpr char kSpanInput[] = "sigil.span.input";
inline constexpr char kSpanOutput[] = "sigil.span.output";
inline constexpr char kErrorCategory[] = "error.category";

// The "exception" span event.
inline constexpr char kExceptionEvent[] = "exception";
inline constexpr char kExceptionType[] = "exception.type";
inline constexpr char kExceptionMessage[] = "exception.message";

// Operation names.
inline constexpr char kOpGenerate[] = "generateText";
inline constexpr char kOpStream[] = "streamText";
inline constexpr char kOpEmbeddings[] = "embeddings";
inline constexpr char kOpExecuteTool[] = "execute_tool";
inline constexpr char kOpInvokeAgent[] = "invoke_agent";

// error.type values.
inline constexpr char kErrProviderCall[] = "provider_call_error";
inline constexpr char kErrMapping[] = "mapping_error";
inline constexpr char kErrValidation[] = "validation_error";
inline constexpr char kErrEnqueue[] = "enqueue_error";
inline constexpr char kErrToolExecution[] = "tool_execution_error";
inline constexpr char kErrSpan[] = "span_error";  // an application's span without an error type of its own
// error.category for failures inside the SDK itself.
inline constexpr char kCategorySdk[] = "sdk_error";

// Metrics.
inline constexpr char kMetricOperationDuration[] = "gen_ai.client.operation.duration";
inline constexpr char kMetricTokenUsage[] = "gen_ai.client.token.usage";
inline constexpr char kMetricTimeToFirstToken[] = "gen_ai.client.time_to_first_token";
inline constexpr char kMetricToolCallsPerOperation[] = "gen_ai.client.tool_calls_per_operation";
inline constexpr char kTokenType[] = "gen_ai.token.type";

// Framework metadata keys (set by framework handlers) that are also copied
// onto the generation span: low-cardinality identifiers only, never the
// framework's free-form tags or the caller's own metadata.
inline constexpr char kFrameworkRunId[] = "sigil.framework.run_id";
inline constexpr char kFrameworkThreadId[] = "sigil.framework.thread_id";
inline constexpr char kFrameworkParentRunId[] = "sigil.framework.parent_run_id";
inline constexpr char kFrameworkComponentName[] = "sigil.framework.component_name";
inline constexpr char kFrameworkRunType[] = "sigil.framework.run_type";
inline constexpr char kFrameworkRetryAttempt[] = "sigil.framework.retry_attempt";
inline constexpr char kFrameworkLangGraphNode[] = "sigil.framework.langgraph.node";
inline constexpr char kFrameworkEventId[] = "sigil.framework.event_id";

// Metadata key holding the thinking budget (also a span attribute).
inline constexpr char kMetaThinkingBudget[] = "sigil.gen_ai.request.thinking.budget_tokens";

// Cost, token estimates and sampling (docs/cost.md, docs/sampling.md): keys
// of both the generation metadata and the generation span.
inline constexpr char kCostTotal[] = "sigil.cost.usd.total";
inline constexpr char kCostInput[] = "sigil.cost.usd.input";
inline constexpr char kCostOutput[] = "sigil.cost.usd.output";
inline constexpr char kCostCacheRead[] = "sigil.cost.usd.cache_read";
inline constexpr char kCostCacheWrite[] = "sigil.cost.usd.cache_write";
inline constexpr char kCostReasoning[] = "sigil.cost.usd.reasoning";
inline constexpr char kCostEstimated[] = "sigil.cost.estimated";
inline constexpr char kCostPriceTableVersion[] = "sigil.cost.price_table_version";
inline constexpr char kUsageEstimated[] = "sigil.usage.estimated";
inline constexpr char kUsageEstimatedInput[] = "sigil.usage.estimated.input_tokens";
inline constexpr char kUsageEstimatedOutput[] = "sigil.usage.estimated.output_tokens";
inline constexpr char kSamplingContent[] = "sigil.sampling.content";
inline constexpr char kSamplingContentRate[] = "sigil.sampling.content_rate";
inline constexpr char kSamplingExportRate[] = "sigil.sampling.export_rate";
inline constexpr char kSamplingExported[] = "sigil.sampling.exported";
inline constexpr char kMetricCost[] = "sigil.gen_ai.client.cost";

}  // namespace sigil::detail::semconv
