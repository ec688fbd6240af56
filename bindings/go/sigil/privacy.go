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
	// Redact selects the built-in redaction categories; nil means
	// SIGIL_REDACT, else RedactAll.
	Redact *RedactCategory
	// Sanitizer sees every text value about to leave the process (after
	// built-in redaction) with its field path and returns what to send.
	// An error or a panic replaces the value with
	// "[REDACTED:sanitizer_error]" (fail closed). Called on the goroutine
	// that ends the recorder; must be safe for concurrent use.
	Sanitizer func(path, value string) (string, error)
	// MaxFieldBytes cuts content text fields (0: SIGIL_MAX_FIELD_BYTES, else
	// no limit), ending them in "…[truncated N bytes]".
	MaxFieldBytes uint64
}

// goCallbacks is what the client's cgo.Handle refers to.
type goCallbacks struct {
	logger    *log.Logger
	resolver  func(ctx context.Context, metadata map[string]any) ContentCaptureMode
	sanitizer func(path, value string) (string, error)
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
	if p.Redact != nil {
		check("redaction", C.sigil_options_set_redaction(o, C.uint32_t(*p.Redact)))
	}
	if p.Sanitizer != nil {
		check("sanitizer", C.sgo_options_set_go_sanitizer(o, C.uintptr_t(handle)))
	}
	if p.MaxFieldBytes > 0 {
		check("max field bytes", C.sigil_options_set_max_field_bytes(o, C.uint64_t(p.MaxFieldBytes)))
	}
}

//export sigilGoResolve
func sigilGoResolve(handle C.uintptr_t, kind C.uint32_t, metadata *C.char, n C.size_t, mode *C.uint32_t) (rc C.int) {
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
	*mode = C.uint32_t(cb.resolver(context.Background(), md))
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
