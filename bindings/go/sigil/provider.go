package sigil

// Provider JSON, mapped by libsigil (include/sigil/sigil.h, "Provider mapping";
// the fields of each API are in docs/providers.md). The binding passes the
// bytes through unchanged: any HTTP client or SDK can hand over what it sent
// and received.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ProviderOption adjusts one provider JSON call.
type ProviderOption func(*providerOptions)

type providerOptions struct{ flags C.uint32_t }

// WithRawArtifacts also keeps copies of the provider JSON as artifacts
// (request, response, tools, provider events); the content capture mode still
// decides whether they leave the process.
func WithRawArtifacts() ProviderOption {
	return func(o *providerOptions) { o.flags |= C.SIGIL_PROVIDER_RAW_ARTIFACTS }
}

func providerFlags(opts []ProviderOption) C.uint32_t {
	var o providerOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o.flags
}

// emptyBody stands for a zero-length body: libsigil reads a NULL body as a
// caller mistake, an empty one as JSON that does not parse.
var emptyBody = [1]byte{}

func providerBytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return (*C.char)(unsafe.Pointer(&emptyBody[0])), 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// providerStatus splits libsigil's answer: a caller mistake (an unknown API)
// is returned as the call's error; a mapping problem (JSON that does not
// parse, invalid UTF-8) is informational, kept as the recorder's MappingErr.
func providerStatus(st C.sigil_status_t) (callerErr, mappingErr *Error) {
	switch Code(st) {
	case CodeOK:
		return nil, nil
	case CodeInvalidArgument:
		return &Error{Code: CodeInvalidArgument,
			Message: "provider JSON not accepted: unknown API name, or an API of another recorder kind"}, nil
	default:
		return nil, &Error{Code: Code(st), Message: "the provider JSON could not be fully mapped (" +
			Code(st).String() + "); the generation keeps what was mapped", wraps: []error{ErrMappingFailed}}
	}
}

type providerFn func(g *C.sigil_generation_t, api *C.char, json *C.char, n C.size_t, flags C.uint32_t) C.sigil_status_t

func (r *GenerationRecorder) provider(fn providerFn, api string, body []byte, opts []ProviderOption) error {
	if r == nil {
		return nil
	}
	flags := providerFlags(opts)
	var err error
	r.set(func() {
		if r.handle == nil {
			return
		}
		capi := C.CString(api)
		defer C.free(unsafe.Pointer(capi))
		p, n := providerBytes(body)
		callerErr, mappingErr := providerStatus(fn(r.handle, capi, p, n, flags))
		runtime.KeepAlive(body)
		if callerErr != nil {
			err = callerErr
			return
		}
		r.hasResult = true // the mapped values are the result: End adds no result document of its own
		if mappingErr != nil && r.mapErr == nil {
			r.mapErr = mappingErr
		}
	})
	return err
}

// SetProviderRequest maps a provider request body (model, system prompt,
// input messages, tools, request controls). api is "openai.chat",
// "openai.responses", "anthropic.messages", "gemini.generate_content" or
// "bedrock.converse"; a json.RawMessage is a []byte. The error is only for
// caller mistakes (an unknown API name). A body libsigil can only partly map
// never fails the call: what could be mapped is kept, the generation is
// exported with error.type "mapping_error" on its span, and MappingErr
// reports the problem.
func (r *GenerationRecorder) SetProviderRequest(api string, body []byte, opts ...ProviderOption) error {
	return r.provider(func(g *C.sigil_generation_t, a, j *C.char, n C.size_t, f C.uint32_t) C.sigil_status_t {
		return C.sigil_generation_set_provider_request(g, a, j, n, f)
	}, api, body, opts)
}

// SetProviderResponse maps a provider response body (output messages, usage,
// stop reason, response id and model), as SetProviderRequest.
func (r *GenerationRecorder) SetProviderResponse(api string, body []byte, opts ...ProviderOption) error {
	return r.provider(func(g *C.sigil_generation_t, a, j *C.char, n C.size_t, f C.uint32_t) C.sigil_status_t {
		return C.sigil_generation_set_provider_response(g, a, j, n, f)
	}, api, body, opts)
}

// AddProviderEvent feeds one stream event (the JSON of one server-sent event,
// or one Bedrock ConverseStream event). libsigil accumulates text, thinking,
// tool-call deltas and usage until End; the first content event sets the time
// to first token unless SetFirstTokenAt did. A stream abandoned before its
// last event still reports what arrived. Errors as SetProviderRequest.
func (r *GenerationRecorder) AddProviderEvent(api string, event []byte, opts ...ProviderOption) error {
	return r.provider(func(g *C.sigil_generation_t, a, j *C.char, n C.size_t, f C.uint32_t) C.sigil_status_t {
		return C.sigil_generation_add_provider_event(g, a, j, n, f)
	}, api, event, opts)
}

// SetMappingError marks the generation with a problem the caller's own
// mapping found (the first one wins): it is still exported, with error.type
// "mapping_error" on its span. SetResult's error argument does the same.
func (r *GenerationRecorder) SetMappingError(msg string) {
	if r == nil {
		return
	}
	r.set(func() { r.setMappingError(msg) })
}

func (r *GenerationRecorder) setMappingError(msg string) {
	if r.handle == nil {
		return
	}
	p, n := goStr(msg)
	if p == nil {
		p, n = providerBytes(nil)
	}
	if st := C.sigil_generation_set_mapping_error(r.handle, p, n); st != C.SIGIL_OK && r.inputErr == nil {
		r.inputErr = generationError(&Error{Code: Code(st), Message: "the mapping error message was rejected (" +
			Code(st).String() + ")"})
	}
	runtime.KeepAlive(msg)
}

// MappingErr returns the first mapping problem: the error given to SetResult,
// or provider JSON libsigil could only partly map (errors.Is(err,
// ErrMappingFailed)). It never makes End fail.
func (r *GenerationRecorder) MappingErr() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mapErr
}

// SetProviderResult maps an embedding call from the provider's request and/or
// response body (either may be nil): api is "openai.embeddings" or
// "gemini.embed_content". Errors and mapping problems as
// GenerationRecorder.SetProviderRequest.
func (r *EmbeddingRecorder) SetProviderResult(api string, request, response []byte) error {
	if r == nil {
		return nil
	}
	var err error
	r.set(func() {
		if r.handle == nil {
			return
		}
		capi := C.CString(api)
		defer C.free(unsafe.Pointer(capi))
		var rp, sp *C.char
		var rn, sn C.size_t
		if request != nil {
			rp, rn = providerBytes(request)
		}
		if response != nil {
			sp, sn = providerBytes(response)
		}
		callerErr, mappingErr := providerStatus(C.sigil_embedding_set_provider_result(r.handle, capi, rp, rn, sp, sn))
		runtime.KeepAlive(request)
		runtime.KeepAlive(response)
		if callerErr != nil {
			err = callerErr
		} else if mappingErr != nil && r.mapErr == nil {
			r.mapErr = mappingErr
		}
	})
	return err
}

// MappingErr returns the first problem mapping provider JSON (errors.Is(err,
// ErrMappingFailed)), or nil. It never makes End fail.
func (r *EmbeddingRecorder) MappingErr() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mapErr
}
