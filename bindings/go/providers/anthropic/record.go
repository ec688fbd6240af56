package anthropic

import (
	"context"
	"errors"
	"time"

	asdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/packages/ssestream"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/recording"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

const apiMessages = "anthropic.messages"

// ErrEmbeddingsUnsupported: the Anthropic API has no embeddings endpoint.
var ErrEmbeddingsUnsupported = errors.New("anthropic: embeddings are not supported by the Anthropic API")

// CheckEmbeddingsSupport always returns ErrEmbeddingsUnsupported: there is
// no Anthropic embeddings call to wrap.
func CheckEmbeddingsSupport() error { return ErrEmbeddingsUnsupported }

// Message calls providerClient.Beta.Messages.New and records the
// generation. The message and the provider's error are returned unchanged;
// the error is also recorded as the generation's call error. A non-nil error
// with a message is the recorder's (Err).
func Message(
	ctx context.Context,
	client *sigil.Client,
	provider asdk.Client,
	req asdk.BetaMessageNewParams,
	opts ...Option,
) (*asdk.BetaMessage, error) {
	return recording.Sync(ctx, client, applyOptions(opts), apiMessages, string(req.Model), req,
		func(ctx context.Context) (*asdk.BetaMessage, error) { return provider.Beta.Messages.New(ctx, req) },
		func(m *asdk.BetaMessage) []byte { return []byte(m.RawJSON()) }, nil)
}

// Stream is the SDK's message stream with its events recorded. Next,
// Current, Err and Close behave as the SDK's *ssestream.Stream; the
// generation is recorded when Next first returns false or at Close,
// whichever comes first, so a stream closed early records what arrived.
type Stream struct {
	stream *ssestream.Stream[asdk.BetaRawMessageStreamEventUnion]
	rec    *recording.Stream
}

// NewMessageStream calls providerClient.Beta.Messages.NewStreaming and
// returns its stream, recorded as a streaming generation.
func NewMessageStream(
	ctx context.Context,
	client *sigil.Client,
	provider asdk.Client,
	req asdk.BetaMessageNewParams,
	opts ...Option,
) *Stream {
	ctx, rec := recording.StartStream(ctx, client, applyOptions(opts), apiMessages, string(req.Model), req, nil)
	return &Stream{stream: provider.Beta.Messages.NewStreaming(ctx, req), rec: rec}
}

// Next advances to the next event; false at the end or on an error (Err).
func (s *Stream) Next() bool {
	if s.stream.Next() {
		s.rec.Event([]byte(s.stream.Current().RawJSON()))
		return true
	}
	s.rec.Finish(s.stream.Err())
	return false
}

// Current is the event Next moved to.
func (s *Stream) Current() asdk.BetaRawMessageStreamEventUnion { return s.stream.Current() }

// Err is the stream's error, as the SDK returned it.
func (s *Stream) Err() error { return s.stream.Err() }

// Close closes the SDK stream and records the generation if the stream has
// not ended yet.
func (s *Stream) Close() error {
	err := s.stream.Close()
	s.rec.Finish(s.stream.Err())
	return err
}

// RecordErr is libsigil's verdict on the recording once the stream has ended
// or been closed (input it rejected, an enqueue that failed).
func (s *Stream) RecordErr() error { return s.rec.Err() }

// StreamSummary is what MessageStream read from the stream.
type StreamSummary struct {
	Events       []asdk.BetaRawMessageStreamEventUnion
	FinalMessage *asdk.BetaMessage
	FirstChunkAt time.Time
}

// MessageStream reads a whole message stream and records it; for per-event
// processing use NewMessageStream. The provider's error is returned
// unchanged.
func MessageStream(
	ctx context.Context,
	client *sigil.Client,
	provider asdk.Client,
	req asdk.BetaMessageNewParams,
	opts ...Option,
) (*asdk.BetaMessage, StreamSummary, error) {
	stream := NewMessageStream(ctx, client, provider, req, opts...)
	defer stream.Close()
	summary := StreamSummary{}
	for stream.Next() {
		if summary.FirstChunkAt.IsZero() {
			summary.FirstChunkAt = time.Now().UTC()
		}
		summary.Events = append(summary.Events, stream.Current())
	}
	if err := stream.Err(); err != nil {
		return nil, summary, err
	}
	return summary.FinalMessage, summary, stream.RecordErr()
}
