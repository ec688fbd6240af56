package sigil

import (
	"context"
	"time"
)

// EmbeddingStart seeds an embedding call before it runs.
type EmbeddingStart struct {
	Model          ModelRef
	AgentName      string
	AgentVersion   string
	Dimensions     *int64
	EncodingFormat string
	// Tags and Metadata are accepted for compatibility; embeddings are not
	// exported as generations and their spans do not carry them.
	Tags      map[string]string
	Metadata  map[string]any
	StartedAt time.Time
	// ContentCapture overrides the client's mode for this call (a libsigil
	// extension; the reference resolves embeddings from the resolver and the
	// client only, and so does libsigil without it: the context's mode does
	// not apply to embeddings).
	ContentCapture ContentCaptureMode
}

// EmbeddingResult is what the embedding call returned. InputTexts are
// recorded on the span only when Config.EmbeddingCapture.CaptureInput is on.
type EmbeddingResult struct {
	InputCount    int
	InputTokens   int64
	InputTexts    []string
	ResponseModel string
	Dimensions    *int64
}

// EmbeddingRecorder records one embedding call (a span and metrics). Its
// methods are safe for concurrent use and on a nil or no-op recorder.
type EmbeddingRecorder struct {
	recorder[*cEmbedding]

	callErr   error
	mapErr    error // the first provider JSON libsigil could only partly map
	result    EmbeddingResult
	hasResult bool
}

// StartEmbedding starts an embedding call and returns a context whose
// recorders become its children. A nil client gives a no-op recorder.
func (c *Client) StartEmbedding(ctx context.Context, start EmbeddingStart) (context.Context, *EmbeddingRecorder) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c == nil || c.ptr == nil {
		return ctx, &EmbeddingRecorder{}
	}
	cv := contextValuesOf(ctx)
	a := getArgs()
	defer putArgs(a)
	var cs cEmbeddingStartArgs
	cs.model_provider = a.str(start.Model.Provider)
	cs.model_name = a.str(start.Model.Name)
	cs.agent_name = a.str(start.AgentName)
	cs.agent_version = a.str(start.AgentVersion)
	cs.encoding_format = a.str(start.EncodingFormat)
	if start.Dimensions != nil {
		cs.has_dimensions, cs.dimensions = 1, cInt64(*start.Dimensions)
	}
	cs.started_at_ns = c.startTime(start.StartedAt)
	cs.content_capture = cmode(start.ContentCapture) // not the context's: as in the reference SDKs
	var release func()
	cs.call_ctx, release = c.resolverContext(ctx)
	defer release()
	cs.ctx_agent_name = a.str(cv.agentName)
	cs.ctx_agent_version = a.str(cv.agentVersion)
	hs := c.beginHost(ctx, cv, RecordEmbedding, spanName("embeddings", start.Model.Name), &cs.started_at_ns)
	cs.parent_traceparent, cs.parent_is_local = a.str(hs.parent), cbool(hs.parentLocal)
	cs.span_traceparent = a.str(hs.spanTP)
	handle, traceparent := c.embeddingStart(&cs, a)
	rec := &EmbeddingRecorder{recorder: recorder[*cEmbedding]{client: c, handle: handle, hostTP: hs.spanTP}}
	ctx = c.afterHost(ctx, hs, traceparent, handle != nil)
	if e := a.nulError("embedding start"); e != nil {
		rec.startErr = e
	}
	if handle != nil {
		setCleanup(rec, finalizeEmbedding)
	}
	return cv.withTraceparent(ctx, traceparent), rec
}

// SetCallError records that the embedding call failed.
func (r *EmbeddingRecorder) SetCallError(err error) {
	if r == nil || err == nil {
		return
	}
	r.set(func() { r.callErr = err })
}

// SetResult stores the embedding call's result.
func (r *EmbeddingRecorder) SetResult(result EmbeddingResult) {
	if r == nil {
		return
	}
	r.set(func() { r.result, r.hasResult = result, true })
}

// End finalizes the embedding span. It is idempotent and safe on a nil or
// no-op recorder.
func (r *EmbeddingRecorder) End() {
	if r != nil {
		r.end(r)
	}
}

func (r *EmbeddingRecorder) finish(handle *cEmbedding) error {
	a := getArgs()
	defer putArgs(a)
	var cr cEmbeddingResultArgs
	cr.response_model, cr.texts = -1, -1
	if r.hasResult {
		res := &r.result
		cr.has_result = 1
		cr.input_count = cInt64(int64(res.InputCount))
		cr.input_tokens = cInt64(res.InputTokens)
		cr.response_model = a.str(res.ResponseModel)
		if res.Dimensions != nil {
			cr.has_dimensions, cr.dimensions = 1, cInt64(*res.Dimensions)
		}
		if len(res.InputTexts) > 0 {
			cr.texts = cInt64(int64(len(a.b)))
			cr.texts_count = cInt64(int64(len(res.InputTexts)))
			for _, t := range res.InputTexts {
				a.always(t)
			}
		}
	}
	err := embeddingFinish(handle, &cr, a, r.callErr)
	if e := a.nulError("embedding result"); e != nil && err == nil {
		err = e
	}
	if err == nil {
		return nil
	}
	switch err.Code {
	case CodeValidation, CodeInvalidUTF8, CodeInvalidArgument:
		err.with(ErrEmbeddingValidationFailed)
	case CodeShutdown:
		err.with(ErrClientShutdown)
	}
	return err
}

// Err returns End's local error (errors.Is(err, ErrEmbeddingValidationFailed)
// for an invalid start or result). The call error is not a local error.
func (r *EmbeddingRecorder) Err() error {
	if r == nil {
		return nil
	}
	return r.err()
}

func finalizeEmbedding(r *EmbeddingRecorder) {
	if r.handle != nil {
		freeEmbedding(r.handle)
		r.client.endHostSpan(r.hostTP) // a host span libsigil gave no span for
	}
}
