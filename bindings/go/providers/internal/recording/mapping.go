package recording

// The reference mappers (FromRequestResponse, FromStream, ...) over
// libsigil's one-shot mapping (sigil.MapProviderGeneration): nothing here
// reads a provider field.

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// RawJSON is an SDK value that keeps the JSON the provider sent.
type RawJSON interface{ RawJSON() string }

// Body is the JSON libsigil maps for an SDK value: the provider's own bytes
// when the SDK kept them, else the value serialized (one built by hand).
func Body[T RawJSON](v T) ([]byte, error) {
	if raw := v.RawJSON(); raw != "" {
		return []byte(raw), nil
	}
	return json.Marshal(v)
}

// Generation is one call mapped by libsigil from the request, the response
// and/or the stream's events; mode is the recorder kind the result is for.
// The options fill what the provider JSON does not say (conversation, agent,
// tags, metadata, the provider name) and choose the raw artifacts kept. As
// with the reference mappers, partial provider data is no failure: what
// could be mapped is returned with the problem (errors.Is(err,
// sigil.ErrMappingFailed)), for GenerationRecorder.SetResult to record both.
func (s *Settings) Generation(api string, mode sigil.GenerationMode, request any, response []byte,
	events [][]byte) (sigil.Generation, error) {
	body, err := json.Marshal(request)
	if err != nil {
		return sigil.Generation{}, fmt.Errorf("%s request could not be serialized: %w", api, err)
	}
	var opts []sigil.ProviderOption
	if s.RequestArtifact || s.ResponseArtifact || s.ToolsArtifact || s.EventsArtifact {
		opts = append(opts, sigil.WithRawArtifacts())
	}
	g, err := sigil.MapProviderGeneration(api, body, response, events, opts...)
	if err != nil && !errors.Is(err, sigil.ErrMappingFailed) {
		return g, err
	}
	g.Mode = mode
	g.ConversationID = s.ConversationID
	g.ConversationTitle = s.ConversationTitle
	g.AgentName = s.AgentName
	g.AgentVersion = s.AgentVersion
	g.Model.Provider = s.ProviderName
	g.Tags = merged(g.Tags, s.Tags)
	g.Metadata = merged(s.Metadata, g.Metadata) // what the provider said wins, as in the reference
	g.Artifacts = s.keptArtifacts(g.Artifacts)
	return g, err
}

// FromResponse maps a non-streaming call.
func FromResponse[F RawJSON](s *Settings, api string, request any, resp *F) (sigil.Generation, error) {
	return fromResponse(s, api, sigil.GenerationModeSync, request, resp, "response is required")
}

// FromStream maps a streamed call from its events when there are any (they
// carry the whole stream), else from its final response.
func FromStream[E, F RawJSON](s *Settings, api string, request any, events []E, final *F) (sigil.Generation, error) {
	if len(events) == 0 {
		return fromResponse(s, api, sigil.GenerationModeStream, request, final,
			"stream summary has no events and no final response")
	}
	bodies := make([][]byte, 0, len(events))
	for _, e := range events {
		b, err := Body(e)
		if err != nil {
			return sigil.Generation{}, err
		}
		bodies = append(bodies, b)
	}
	return s.Generation(api, sigil.GenerationModeStream, request, nil, bodies)
}

// fromResponse maps request and response; a nil response is the error
// missing, with nothing mapped (as the reference).
func fromResponse[F RawJSON](s *Settings, api string, mode sigil.GenerationMode, request any, resp *F,
	missing string) (sigil.Generation, error) {
	if resp == nil {
		return sigil.Generation{}, errors.New(missing)
	}
	body, err := Body(*resp)
	if err != nil {
		return sigil.Generation{}, err
	}
	return s.Generation(api, mode, request, body, nil)
}

// MapEmbedding maps an embedding call from the request and the response
// body (nil: the request alone); partial provider data gives what could be
// mapped, as the reference's EmbeddingsFromResponse never fails.
func MapEmbedding(api string, request any, response []byte) sigil.EmbeddingResult {
	body, err := json.Marshal(request)
	if err != nil {
		body = nil // the response alone still gives the counts
	}
	result, _ := sigil.MapProviderEmbedding(api, body, response)
	return result
}

// keptArtifacts keeps the kinds the options asked for.
func (s *Settings) keptArtifacts(arts []sigil.Artifact) []sigil.Artifact {
	keep := map[sigil.ArtifactKind]bool{
		sigil.ArtifactKindRequest: s.RequestArtifact, sigil.ArtifactKindResponse: s.ResponseArtifact,
		sigil.ArtifactKindTools: s.ToolsArtifact, sigil.ArtifactKindProviderEvent: s.EventsArtifact,
	}
	var out []sigil.Artifact
	for _, a := range arts {
		if keep[a.Kind] {
			out = append(out, a)
		}
	}
	return out
}

// merged is a copy of base with over's keys set on it; nil when both are
// empty.
func merged[V any](base, over map[string]V) map[string]V {
	if len(base) == 0 && len(over) == 0 {
		return nil
	}
	out := make(map[string]V, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
