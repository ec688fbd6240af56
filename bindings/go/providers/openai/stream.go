package openai

import (
	"context"
	"time"

	osdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	oresponses "github.com/openai/openai-go/v3/responses"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/recording"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// Stream is an SDK stream whose events libsigil records. Next, Current, Err
// and Close behave as the SDK's *ssestream.Stream; the generation is recorded
// when Next first returns false or at Close, whichever comes first, so a
// stream closed early records what arrived (libsigil marks the output as
// partial). The provider's error is returned by Err unchanged.
type Stream[T interface{ RawJSON() string }] struct {
	stream *ssestream.Stream[T]
	rec    *recording.Stream
}

func newStream[T interface{ RawJSON() string }](ctx context.Context, client *sigil.Client, api, model string,
	req any, opts []Option, open func(context.Context) *ssestream.Stream[T]) *Stream[T] {
	ctx, rec := recording.StartStream(ctx, client, applyOptions(opts), api, model, req, nil)
	return &Stream[T]{stream: open(ctx), rec: rec}
}

// Next advances to the next event; false at the end of the stream or on an
// error (see Err).
func (s *Stream[T]) Next() bool {
	if s.stream.Next() {
		s.rec.Event([]byte(s.stream.Current().RawJSON()))
		return true
	}
	s.rec.Finish(s.stream.Err())
	return false
}

// Current is the event Next moved to.
func (s *Stream[T]) Current() T { return s.stream.Current() }

// Err is the stream's error, as the SDK returned it.
func (s *Stream[T]) Err() error { return s.stream.Err() }

// Close closes the SDK stream and records the generation if the stream has
// not ended yet.
func (s *Stream[T]) Close() error {
	err := s.stream.Close()
	s.rec.Finish(s.stream.Err())
	return err
}

// RecordErr is libsigil's verdict on the recording (input it rejected, an
// enqueue that failed) once the stream has ended or been closed.
func (s *Stream[T]) RecordErr() error { return s.rec.Err() }

// NewChatCompletionsStream calls providerClient.Chat.Completions.NewStreaming
// and returns its stream, recorded as a streaming generation.
func NewChatCompletionsStream(
	ctx context.Context,
	client *sigil.Client,
	provider osdk.Client,
	req osdk.ChatCompletionNewParams,
	opts ...Option,
) *Stream[osdk.ChatCompletionChunk] {
	return newStream(ctx, client, apiChat, string(req.Model), req, opts,
		func(ctx context.Context) *ssestream.Stream[osdk.ChatCompletionChunk] {
			return provider.Chat.Completions.NewStreaming(ctx, req)
		})
}

// NewResponsesStream calls providerClient.Responses.NewStreaming and returns
// its stream, recorded as a streaming generation.
func NewResponsesStream(
	ctx context.Context,
	client *sigil.Client,
	provider osdk.Client,
	req oresponses.ResponseNewParams,
	opts ...Option,
) *Stream[oresponses.ResponseStreamEventUnion] {
	return newStream(ctx, client, apiResponses, string(req.Model), req, opts,
		func(ctx context.Context) *ssestream.Stream[oresponses.ResponseStreamEventUnion] {
			return provider.Responses.NewStreaming(ctx, req)
		})
}

// ChatCompletionsStreamSummary is what ChatCompletionsNewStreaming read from
// the stream.
type ChatCompletionsStreamSummary struct {
	Chunks        []osdk.ChatCompletionChunk
	FinalResponse *osdk.ChatCompletion
	FirstChunkAt  time.Time
}

// ResponsesStreamSummary is what ResponsesNewStreaming read from the stream;
// FinalResponse is the response of the last event that carried one.
type ResponsesStreamSummary struct {
	Events        []oresponses.ResponseStreamEventUnion
	FinalResponse *oresponses.Response
	FirstChunkAt  time.Time
}

// ChatCompletionsNewStreaming reads a whole chat completions stream and
// records it; for per-chunk processing use NewChatCompletionsStream. The
// provider's error is returned unchanged.
func ChatCompletionsNewStreaming(
	ctx context.Context,
	client *sigil.Client,
	provider osdk.Client,
	req osdk.ChatCompletionNewParams,
	opts ...Option,
) (*osdk.ChatCompletion, ChatCompletionsStreamSummary, error) {
	stream := NewChatCompletionsStream(ctx, client, provider, req, opts...)
	defer stream.Close()
	summary := ChatCompletionsStreamSummary{}
	for stream.Next() {
		if summary.FirstChunkAt.IsZero() {
			summary.FirstChunkAt = time.Now().UTC()
		}
		summary.Chunks = append(summary.Chunks, stream.Current())
	}
	if err := stream.Err(); err != nil {
		return nil, summary, err
	}
	return summary.FinalResponse, summary, stream.RecordErr()
}

// ResponsesNewStreaming reads a whole Responses stream and records it; for
// per-event processing use NewResponsesStream. The provider's error is
// returned unchanged.
func ResponsesNewStreaming(
	ctx context.Context,
	client *sigil.Client,
	provider osdk.Client,
	req oresponses.ResponseNewParams,
	opts ...Option,
) (*oresponses.Response, ResponsesStreamSummary, error) {
	stream := NewResponsesStream(ctx, client, provider, req, opts...)
	defer stream.Close()
	summary := ResponsesStreamSummary{}
	for stream.Next() {
		if summary.FirstChunkAt.IsZero() {
			summary.FirstChunkAt = time.Now().UTC()
		}
		event := stream.Current()
		summary.Events = append(summary.Events, event)
		if event.Response.ID != "" {
			final := event.Response
			summary.FinalResponse = &final
		}
	}
	if err := stream.Err(); err != nil {
		return nil, summary, err
	}
	return summary.FinalResponse, summary, stream.RecordErr()
}
