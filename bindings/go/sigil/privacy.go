package sigil

// Privacy: content capture modes, redaction, the sanitizer and field size
// limits. libsigil applies all of it (sigil.h, "Privacy"); this file only
// translates the Go configuration and bridges the two callbacks.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"log"
	"runtime/cgo"
	"unsafe"
)

// ContentCaptureMode controls which content leaves the process (the
// reference SDK's modes; values are libsigil's SIGIL_CONTENT_CAPTURE_*).
type ContentCaptureMode int

const (
	// ContentCaptureModeDefault defers to the next layer (per call ->
	// resolver -> client -> SIGIL_CONTENT_CAPTURE_MODE -> NoToolContent).
	ContentCaptureModeDefault ContentCaptureMode = iota
	// ContentCaptureModeFull exports all content, tool I/O on spans included.
	ContentCaptureModeFull
	// ContentCaptureModeNoToolContent exports generation content; tool spans
	// carry arguments and results only with IncludeContent.
	ContentCaptureModeNoToolContent
	// ContentCaptureModeMetadataOnly keeps structure, usage and timing and
	// strips every content field from the export and the spans.
	ContentCaptureModeMetadataOnly
	// ContentCaptureModeFullWithMetadataSpans exports full content but keeps
	// it off spans.
	ContentCaptureModeFullWithMetadataSpans
)

// String returns the mode's name ("full", "metadata_only", ...).
func (m ContentCaptureMode) String() string {
	return C.GoString(C.sigil_content_capture_mode_name(C.uint32_t(m)))
}

// RecordKind is the kind of record a ContentCaptureResolver decides for.
type RecordKind int

const (
	RecordGeneration    RecordKind = C.SIGIL_RECORD_GENERATION
	RecordToolExecution RecordKind = C.SIGIL_RECORD_TOOL_EXECUTION
	RecordEmbedding     RecordKind = C.SIGIL_RECORD_EMBEDDING
	RecordRating        RecordKind = C.SIGIL_RECORD_RATING
	RecordSpan          RecordKind = C.SIGIL_RECORD_SPAN // StartSpan: agents, chains, retrievers, ...
)

// String returns "generation", "tool_execution", "embedding", "rating" or
// "span".
func (k RecordKind) String() string {
	switch k {
	case RecordGeneration:
		return "generation"
	case RecordToolExecution:
		return "tool_execution"
	case RecordEmbedding:
		return "embedding"
	case RecordRating:
		return "rating"
	case RecordSpan:
		return "span"
	}
	return "unknown"
}

type recordKindKey struct{}

// RecordKindFromContext returns the kind of record a ContentCaptureResolver
// is deciding for (set on the context it receives).
func RecordKindFromContext(ctx context.Context) (RecordKind, bool) {
	if ctx == nil {
		return 0, false
	}
	k, ok := ctx.Value(recordKindKey{}).(RecordKind)
	return k, ok
}

// WithContentCaptureMode sets the content capture mode of the generations
// and tool executions started from ctx that set none themselves; it wins
// over the resolver and Config.ContentCapture. Embeddings do not follow it
// (as in the reference SDKs). The context a StartGeneration returns carries
// the generation's resolved mode the same way, so the tool executions it
// runs follow it. ContentCaptureModeDefault clears it.
func WithContentCaptureMode(ctx context.Context, mode ContentCaptureMode) context.Context {
	return withValue(ctx, func(v *contextValues) { v.contentCapture = mode })
}

// ContentCaptureModeFromContext returns the mode WithContentCaptureMode (or
// the innermost generation started from ctx) stored.
func ContentCaptureModeFromContext(ctx context.Context) (ContentCaptureMode, bool) {
	m := contextValuesOf(ctx).contentCapture
	return m, m != ContentCaptureModeDefault
}

// RedactCategory selects built-in redaction categories (bits).
type RedactCategory uint32

const (
	RedactSecrets     RedactCategory = C.SIGIL_REDACT_SECRETS
	RedactEmail       RedactCategory = C.SIGIL_REDACT_EMAIL
	RedactEnvSecrets  RedactCategory = C.SIGIL_REDACT_ENV_SECRETS
	RedactPaymentCard RedactCategory = C.SIGIL_REDACT_PAYMENT_CARD
	RedactNationalID  RedactCategory = C.SIGIL_REDACT_NATIONAL_ID
	RedactPhone       RedactCategory = C.SIGIL_REDACT_PHONE
	RedactInjection   RedactCategory = C.SIGIL_REDACT_INJECTION
	RedactNone        RedactCategory = 0
	RedactAll         RedactCategory = C.SIGIL_REDACT_ALL
)

// PrivacyConfig holds libsigil's privacy knobs (extensions).
type PrivacyConfig struct {
	// Redaction selects the built-in redaction categories; nil means
	// SIGIL_REDACT, else RedactAll (RedactNone turns redaction off).
	Redaction *RedactCategory
	// Sanitizer sees every text value about to leave the process (after
	// built-in redaction) with its field path ("generation.system_prompt",
	// "rating.comment", "rating.metadata.<key>", ...) and returns what to
	// send. An error or a panic replaces the value with
	// "[REDACTED:sanitizer_error]" (fail closed). Called on the goroutine
	// that ends the recorder (or submits the rating); must be safe for
	// concurrent use.
	Sanitizer func(path, value string) (string, error)
	// MaxFieldBytes cuts content text fields (0: SIGIL_MAX_FIELD_BYTES, else
	// no limit; at least 64), ending them in "…[truncated N bytes]"; fields
	// that hold JSON stay valid JSON.
	MaxFieldBytes uint64
}

// goCallbacks is what the client's cgo.Handle refers to.
type goCallbacks struct {
	logger    *log.Logger
	resolver  func(ctx context.Context, metadata map[string]any) ContentCaptureMode
	sanitizer func(path, value string) (string, error)
	exporter  GenerationExporter
	onSpan    func(Span)
	host      *hostState // the host pipeline's spans and meter, or nil
}

// generationCaptureMode is the mode libsigil resolved for a started generation.
func generationCaptureMode(g *C.sigil_generation_t) ContentCaptureMode {
	return ContentCaptureMode(C.sigil_generation_content_capture_mode(g))
}

// cmode converts a mode for the start shims' argument structs.
func cmode(m ContentCaptureMode) C.uint32_t { return C.uint32_t(m) }

func applyPrivacy(o *C.sigil_options_t, cfg *Config, handle cgo.Handle, check func(string, C.sigil_status_t)) {
	if cfg.ContentCapture != ContentCaptureModeDefault {
		check("content capture mode", C.sigil_options_set_content_capture_mode(o, C.uint32_t(cfg.ContentCapture)))
	}
	if cfg.ContentCaptureResolver != nil {
		check("content capture resolver", C.sgo_options_set_go_resolver(o, C.uintptr_t(handle)))
	}
	p := &cfg.Privacy
	if p.Redaction != nil {
		check("redaction", C.sigil_options_set_redaction(o, C.uint32_t(*p.Redaction)))
	}
	if p.Sanitizer != nil {
		check("sanitizer", C.sgo_options_set_go_sanitizer(o, C.uintptr_t(handle)))
	}
	if p.MaxFieldBytes > 0 {
		check("max field bytes", C.sigil_options_set_max_field_bytes(o, C.uint64_t(p.MaxFieldBytes)))
	}
}

// resolverContext makes the caller's ctx the resolver's for one start or
// rating call (see sgo_call_ctx in shim.c). Without a resolver it costs
// nothing: 0 and a no-op release.
func (c *Client) resolverContext(ctx context.Context) (C.uintptr_t, func()) {
	if !c.hasResolver {
		return 0, func() {}
	}
	h := cgo.NewHandle(ctx)
	return C.uintptr_t(h), h.Delete
}

//export sigilGoResolve
func sigilGoResolve(handle, callCtx C.uintptr_t, kind C.uint32_t, metadata *C.char, n C.size_t,
	mode *C.uint32_t) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = 1 // libsigil treats a failure as metadata_only
		}
	}()
	cb, ok := cgo.Handle(handle).Value().(*goCallbacks)
	if !ok || cb.resolver == nil {
		return 1
	}
	var md map[string]any
	if metadata != nil && n > 0 {
		if err := json.Unmarshal(C.GoBytes(unsafe.Pointer(metadata), C.int(n)), &md); err != nil {
			return 1
		}
	}
	ctx := context.Background()
	if callCtx != 0 {
		if c, ok := cgo.Handle(callCtx).Value().(context.Context); ok {
			ctx = c
		}
	}
	ctx = context.WithValue(ctx, recordKindKey{}, RecordKind(kind))
	*mode = C.uint32_t(cb.resolver(ctx, md))
	return 0
}

//export sigilGoSanitize
func sigilGoSanitize(handle C.uintptr_t, path *C.char, pathLen C.size_t, value *C.char, valueLen C.size_t,
	out unsafe.Pointer) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = 1
		}
	}()
	cb, ok := cgo.Handle(handle).Value().(*goCallbacks)
	if !ok || cb.sanitizer == nil {
		return 1
	}
	in := C.GoStringN(value, C.int(valueLen))
	replaced, err := cb.sanitizer(C.GoStringN(path, C.int(pathLen)), in)
	if err != nil {
		return 1
	}
	if replaced != in {
		cs := C.CString(replaced)
		defer C.free(unsafe.Pointer(cs))
		if C.sigil_sanitized_set((*C.sigil_sanitized_t)(out), cs, C.size_t(len(replaced))) != C.SIGIL_OK {
			return 1
		}
	}
	return 0
}
