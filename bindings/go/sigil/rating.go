package sigil

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// ConversationRatingValue is a rating's verdict.
type ConversationRatingValue string

const (
	ConversationRatingValueGood ConversationRatingValue = "CONVERSATION_RATING_VALUE_GOOD"
	ConversationRatingValueBad  ConversationRatingValue = "CONVERSATION_RATING_VALUE_BAD"
)

// ConversationRatingInput is one rating. RatingID is the idempotency key:
// resubmitting the same rating is safe.
type ConversationRatingInput struct {
	RatingID     string                  `json:"rating_id"`
	Rating       ConversationRatingValue `json:"rating"`
	Comment      string                  `json:"comment,omitempty"`
	Metadata     map[string]any          `json:"metadata,omitempty"`
	GenerationID string                  `json:"generation_id,omitempty"`
	RaterID      string                  `json:"rater_id,omitempty"`
	Source       string                  `json:"source,omitempty"`
}

// ConversationRating is a rating as the server stored it.
type ConversationRating struct {
	RatingID       string         `json:"rating_id"`
	ConversationID string         `json:"conversation_id"`
	GenerationID   string         `json:"generation_id,omitempty"`
	Rating         string         `json:"rating"`
	Comment        string         `json:"comment,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	RaterID        string         `json:"rater_id,omitempty"`
	Source         string         `json:"source,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
}

// ConversationRatingSummary summarizes a conversation's ratings.
type ConversationRatingSummary struct {
	TotalCount    int       `json:"total_count"`
	GoodCount     int       `json:"good_count"`
	BadCount      int       `json:"bad_count"`
	LatestRating  string    `json:"latest_rating,omitempty"`
	LatestRatedAt time.Time `json:"latest_rated_at"`
	LatestBadAt   time.Time `json:"latest_bad_at,omitempty"`
	HasBadRating  bool      `json:"has_bad_rating"`
}

// SubmitConversationRatingResponse is the server's answer to a rating.
type SubmitConversationRatingResponse struct {
	Rating  ConversationRating        `json:"rating"`
	Summary ConversationRatingSummary `json:"summary"`
}

// SubmitConversationRating sends a rating to the Sigil API (Config.API) at
// once, with the generation export's auth and headers, and waits for the
// answer until ctx's deadline (10 s without one). libsigil validates the
// input first. Errors match ErrRatingValidationFailed (invalid input, or
// HTTP 400), ErrRatingConflict (HTTP 409: the rating id was used for a
// different rating) or ErrRatingTransportFailed (anything else).
func (c *Client) SubmitConversationRating(ctx context.Context, conversationID string,
	input ConversationRatingInput) (*SubmitConversationRatingResponse, error) {
	if c == nil {
		return nil, ErrNilClient
	}
	if c.ptr == nil {
		return nil, c.initErr
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var metadata []byte
	if input.Metadata != nil {
		var err error
		if metadata, err = json.Marshal(input.Metadata); err != nil {
			return nil, &Error{Code: CodeRatingValidation, Message: "conversation rating validation failed: " +
				"metadata must be valid JSON: " + err.Error(), wraps: []error{ErrRatingValidationFailed, err}}
		}
	}
	a := getArgs()
	defer putArgs(a)
	var in C.sgo_rating_input_args
	in.conversation_id = a.always(conversationID)
	in.rating_id = a.always(input.RatingID)
	in.comment = a.str(input.Comment)
	in.generation_id = a.str(input.GenerationID)
	in.rater_id = a.str(input.RaterID)
	in.source = a.str(input.Source)
	in.metadata_json, in.metadata_json_len = a.bytes(metadata)
	if e := a.nulError("conversation rating"); e != nil {
		return nil, e.with(ErrRatingValidationFailed)
	}
	var release func()
	in.call_ctx, release = c.resolverContext(ctx)
	defer release()
	switch ConversationRatingValue(strings.TrimSpace(string(input.Rating))) {
	case ConversationRatingValueGood:
		in.rating = C.SIGIL_RATING_GOOD
	case ConversationRatingValueBad:
		in.rating = C.SIGIL_RATING_BAD
	default:
		in.rating = C.SIGIL_RATING_UNSPECIFIED // libsigil's validation names it
	}

	var timeout C.uint32_t // 0: libsigil's default (10 s)
	if _, ok := ctx.Deadline(); ok {
		if timeout = timeoutMS(ctx); timeout == 0 {
			return nil, context.DeadlineExceeded
		}
	}
	var out *C.sigil_rating_result_t
	var cerr *C.sigil_error_t
	st := C.sgo_submit_rating(c.ptr, &in, a.ptr(), timeout, &out, &cerr)
	runtime.KeepAlive(a)
	runtime.KeepAlive(c)
	if e := takeError(st, cerr); e != nil {
		return nil, ratingError(e)
	}
	defer C.sigil_rating_result_free(out)
	var n C.size_t
	body := C.sigil_rating_result_json(out, &n)
	var resp SubmitConversationRatingResponse
	if err := json.Unmarshal(C.GoBytes(unsafe.Pointer(body), C.int(n)), &resp); err != nil {
		return nil, &Error{Code: CodeTransport, Message: "conversation rating transport failed: decode rating response: " +
			err.Error(), wraps: []error{ErrRatingTransportFailed, err}}
	}
	return &resp, nil
}
