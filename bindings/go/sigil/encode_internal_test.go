package sigil

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "\x00\x01\x1f\x7f", "tab\tnl\ncr\r",
		"é✓🚀", strings.Repeat("abcdefgh", 9) + "\"", "12345678\n12345678", "\u2028\u2029"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != s {
			t.Errorf("appendString(%q) = %s (round trip %q, %v)", s, got, back, err)
		}
	}
	// Invalid UTF-8 passes through byte for byte, for libsigil to report.
	if got := appendString(nil, "a\xffb"); string(got) != "\"a\xffb\"" {
		t.Errorf("invalid UTF-8 was changed: %q", got)
	}
}

func TestHasSpecial(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			word := []byte("aaaaaaaa")
			word[pos] = byte(c)
			var w uint64
			for i := 7; i >= 0; i-- {
				w = w<<8 | uint64(word[i])
			}
			want := c < 0x20 || c == '"' || c == '\\'
			if hasSpecial(w) != want {
				t.Fatalf("hasSpecial(byte %#x at %d) = %v", c, pos, !want)
			}
		}
	}
}

func TestAppendGenerationIsValidJSON(t *testing.T) {
	nan := math.NaN()
	g := Generation{Temperature: &nan, Model: ModelRef{Name: "m"}, Metadata: map[string]any{"a": []int{1}, "b": nil},
		Tags: map[string]string{"k\"": "v\n"}, Input: []Message{{Role: "weird", Parts: []Part{{}}}}}
	b, err := appendGeneration(nil, &g)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if v["temperature"] != "NaN" {
		t.Errorf("temperature = %v", v["temperature"])
	}
	if _, ok := v["input"].([]any)[0].(map[string]any)["role"]; ok {
		t.Error("an unknown role must be left unset for validation to name it")
	}
	nan2 := math.Inf(1)
	if _, err := appendGeneration(nil, &Generation{Metadata: map[string]any{"x": nan2}}); err == nil {
		t.Error("an infinite metadata value must be an error, as encoding/json reports")
	}
}

func BenchmarkAppendGeneration(b *testing.B) {
	g := Generation{
		SystemPrompt: strings.Repeat("You are helpful. ", 20),
		Input:        []Message{UserTextMessage(strings.Repeat("Where is my order? ", 40))},
		Output:       []Message{AssistantTextMessage(strings.Repeat("It is on its way. ", 40))},
		Usage:        TokenUsage{InputTokens: 10, OutputTokens: 20},
		Tags:         map[string]string{"a": "b"},
		Metadata:     map[string]any{"x": "y", "n": 1},
	}
	buf, _ := appendGeneration(nil, &g)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = appendGeneration(buf[:0], &g)
	}
}
