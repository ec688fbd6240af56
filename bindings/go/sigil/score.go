package sigil

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"reflect"
	"runtime"
	"time"
	"unsafe"
)

var float64Type = reflect.TypeOf(float64(0))

// Score is one evaluation result for a generation, sent to Sigil's score
// ingest (POST /api/v1/scores:export on Config.API's endpoint). Value is a
// float64 (or another Go number), a bool or a string; its type picks the
// kind. ScoreID is the idempotency key (generated when empty). Label goes
// to the metadata ("label"), Rationale to the explanation.
type Score struct {
	ScoreID          string
	GenerationID     string // required
	ConversationID   string
	TraceID          string
	SpanID           string
	EvaluatorID      string // required
	EvaluatorVersion string // required
	Key              string // required
	Value            any    // required: number, bool or string
	Passed           *bool
	Label            string
	Rationale        string
	Metadata         map[string]any
	CreatedAt        time.Time // zero: now
}

// SubmitScore validates a score and queues it; it returns the score id used.
// The client's score worker batches and retries in the background (Flush
// waits for it). Errors match ErrValidationFailed (invalid input: nothing
// was queued), ErrQueueFull or ErrClientShutdown.
func (c *Client) SubmitScore(ctx context.Context, score Score) (string, error) {
	if c == nil {
		return "", ErrNilClient
	}
	if c.ptr == nil {
		return "", c.initErr
	}
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return "", err
		}
	}
	var metadata []byte
	if score.Metadata != nil {
		var err error
		if metadata, err = json.Marshal(score.Metadata); err != nil {
			return "", &Error{Code: CodeValidation, Message: "score validation failed: metadata must be valid JSON: " +
				err.Error(), wraps: []error{ErrValidationFailed, err}}
		}
	}
	a := getArgs()
	defer putArgs(a)
	var in C.sgo_score_args
	in.score_id = a.str(score.ScoreID)
	in.generation_id = a.str(score.GenerationID)
	in.conversation_id = a.str(score.ConversationID)
	in.trace_id = a.str(score.TraceID)
	in.span_id = a.str(score.SpanID)
	in.evaluator_id = a.str(score.EvaluatorID)
	in.evaluator_version = a.str(score.EvaluatorVersion)
	in.key = a.str(score.Key)
	in.label = a.str(score.Label)
	in.rationale = a.str(score.Rationale)
	in.string_value = -1
	in.metadata_json, in.metadata_json_len = a.bytes(metadata)
	switch v := score.Value.(type) {
	case bool:
		in.value_kind = C.SIGIL_SCORE_VALUE_BOOL
		if v {
			in.bool_value = 1
		}
	case string:
		in.value_kind = C.SIGIL_SCORE_VALUE_STRING
		in.string_value = a.always(v)
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		in.value_kind = C.SIGIL_SCORE_VALUE_NUMBER
		in.number_value = C.double(reflect.ValueOf(v).Convert(float64Type).Float())
	default:
		// kind 0: libsigil's validation names the problem
	}
	if score.Passed != nil {
		in.passed = C.SIGIL_SCORE_PASSED_FALSE
		if *score.Passed {
			in.passed = C.SIGIL_SCORE_PASSED_TRUE
		}
	}
	in.created_at_ns = unixNano(score.CreatedAt)
	if e := a.nulError("score"); e != nil {
		return "", e.with(ErrValidationFailed)
	}
	var id *C.char
	var cerr *C.sigil_error_t
	st := C.sgo_submit_score(c.ptr, &in, a.ptr(), &id, &cerr)
	runtime.KeepAlive(a)
	runtime.KeepAlive(c)
	if e := takeError(st, cerr); e != nil {
		return "", generationError(e)
	}
	defer C.sigil_string_free(id)
	return C.GoString((*C.char)(unsafe.Pointer(id))), nil
}
