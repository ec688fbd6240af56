// The Go benchmark program for libsigil (bindings/go); see bench/README.md.
//
//	eval "$(sh bindings/go/env.sh BUILD_DIR)" && cd bench/go/libsigil && go build -o sigil-bench-go .
//	./sigil-bench-go --params '<json>'
package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/libsigil/libsigil/bench/go/benchkit"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

type impl struct {
	client *sigil.Client
	start  sigil.GenerationStart
	result sigil.Generation
	ctx    context.Context
}

func (b *impl) Record() (time.Duration, error) {
	t0 := time.Now()
	_, rec := b.client.StartGeneration(b.ctx, b.start)
	rec.SetResult(b.result, nil)
	rec.End()
	elapsed := time.Since(t0)
	return elapsed, rec.Err()
}

func (b *impl) Flush(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return b.client.Flush(ctx)
}

func (b *impl) Counters() map[string]uint64 {
	st, err := b.client.Stats()
	if err != nil {
		benchkit.Fail("stats: %v", err)
	}
	return map[string]uint64{"delivered": st.GenerationsExported, "dropped": st.DroppedTotal,
		"spooled": st.GenerationsSpooled}
}

func (b *impl) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.client.Shutdown(ctx)
}

func message(m benchkit.Message) sigil.Message {
	out := sigil.Message{Role: sigil.Role(m.Role)}
	if m.Text != "" {
		out.Parts = append(out.Parts, sigil.TextPart(m.Text))
	}
	if tc := m.ToolCall; tc != nil {
		out.Parts = append(out.Parts, sigil.ToolCallPart(sigil.ToolCall{ID: tc.ID, Name: tc.Name,
			InputJSON: json.RawMessage(tc.InputJSON)}))
	}
	return out
}

// models maps the workload to the SDK's types, once, before timing.
func models(w benchkit.Workload) (sigil.GenerationStart, sigil.Generation) {
	s, r := w.Start, w.Result
	maxTokens, temperature := s.MaxTokens, s.Temperature
	start := sigil.GenerationStart{
		ConversationID: s.ConversationID,
		AgentName:      s.AgentName,
		AgentVersion:   s.AgentVersion,
		Model:          sigil.ModelRef{Provider: s.Model.Provider, Name: s.Model.Name},
		MaxTokens:      &maxTokens,
		Temperature:    &temperature,
		Tags:           s.Tags,
	}
	result := sigil.Generation{
		SystemPrompt: r.SystemPrompt,
		Usage: sigil.TokenUsage{InputTokens: r.Usage.InputTokens, OutputTokens: r.Usage.OutputTokens,
			CacheReadInputTokens: r.Usage.CacheReadInputTokens},
		ResponseID:    r.ResponseID,
		ResponseModel: r.ResponseModel,
		StopReason:    r.StopReason,
		Metadata:      map[string]any{},
	}
	for _, m := range r.Input {
		result.Input = append(result.Input, message(m))
	}
	for _, m := range r.Output {
		result.Output = append(result.Output, message(m))
	}
	for k, v := range r.Metadata {
		result.Metadata[k] = v
	}
	return start, result
}

func main() {
	p, w := benchkit.Load()
	cfg := sigil.DefaultConfig()
	ex := &cfg.GenerationExport
	ex.Protocol = sigil.GenerationExportProtocol(p.Protocol)
	if p.Protocol != "none" {
		ex.Endpoint = p.Endpoint
	}
	if p.QueueItems > 0 {
		ex.QueueSize = p.QueueItems
	}
	if p.QueueBytes > 0 {
		ex.QueueMaxBytes = p.QueueBytes
	}
	if p.BatchSize > 0 {
		ex.BatchSize = p.BatchSize
	}
	cfg.Telemetry.OTLPEndpoint = p.OTLPEndpoint
	client, err := sigil.NewClientWithError(cfg)
	if err != nil {
		benchkit.Fail("client: %v", err)
	}
	start, result := models(w)
	benchkit.Run(p, &impl{client: client, start: start, result: result, ctx: context.Background()})
}
