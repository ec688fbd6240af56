package sigil

// The recorder lifecycle calls, one cgo crossing each (see cgo.go).

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"time"
)

type (
	cGeneration          = C.sigil_generation_t
	cToolExecution       = C.sigil_tool_execution_t
	cEmbedding           = C.sigil_embedding_t
	cGenerationStartArgs = C.sgo_generation_start_args
	cToolStartArgs       = C.sgo_tool_start_args
	cEmbeddingStartArgs  = C.sgo_embedding_start_args
	cEmbeddingResultArgs = C.sgo_embedding_result_args
	cInt64T              = C.int64_t
)

func cInt64(v int64) C.int64_t   { return C.int64_t(v) }
func cDouble(v float64) C.double { return C.double(v) }
func cInt32(v int32) C.int32_t   { return C.int32_t(v) }
func unixNano(t time.Time) C.int64_t {
	if t.IsZero() {
		return 0
	}
	return C.int64_t(saturatingUnixNano(t))
}

func (c *Client) generationStart(cs *C.sgo_generation_start_args, a *args) (*C.sigil_generation_t, string) {
	var out *C.sigil_generation_t
	var tp [56]C.char
	C.sgo_generation_start(c.ptr, cs, a.ptr(), &out, &tp[0])
	runtime.KeepAlive(c)
	return out, traceparentString(&tp)
}

func (c *Client) generationFinish(g *C.sigil_generation_t, json []byte, callErr error, firstToken time.Time) *Error {
	jp, jn := goBytes(json)
	var hasErr C.int
	var msg string
	var status int32
	if callErr != nil {
		hasErr, msg, status = 1, callErr.Error(), httpStatusOf(callErr)
	}
	mp, mn := goStr(msg)
	var cerr *C.sigil_error_t
	st := C.sgo_generation_finish(g, jp, jn, hasErr, mp, mn, C.int32_t(status), unixNano(firstToken), &cerr)
	runtime.KeepAlive(json)
	runtime.KeepAlive(msg)
	return takeError(st, cerr)
}

// setResultJSON hands a result document to libsigil, which parses it now.
func setResultJSON(g *C.sigil_generation_t, json []byte) *Error {
	p, n := goBytes(json)
	st := C.sigil_generation_set_result_json(g, p, n)
	runtime.KeepAlive(json)
	if st == C.SIGIL_OK {
		return nil
	}
	return &Error{Code: Code(st), Message: "the result was rejected (" + Code(st).String() +
		"); End reports where"}
}

func (c *Client) toolStart(cs *C.sgo_tool_start_args, a *args) (*C.sigil_tool_execution_t, string) {
	var out *C.sigil_tool_execution_t
	var tp [56]C.char
	C.sgo_tool_start(c.ptr, cs, a.ptr(), &out, &tp[0])
	runtime.KeepAlive(c)
	return out, traceparentString(&tp)
}

func toolFinish(e *C.sigil_tool_execution_t, hasResult bool, arguments, result string, completedAt time.Time,
	failure error) *Error {
	ap, an := goStr(arguments)
	rp, rn := goStr(result)
	var hasErr C.int
	var msg string
	var status int32
	if failure != nil {
		hasErr, msg, status = 1, failure.Error(), httpStatusOf(failure)
	}
	mp, mn := goStr(msg)
	var cerr *C.sigil_error_t
	st := C.sgo_tool_finish(e, C.int(cbool(hasResult)), ap, an, rp, rn, unixNano(completedAt), hasErr, mp, mn,
		C.int32_t(status), &cerr)
	runtime.KeepAlive(arguments)
	runtime.KeepAlive(result)
	runtime.KeepAlive(msg)
	return takeError(st, cerr)
}

func (c *Client) embeddingStart(cs *C.sgo_embedding_start_args, a *args) (*C.sigil_embedding_t, string) {
	var out *C.sigil_embedding_t
	var tp [56]C.char
	C.sgo_embedding_start(c.ptr, cs, a.ptr(), &out, &tp[0])
	runtime.KeepAlive(c)
	return out, traceparentString(&tp)
}

func embeddingFinish(e *C.sigil_embedding_t, cr *C.sgo_embedding_result_args, a *args, failure error) *Error {
	var hasErr C.int
	var msg string
	var status int32
	if failure != nil {
		hasErr, msg, status = 1, failure.Error(), httpStatusOf(failure)
	}
	mp, mn := goStr(msg)
	var cerr *C.sigil_error_t
	st := C.sgo_embedding_finish(e, cr, a.ptr(), hasErr, mp, mn, C.int32_t(status), &cerr)
	runtime.KeepAlive(msg)
	return takeError(st, cerr)
}

func freeGeneration(g *C.sigil_generation_t)        { C.sigil_generation_free(g) }
func freeToolExecution(e *C.sigil_tool_execution_t) { C.sigil_tool_execution_free(e) }
func freeEmbedding(e *C.sigil_embedding_t)          { C.sigil_embedding_free(e) }

// httpStatusOf finds the HTTP status a provider error carries, for
// error.category: a StatusCode() method, or a StatusCode or Status int field
// (as the provider SDKs' error types have). Context deadlines and
// cancellations count as timeouts (408). 0 lets libsigil look for a status
// in the message.
func httpStatusOf(err error) int32 {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return 408
	}
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		if code := sc.StatusCode(); code >= 100 && code <= 599 {
			return int32(code)
		}
	}
	v := reflect.ValueOf(err)
	for v.IsValid() && v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	if !v.IsValid() || v.Kind() != reflect.Struct {
		return 0
	}
	for _, name := range [...]string{"StatusCode", "Status"} {
		f := v.FieldByName(name)
		var code int64
		switch f.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			code = f.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			code = int64(f.Uint())
		default:
			continue
		}
		if code >= 100 && code <= 599 {
			return int32(code)
		}
	}
	return 0
}
