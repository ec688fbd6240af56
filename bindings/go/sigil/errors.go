package sigil

import (
	"context"
	"errors"
)

// Sentinel errors for errors.Is. The names match the reference Go SDK; every
// error the binding returns wraps the sentinels that apply, and errors coming
// from libsigil are also an *Error carrying the engine's status code.
var (
	// ErrNilClient is returned when a nil *Client is used.
	ErrNilClient = errors.New("sigil: nil client")
	// ErrNilRecorder is returned when a nil recorder is used.
	ErrNilRecorder = errors.New("sigil: nil recorder")
	// ErrRecorderAlreadyEnded is returned on duplicate End calls.
	ErrRecorderAlreadyEnded = errors.New("sigil: recorder already ended")
	// ErrRecorderNotReady is returned when a recorder has nil internals.
	ErrRecorderNotReady = errors.New("sigil: recorder not initialized")
	// ErrToolNameRequired is returned when StartToolExecution receives an empty tool name.
	ErrToolNameRequired = errors.New("sigil: tool name is required")
	// ErrValidationFailed wraps generation validation failures (including
	// malformed input such as invalid UTF-8).
	ErrValidationFailed = errors.New("sigil: generation validation failed")
	// ErrEmbeddingValidationFailed wraps embedding validation failures.
	ErrEmbeddingValidationFailed = errors.New("sigil: embedding validation failed")
	// ErrEnqueueFailed wraps generation enqueue failures.
	ErrEnqueueFailed = errors.New("sigil: generation enqueue failed")
	// ErrQueueFull is returned when the generation queue is at capacity (items
	// or bytes).
	ErrQueueFull = errors.New("sigil: generation queue is full")
	// ErrClientShutdown is returned when recording or flushing happens after
	// shutdown started.
	ErrClientShutdown = errors.New("sigil: client is shutting down")
	// ErrMappingFailed wraps provider-to-generation mapping failures.
	ErrMappingFailed = errors.New("sigil: generation mapping failed")
	// ErrRatingValidationFailed wraps conversation rating input validation
	// failures, local or reported by the server (HTTP 400).
	ErrRatingValidationFailed = errors.New("sigil: conversation rating validation failed")
	// ErrRatingConflict wraps idempotency conflicts when submitting conversation ratings.
	ErrRatingConflict = errors.New("sigil: conversation rating conflict")
	// ErrRatingTransportFailed wraps conversation rating transport failures.
	ErrRatingTransportFailed = errors.New("sigil: conversation rating transport failed")

	// ErrPayloadTooLarge wraps generations dropped for exceeding
	// GenerationExport.PayloadMaxBytes (libsigil extension; also ErrEnqueueFailed).
	ErrPayloadTooLarge = errors.New("sigil: generation payload too large")
	// ErrInvalidConfig is returned by NewClientWithError (and by Flush and
	// Shutdown of a client that could not start) for an invalid configuration.
	ErrInvalidConfig = errors.New("sigil: invalid configuration")
)

// Code is a libsigil status code (sigil_status_t). Values are pinned by the
// C ABI and never change meaning.
type Code uint32

// Status codes, as in include/sigil/sigil.h.
const (
	CodeOK               Code = 0
	CodeInvalidArgument  Code = 1
	CodeValidation       Code = 2
	CodeQueueFull        Code = 3
	CodePayloadTooLarge  Code = 4
	CodeShutdown         Code = 5
	CodeInvalidUTF8      Code = 6
	CodeInvalidJSON      Code = 7
	CodeConfig           Code = 8
	CodeTimeout          Code = 9
	CodeTransport        Code = 10
	CodeAlreadyEnded     Code = 11
	CodeNoMemory         Code = 12
	CodeInternal         Code = 13
	CodeByteBudget       Code = 14
	CodeRejected         Code = 15
	CodeRatingValidation Code = 16
	CodeRatingConflict   Code = 17
	CodeUnsupported      Code = 18
)

var codeNames = [...]string{
	"SIGIL_OK", "SIGIL_E_INVALID_ARGUMENT", "SIGIL_E_VALIDATION", "SIGIL_E_QUEUE_FULL",
	"SIGIL_E_PAYLOAD_TOO_LARGE", "SIGIL_E_SHUTDOWN", "SIGIL_E_INVALID_UTF8", "SIGIL_E_INVALID_JSON",
	"SIGIL_E_CONFIG", "SIGIL_E_TIMEOUT", "SIGIL_E_TRANSPORT", "SIGIL_E_ALREADY_ENDED", "SIGIL_E_NO_MEMORY",
	"SIGIL_E_INTERNAL", "SIGIL_E_BYTE_BUDGET", "SIGIL_E_REJECTED", "SIGIL_E_RATING_VALIDATION",
	"SIGIL_E_RATING_CONFLICT", "SIGIL_E_UNSUPPORTED",
}

// String returns the code's stable C name ("SIGIL_E_QUEUE_FULL").
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "SIGIL_E_UNKNOWN"
}

// Error is a failure reported by libsigil: its status code and message. It
// matches the sentinel errors that apply (errors.Is(err, ErrQueueFull)).
type Error struct {
	Code    Code
	Message string
	wraps   []error
	// bare: Error() is the message alone, as the reference words it (its
	// Generation.Validate errors name the field with no "sigil: " prefix).
	bare bool
}

func (e *Error) Error() string {
	if e.bare {
		return e.Message
	}
	return "sigil: " + e.Message
}

// Is reports whether target is one of the sentinels this error matches (for
// errors.Is). Is and As are used rather than Unwrap() []error, which Go 1.19
// does not follow.
func (e *Error) Is(target error) bool { return anyIs(e.wraps, target) }

// As finds the first wrapped error that matches target (for errors.As).
func (e *Error) As(target any) bool { return anyAs(e.wraps, target) }

func anyIs(errs []error, target error) bool {
	for _, err := range errs {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func anyAs(errs []error, target any) bool {
	for _, err := range errs {
		if errors.As(err, target) {
			return true
		}
	}
	return false
}

// joinedError is errors.Join for Go 1.19: its message is the errors'
// messages on separate lines, and errors.Is / errors.As match each of them.
type joinedError struct{ errs []error }

func joinErrors(a, b error) error { return &joinedError{errs: []error{a, b}} }

func (j *joinedError) Error() string {
	msg := ""
	for i, err := range j.errs {
		if i > 0 {
			msg += "\n"
		}
		msg += err.Error()
	}
	return msg
}

func (j *joinedError) Is(target error) bool { return anyIs(j.errs, target) }
func (j *joinedError) As(target any) bool   { return anyAs(j.errs, target) }

func (e *Error) with(sentinels ...error) *Error {
	e.wraps = append(e.wraps, sentinels...)
	return e
}

// generationError classifies an error returned by ending a generation.
func generationError(e *Error) error {
	if e == nil {
		return nil
	}
	switch e.Code {
	case CodeValidation, CodeInvalidUTF8, CodeInvalidJSON, CodeInvalidArgument:
		return e.with(ErrValidationFailed)
	case CodeQueueFull, CodeByteBudget:
		return e.with(ErrEnqueueFailed, ErrQueueFull)
	case CodePayloadTooLarge:
		return e.with(ErrEnqueueFailed, ErrPayloadTooLarge)
	case CodeShutdown:
		return e.with(ErrEnqueueFailed, ErrClientShutdown)
	default:
		return e.with(ErrEnqueueFailed)
	}
}

// lifecycleError classifies an error from Flush or Shutdown.
func lifecycleError(e *Error) error {
	if e == nil {
		return nil
	}
	switch e.Code {
	case CodeTimeout:
		return e.with(context.DeadlineExceeded)
	case CodeShutdown:
		return e.with(ErrClientShutdown)
	case CodeConfig:
		return e.with(ErrInvalidConfig)
	}
	return e
}

// ratingError classifies an error from SubmitConversationRating.
func ratingError(e *Error) error {
	switch e.Code {
	case CodeRatingValidation, CodeRejected, CodeInvalidUTF8, CodeInvalidArgument:
		e.Message = "conversation rating validation failed: " + e.Message
		return e.with(ErrRatingValidationFailed)
	case CodeRatingConflict: // libsigil's message already reads "conversation rating conflict: ..."
		return e.with(ErrRatingConflict)
	case CodeShutdown:
		return e.with(ErrClientShutdown)
	case CodeTimeout:
		e.Message = "conversation rating transport failed: " + e.Message
		return e.with(ErrRatingTransportFailed, context.DeadlineExceeded)
	default:
		e.Message = "conversation rating transport failed: " + e.Message
		return e.with(ErrRatingTransportFailed)
	}
}
