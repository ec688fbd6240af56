package sigil

// Provider JSON mapped without a recorder (include/sigil/sigil.h, "Mapping
// without a recorder"): the same mapping as SetProviderRequest /
// SetProviderResponse / AddProviderEvent, handed back as a Generation for
// callers that want the normalized result itself (the provider modules'
// FromRequestResponse / FromStream build on it).

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// mapped turns the engine's answer into the decoded value and the error:
// nil on success; for a document that could only partly be mapped, what was
// mapped and an *Error matching ErrMappingFailed; for a caller mistake (an
// unknown API) the zero value and an *Error with CodeInvalidArgument.
func mapped[T any](st C.sigil_status_t, cerr *C.sigil_error_t, out *C.char, n C.size_t,
	decode func([]byte) (T, error)) (T, error) {
	var doc []byte
	if out != nil {
		doc = C.GoBytes(unsafe.Pointer(out), C.int(n))
		C.sigil_json_free(out)
	}
	problem := takeError(st, cerr)
	var zero T
	if doc == nil {
		if problem == nil {
			problem = &Error{Code: CodeInternal, Message: "libsigil returned no mapped document"}
		}
		return zero, withSentinels(problem)
	}
	v, err := decode(doc)
	if err != nil {
		return zero, err
	}
	if problem != nil {
		return v, withSentinels(problem)
	}
	return v, nil
}

// withSentinels makes a mapping problem match ErrMappingFailed; a caller
// mistake keeps its Code (CodeInvalidArgument).
func withSentinels(e *Error) *Error {
	if e.Code == CodeInvalidJSON || e.Code == CodeInvalidUTF8 {
		return e.with(ErrMappingFailed)
	}
	return e
}

// optionalBody is a body for a call where NULL means "absent".
func optionalBody(b []byte) (*C.char, C.size_t) {
	if b == nil {
		return nil, 0
	}
	return providerBytes(b)
}

// MapProviderGeneration maps a provider call into a Generation without a
// client or a recorder: the request body, the response body and/or the
// stream's events in order (each as AddProviderEvent takes it); nil leaves a
// part out. api is as for SetProviderRequest. The result carries what the
// provider JSON says (model, system prompt, messages, tools, request
// controls, usage, stop reason, response id and model; Mode STREAM with
// events, SYNC with a response only), never ids, times, tags or agent
// fields; WithRawArtifacts adds copies of the provider JSON as artifacts.
//
// A body libsigil can only partly map still returns what was mapped, with an
// error matching ErrMappingFailed (pass both to SetResult, which records the
// generation and marks the mapping error). An unknown or embedding API
// returns an *Error with CodeInvalidArgument and no generation.
func MapProviderGeneration(api string, request, response []byte, events [][]byte,
	opts ...ProviderOption) (Generation, error) {
	capi := C.CString(api)
	defer C.free(unsafe.Pointer(capi))
	rp, rn := optionalBody(request)
	sp, sn := optionalBody(response)
	size := 0
	for _, e := range events {
		size += len(e)
	}
	packed := make([]byte, 0, size)
	lens := make([]C.size_t, len(events))
	for i, e := range events {
		packed = append(packed, e...)
		lens[i] = C.size_t(len(e))
	}
	ep, _ := providerBytes(packed)
	var lp *C.size_t
	if len(lens) > 0 {
		lp = &lens[0]
	}
	var out *C.char
	var n C.size_t
	var cerr *C.sigil_error_t
	st := C.sgo_provider_map_generation(capi, rp, rn, sp, sn, ep, lp, C.size_t(len(events)), providerFlags(opts),
		&out, &n, &cerr)
	runtime.KeepAlive(request)
	runtime.KeepAlive(response)
	runtime.KeepAlive(packed)
	runtime.KeepAlive(lens)
	return mapped(st, cerr, out, n, decodeGeneration)
}

// MapProviderEmbedding maps an embedding call from the provider's request
// and/or response body (either may be nil): api is "openai.embeddings" or
// "gemini.embed_content". InputCount and InputTexts come from the request;
// InputTokens, ResponseModel and Dimensions (the length of the first
// vector) from the response. Errors as MapProviderGeneration.
func MapProviderEmbedding(api string, request, response []byte) (EmbeddingResult, error) {
	capi := C.CString(api)
	defer C.free(unsafe.Pointer(capi))
	rp, rn := optionalBody(request)
	sp, sn := optionalBody(response)
	var out *C.char
	var n C.size_t
	var cerr *C.sigil_error_t
	st := C.sigil_provider_map_embedding(capi, rp, rn, sp, sn, &out, &n, &cerr)
	runtime.KeepAlive(request)
	runtime.KeepAlive(response)
	return mapped(st, cerr, out, n, decodeEmbeddingResult)
}
