// Package recording is what the provider packages (providers/openai,
// providers/anthropic, providers/gemini) share: their settings, the start of
// a generation, and the flow that hands libsigil the provider's own JSON.
// Nothing here maps provider fields: libsigil does (docs/providers.md).
package recording

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// Settings are the options of one wrapped call.
type Settings struct {
	ProviderName      string
	ConversationID    string
	ConversationTitle string
	AgentName         string
	AgentVersion      string
	Tags              map[string]string
	Metadata          map[string]any

	RequestArtifact  bool
	ResponseArtifact bool
	ToolsArtifact    bool
	EventsArtifact   bool
}

// MergeTags adds tags (the later value of a key wins).
func (s *Settings) MergeTags(tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	if s.Tags == nil {
		s.Tags = make(map[string]string, len(tags))
	}
	for k, v := range tags {
		s.Tags[k] = v
	}
}

// MergeMetadata adds metadata (the later value of a key wins).
func (s *Settings) MergeMetadata(md map[string]any) {
	if len(md) == 0 {
		return
	}
	if s.Metadata == nil {
		s.Metadata = make(map[string]any, len(md))
	}
	for k, v := range md {
		s.Metadata[k] = v
	}
}

// Start is the generation start of a call to model.
func (s *Settings) Start(model string) sigil.GenerationStart {
	return sigil.GenerationStart{
		ConversationID:    s.ConversationID,
		ConversationTitle: s.ConversationTitle,
		AgentName:         s.AgentName,
		AgentVersion:      s.AgentVersion,
		Model:             sigil.ModelRef{Provider: s.ProviderName, Name: model},
		Tags:              s.Tags,
		Metadata:          s.Metadata,
	}
}

// libsigil keeps raw copies per provider call: the request call yields the
// request and tools artifacts, the response call the response, the events
// the stream_events artifact.
func rawIf(on bool) []sigil.ProviderOption {
	if on {
		return []sigil.ProviderOption{sigil.WithRawArtifacts()}
	}
	return nil
}

func (s *Settings) requestOpts() []sigil.ProviderOption {
	return rawIf(s.RequestArtifact || s.ToolsArtifact)
}
func (s *Settings) responseOpts() []sigil.ProviderOption { return rawIf(s.ResponseArtifact) }
func (s *Settings) eventOpts() []sigil.ProviderOption    { return rawIf(s.EventsArtifact) }

// Request serializes a request value as the provider receives it. A value
// that does not serialize is reported as the generation's mapping error; the
// call itself goes on.
func Request(rec *sigil.GenerationRecorder, api string, request any, s *Settings) {
	body, err := json.Marshal(request)
	if err != nil {
		rec.SetMappingError(api + " request could not be serialized: " + err.Error())
		return
	}
	_ = rec.SetProviderRequest(api, body, s.requestOpts()...)
}

// Sync records one non-streaming call: the request, then the response's raw
// JSON or the provider's error, which is returned unchanged. callErr turns
// the error into what the recorder sees (its HTTP status for
// error.category); nil records err itself.
func Sync[Resp any](
	ctx context.Context,
	client *sigil.Client,
	s *Settings,
	api, model string,
	request any,
	invoke func(context.Context) (Resp, error),
	raw func(Resp) []byte,
	callErr func(error) error,
) (Resp, error) {
	ctx, rec := client.StartGeneration(ctx, s.Start(model))
	defer rec.End()
	Request(rec, api, request, s)
	resp, err := invoke(ctx)
	if err != nil {
		rec.SetCallError(recorded(err, callErr))
		var zero Resp
		return zero, err
	}
	_ = rec.SetProviderResponse(api, raw(resp), s.responseOpts()...)
	return resp, rec.Err()
}

// Embedding records one embedding call from the request and the response
// bodies. The provider's error is returned unchanged.
func Embedding[Resp any](
	ctx context.Context,
	client *sigil.Client,
	start sigil.EmbeddingStart,
	api string,
	request any,
	invoke func(context.Context) (Resp, error),
	raw func(Resp) []byte,
	callErr func(error) error,
) (Resp, error) {
	ctx, rec := client.StartEmbedding(ctx, start)
	defer rec.End()
	resp, err := invoke(ctx)
	if err != nil {
		rec.SetCallError(recorded(err, callErr))
		var zero Resp
		return zero, err
	}
	body, merr := json.Marshal(request)
	if merr != nil {
		body = nil // the response alone still gives the counts
	}
	_ = rec.SetProviderResult(api, body, raw(resp))
	rec.End()
	return resp, rec.Err()
}

func recorded(err error, callErr func(error) error) error {
	if callErr == nil {
		return err
	}
	return callErr(err)
}

// Stream records one streaming call: every event the caller's loop sees,
// then the outcome once (at the end of the stream or at Close, whichever
// comes first). A stream closed early still reports what arrived.
type Stream struct {
	rec     *sigil.GenerationRecorder
	api     string
	opts    []sigil.ProviderOption
	callErr func(error) error
	once    sync.Once
}

// StartStream starts a streaming generation and records its request. The
// returned context goes to the provider call.
func StartStream(ctx context.Context, client *sigil.Client, s *Settings, api, model string, request any, callErr func(error) error) (context.Context, *Stream) {
	ctx, rec := client.StartStreamingGeneration(ctx, s.Start(model))
	Request(rec, api, request, s)
	return ctx, &Stream{rec: rec, api: api, opts: s.eventOpts(), callErr: callErr}
}

// Event hands libsigil one event's JSON; the first content event sets the
// time to first token.
func (st *Stream) Event(raw []byte) { _ = st.rec.AddProviderEvent(st.api, raw, st.opts...) }

// Finish ends the recording once; a non-nil err is the provider's failure.
func (st *Stream) Finish(err error) {
	st.once.Do(func() {
		if err != nil {
			st.rec.SetCallError(recorded(err, st.callErr))
		}
		st.rec.End()
	})
}

// Err is the recorder's error (input libsigil rejected, a failed enqueue).
func (st *Stream) Err() error { return st.rec.Err() }

// StatusError carries an HTTP status for the recorder next to an error whose
// own type does not expose it in a form libsigil's binding reads; its text is
// the original error's and errors.As still finds the original.
type StatusError struct {
	Err    error
	Status int
}

func (e *StatusError) Error() string   { return e.Err.Error() }
func (e *StatusError) Unwrap() error   { return e.Err }
func (e *StatusError) StatusCode() int { return e.Status }
