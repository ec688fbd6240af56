package sigil_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func ratingClient(t *testing.T) *sigil.Client {
	h := needHarness(t)
	return newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
		c.GenerationExport.Auth = sigil.AuthConfig{Mode: sigil.ExportAuthModeTenant, TenantID: "tenant-r"}
		c.API.Endpoint = h.APIEndpoint()
	})
}

func TestSubmitConversationRating(t *testing.T) {
	h := needHarness(t)
	client := ratingClient(t)
	conv := unique("conv rating/ü") // needs escaping in the URL path
	ctx := ctxTimeout(t, 10*time.Second)
	resp, err := client.SubmitConversationRating(ctx, conv, sigil.ConversationRatingInput{
		RatingID:     "rat-1",
		Rating:       sigil.ConversationRatingValueBad,
		Comment:      "  ignored the context  ",
		Metadata:     map[string]any{"channel": "assistant-ui", "n": 3},
		GenerationID: "gen-1",
		RaterID:      "user-1",
		Source:       "sdk-go",
	})
	if err != nil {
		t.Fatalf("SubmitConversationRating: %v", err)
	}
	r := resp.Rating
	if r.RatingID != "rat-1" || r.ConversationID != conv || r.Rating != string(sigil.ConversationRatingValueBad) ||
		r.Comment != "ignored the context" || r.GenerationID != "gen-1" || r.RaterID != "user-1" || r.Source != "sdk-go" ||
		r.Metadata["channel"] != "assistant-ui" || r.CreatedAt.IsZero() {
		t.Errorf("rating = %+v", r)
	}
	if s := resp.Summary; s.TotalCount != 1 || s.BadCount != 1 || !s.HasBadRating || s.LatestRatedAt.IsZero() {
		t.Errorf("summary = %+v", s)
	}
	var captured map[string]any
	for _, c := range h.Captures(t, "ratings") {
		if c["conversation_id"] == conv {
			captured = c
		}
	}
	if captured == nil {
		t.Fatal("rating not captured")
	}
	if got := header(captured, "X-Scope-OrgID"); got != "tenant-r" {
		t.Errorf("X-Scope-OrgID = %q", got)
	}
	body := captured["json"].(map[string]any)
	if body["rating"] != "CONVERSATION_RATING_VALUE_BAD" || body["comment"] != "ignored the context" {
		t.Errorf("body = %v", body)
	}
}

func TestRatingErrors(t *testing.T) {
	h := needHarness(t)
	client := ratingClient(t)
	ctx := context.Background()
	good := sigil.ConversationRatingInput{RatingID: "rat-e", Rating: sigil.ConversationRatingValueGood}

	for name, tc := range map[string]struct {
		conv  string
		input sigil.ConversationRatingInput
	}{
		"no conversation": {" ", good},
		"no rating id":    {"c", sigil.ConversationRatingInput{Rating: sigil.ConversationRatingValueGood}},
		"bad value":       {"c", sigil.ConversationRatingInput{RatingID: "r", Rating: "MEH"}},
		"long source":     {"c", sigil.ConversationRatingInput{RatingID: "r", Rating: sigil.ConversationRatingValueGood, Source: strings.Repeat("s", 65)}},
		"bad metadata":    {"c", sigil.ConversationRatingInput{RatingID: "r", Rating: sigil.ConversationRatingValueGood, Metadata: map[string]any{"f": func() {}}}},
	} {
		if _, err := client.SubmitConversationRating(ctx, tc.conv, tc.input); !errors.Is(err, sigil.ErrRatingValidationFailed) {
			t.Errorf("%s: err = %v, want ErrRatingValidationFailed", name, err)
		}
	}

	h.Script(t, "api", map[string]any{"status": 409, "body": `{"error":"conflict"}`})
	if _, err := client.SubmitConversationRating(ctx, "c", good); !errors.Is(err, sigil.ErrRatingConflict) ||
		!strings.Contains(err.Error(), "conflict") {
		t.Errorf("409: err = %v", err)
	}
	h.Script(t, "api", map[string]any{"status": 400, "body": "invalid rating"})
	if _, err := client.SubmitConversationRating(ctx, "c", good); !errors.Is(err, sigil.ErrRatingValidationFailed) {
		t.Errorf("400: err = %v", err)
	}
	h.Script(t, "api", map[string]any{"status": 503})
	if _, err := client.SubmitConversationRating(ctx, "c", good); !errors.Is(err, sigil.ErrRatingTransportFailed) {
		t.Errorf("503: err = %v", err)
	}
	h.Script(t, "api", map[string]any{"delay_ms": 2000})
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := client.SubmitConversationRating(short, "c", good); !errors.Is(err, sigil.ErrRatingTransportFailed) ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: err = %v", err)
	}
}
