package sigil

import (
	"math"
	"testing"
	"time"
)

// The protojson forms libsigil may write for one value all decode alike.
func TestDecodeGenerationReadsEveryProtojsonForm(t *testing.T) {
	for _, doc := range []string{
		`{"max_tokens":"256","temperature":0.5,"usage":{"input_tokens":"7","output_tokens":3},"started_at":"2026-01-02T03:04:05.5Z","mode":"GENERATION_MODE_STREAM"}`,
		`{"max_tokens":256,"temperature":"0.5","usage":{"input_tokens":7,"output_tokens":"3"},"started_at":1767323045500000000,"mode":"STREAM"}`,
	} {
		g, err := decodeGeneration([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if g.MaxTokens == nil || *g.MaxTokens != 256 || g.Temperature == nil || *g.Temperature != 0.5 ||
			g.Usage.InputTokens != 7 || g.Usage.OutputTokens != 3 || g.Mode != GenerationModeStream ||
			!g.StartedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC)) {
			t.Fatalf("%s: %+v", doc, g)
		}
	}
	g, err := decodeGeneration([]byte(`{"top_p":"NaN","temperature":"-Infinity","usage":{"input_tokens":null},"max_tokens":null}`))
	if err != nil || !math.IsNaN(*g.TopP) || !math.IsInf(*g.Temperature, -1) || g.MaxTokens != nil {
		t.Fatalf("special values: %+v %v", g, err)
	}
	if _, err := decodeGeneration([]byte(`{"max_tokens":"many"}`)); err == nil {
		t.Fatal("a malformed integer was read")
	}
}
