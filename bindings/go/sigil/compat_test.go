//go:build compat

// Compatibility tier (make test-compat): behaviours the reference Go SDK
// documents, used as code written against it uses them. Built only with
// -tags compat, so the binding tier does not run them a second time.
package sigil_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
	"github.com/libsigil/libsigil/bindings/go/sigil/sigiltest"
)

var compatModel = sigil.ModelRef{Provider: "openai", Name: "gpt-4o"}

func TestCompatValidateMessagesAreUnprefixed(t *testing.T) {
	cases := map[string]sigil.Generation{
		"generation.model.provider is required": {},
		"generation.model.name is required":     {Model: sigil.ModelRef{Provider: "openai"}},
	}
	for want, g := range cases {
		if err := g.Validate(); err == nil || err.Error() != want {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	}
	if err := (sigil.Generation{Model: compatModel}).Validate(); err != nil {
		t.Errorf("valid generation: %v", err)
	}
}

func TestCompatAuthErrorTexts(t *testing.T) {
	cases := []struct {
		auth sigil.AuthConfig
		text string
	}{
		{sigil.AuthConfig{Mode: sigil.ExportAuthModeTenant}, "auth mode tenant requires tenant_id"},
		{sigil.AuthConfig{Mode: sigil.ExportAuthModeBearer}, "auth mode bearer requires bearer_token"},
		{sigil.AuthConfig{Mode: sigil.ExportAuthModeBasic, TenantID: "t"}, "auth mode basic requires basic_password"},
		{sigil.AuthConfig{Mode: sigil.ExportAuthModeNone, TenantID: "t"}, "auth mode none does not allow credentials"},
		{sigil.AuthConfig{Mode: sigil.ExportAuthModeTenant, TenantID: "t", BearerToken: "b"},
			"auth mode tenant does not allow bearer_token"},
	}
	for _, tc := range cases {
		cfg := sigil.DefaultConfig()
		cfg.GenerationExport.Auth = tc.auth
		_, err := sigil.NewClientWithError(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.text) || !errors.Is(err, sigil.ErrInvalidConfig) {
			t.Errorf("auth %+v: err = %v, want %q", tc.auth, err, tc.text)
		}
	}
}

func TestCompatRatingConflictText(t *testing.T) {
	h := needHarness(t)
	c := newClient(t, func(cfg *sigil.Config) { cfg.API.Endpoint = h.APIEndpoint() })
	h.Script(t, "api", map[string]any{"status": 409, "body": `{"error":"rating conflict"}`})
	_, err := c.SubmitConversationRating(ctxTimeout(t, 5*time.Second), "conv-1", sigil.ConversationRatingInput{
		RatingID: "r-1", Rating: sigil.ConversationRatingValueGood})
	if !errors.Is(err, sigil.ErrRatingConflict) || strings.Count(err.Error(), "conversation rating conflict") != 1 {
		t.Fatalf("err = %v", err)
	}
}

func TestCompatSigiltestCapturesGenerationsSpansAndMetrics(t *testing.T) {
	env := sigiltest.NewEnv(t)
	sigiltest.RecordGeneration(t, env, sigil.GenerationStart{Model: compatModel, Metadata: map[string]any{
		"sigil.framework.run_id": "run-7", "sigil.framework.component_name": "agent"}},
		sigil.Generation{Output: []sigil.Message{sigil.AssistantTextMessage("ok")}}, nil)
	g := env.SingleGenerationJSON(t)
	if sigiltest.StringValue(t, g, "model", "name") != "gpt-4o" {
		t.Fatalf("generation = %s", sigiltest.DebugJSON(g))
	}
	attrs := sigiltest.SpanAttributes(sigiltest.FindSpan(t, env.Spans.Ended(), "generateText gpt-4o"))
	if attrs["sigil.framework.run_id"].AsString() != "run-7" || attrs["sigil.framework.component_name"].AsString() != "agent" {
		t.Fatalf("span attributes = %v", attrs)
	}
	if env.Metrics.PointCount(t, "gen_ai.client.operation.duration") != 1 {
		t.Fatalf("metrics = %s", sigiltest.DebugJSON(env.Metrics.Collect(t)))
	}
}

func TestCompatEmptyToolNameIsANoOp(t *testing.T) {
	env := sigiltest.NewEnv(t)
	_, rec := env.Client.StartToolExecution(context.Background(), sigil.ToolExecutionStart{})
	rec.SetResult(sigil.ToolExecutionEnd{Arguments: "x"})
	rec.End()
	if rec.Err() != nil || len(env.Spans.Ended()) != 0 {
		t.Fatalf("err = %v, spans = %d", rec.Err(), len(env.Spans.Ended()))
	}
}

func TestCompatTracerAndMeterAreAccepted(t *testing.T) {
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
	cfg.Tracer, cfg.Meter = struct{}{}, struct{}{}
	c, err := sigil.NewClientWithError(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, rec := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: compatModel})
	rec.End()
	if rec.Err() != nil {
		t.Fatalf("Err = %v", rec.Err())
	}
	_ = c.Shutdown(ctxTimeout(t, 5*time.Second))
}
