package sigiltest

import (
	"context"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// RecordGeneration records one generation through env's client (start,
// SetResult with mapErr, End) and fails the test if End reports an error.
func RecordGeneration(t testing.TB, env *Env, start sigil.GenerationStart, generation sigil.Generation, mapErr error) {
	t.Helper()
	requireEnv(t, env)
	_, rec := env.Client.StartGeneration(context.Background(), start)
	rec.SetResult(generation, mapErr)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("record generation: %v", err)
	}
}

// RecordStreamingGeneration is RecordGeneration for a streaming generation;
// a non-zero firstTokenAt is set as its first-token time.
func RecordStreamingGeneration(t testing.TB, env *Env, start sigil.GenerationStart, firstTokenAt time.Time, generation sigil.Generation, mapErr error) {
	t.Helper()
	requireEnv(t, env)
	_, rec := env.Client.StartStreamingGeneration(context.Background(), start)
	if !firstTokenAt.IsZero() {
		rec.SetFirstTokenAt(firstTokenAt)
	}
	rec.SetResult(generation, mapErr)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("record streaming generation: %v", err)
	}
}

// RecordCallError records a generation whose provider call failed with callErr.
func RecordCallError(t testing.TB, env *Env, start sigil.GenerationStart, callErr error) {
	t.Helper()
	requireEnv(t, env)
	_, rec := env.Client.StartGeneration(context.Background(), start)
	rec.SetCallError(callErr)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("record call error: %v", err)
	}
}

// RecordEmbedding records one embedding call with result.
func RecordEmbedding(t testing.TB, env *Env, start sigil.EmbeddingStart, result sigil.EmbeddingResult) {
	t.Helper()
	requireEnv(t, env)
	_, rec := env.Client.StartEmbedding(context.Background(), start)
	rec.SetResult(result)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("record embedding: %v", err)
	}
}

func requireEnv(t testing.TB, env *Env) {
	t.Helper()
	if env == nil || env.Client == nil {
		t.Fatalf("sigil test env is not initialized")
	}
}
