// Package sigil records LLM generations, tool executions and embeddings and
// exports them to a Sigil ingest endpoint, through libsigil, the C engine
// every Sigil binding shares. Its API matches the reference Go SDK
// (github.com/grafana/sigil/sdks/go/sigil).
//
// The pattern is OpenTelemetry's:
//
//	ctx, rec := client.StartGeneration(ctx, sigil.GenerationStart{
//		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"},
//	})
//	defer rec.End()
//	resp, err := provider.Call(ctx, req)
//	if err != nil {
//		rec.SetCallError(err)
//		return err
//	}
//	rec.SetResult(sigil.Generation{
//		Input:  []sigil.Message{sigil.UserTextMessage(req.Prompt)},
//		Output: []sigil.Message{sigil.AssistantTextMessage(resp.Text)},
//	}, nil)
//
// End never waits on the network: libsigil validates the record, enqueues
// it, and a background worker batches, sends (gRPC or HTTP) and retries.
// rec.Err reports local failures only; match them with errors.Is
// (ErrValidationFailed, ErrQueueFull, ErrClientShutdown, ...).
//
// Identity comes from the start fields, then from the context
// (WithConversationID, WithConversationTitle, WithUserID, WithAgentName,
// WithAgentVersion), then from the client's defaults (SIGIL_AGENT_NAME, ...).
// The context a Start call returns carries the recorder's trace context, so
// recorders started from it become its children.
//
// The steps around them (an agent run, chains, retrievers, workflows, tasks)
// are spans: StartSpan(ctx, SpanStart{Kind: SpanKindAgent, Name: ...}). Inject
// and Extract carry the trace across processes in W3C traceparent and
// tracestate headers.
//
// Always call Client.Shutdown before the process exits.
//
// Building needs libsigil through pkg-config (package "sigil"); see the
// module's README.
package sigil
