package sigil

// The binding talks to libsigil through the C shims in shim.c. Each shim
// turns one Go-side operation into one cgo crossing: the Go side packs the
// strings of a start struct into a single Go byte buffer (no Go pointers
// inside, so cgo lets us pass it) and hands over offsets; the shim builds the
// versioned C struct on its stack and calls the engine. Ending a recorder
// (result, call error, first token, end, free) is also one crossing.

/*
#include "shim.h"
*/
import "C"

import (
	"strings"
	"sync"
	"unsafe"
)

// abiError is non-nil when the loaded libsigil does not implement the ABI this
// package was compiled against; every client is then disabled.
var abiError error

func init() {
	if got, want := uint32(C.sigil_abi_version()), uint32(C.sgo_abi_version_header()); got != want {
		abiError = (&Error{Code: CodeConfig, Message: "libsigil ABI mismatch: the library implements ABI " +
			uitoa(got) + ", this package was built for ABI " + uitoa(want)}).with(ErrInvalidConfig)
	}
}

// Version is the version of the loaded libsigil ("MAJOR.MINOR.PATCH").
func Version() string { return C.GoString(C.sigil_version_string()) }

// args packs the strings of one start call into one buffer of NUL-terminated
// strings; fields refer to them by offset.
type args struct {
	b   []byte
	nul bool // a string held a NUL byte (see nulError)
}

var argsPool = sync.Pool{New: func() any { return &args{b: make([]byte, 0, 1024)} }}

func getArgs() *args { a := argsPool.Get().(*args); a.b, a.nul = a.b[:0], false; return a }

// nulError is the error for a call whose strings held a NUL byte: C would
// read each only up to it ("victim\x00x" as "victim"), so the call is refused
// instead. nil when every string was whole.
func (a *args) nulError(what string) *Error {
	if !a.nul {
		return nil
	}
	return &Error{Code: CodeInvalidArgument, Message: what + ": a string holds a NUL byte, which a C string cannot carry"}
}

func putArgs(a *args) {
	if cap(a.b) <= 64<<10 {
		argsPool.Put(a)
	}
}

// str stores s and returns its offset; "" is NULL (-1).
func (a *args) str(s string) C.int64_t {
	if s == "" {
		return -1
	}
	return a.always(s)
}

// always stores s even when empty.
func (a *args) always(s string) C.int64_t {
	if strings.IndexByte(s, 0) >= 0 {
		a.nul = true
	}
	off := len(a.b)
	a.b = append(a.b, s...)
	a.b = append(a.b, 0)
	return C.int64_t(off)
}

// bytes stores raw bytes (JSON documents); nil when empty.
func (a *args) bytes(p []byte) (C.int64_t, C.int64_t) {
	if len(p) == 0 {
		return -1, 0
	}
	off := len(a.b)
	a.b = append(a.b, p...)
	a.b = append(a.b, 0)
	return C.int64_t(off), C.int64_t(len(p))
}

func (a *args) ptr() *C.char {
	if len(a.b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&a.b[0]))
}

func cbool(b bool) C.int32_t {
	if b {
		return 1
	}
	return 0
}

// goStr returns a C view of a Go string for a call that borrows it.
func goStr(s string) (*C.char, C.size_t) {
	if s == "" {
		return nil, 0
	}
	return (*C.char)(stringData(s)), C.size_t(len(s))
}

func goBytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// takeError converts and frees an owned engine error.
func takeError(status C.sigil_status_t, e *C.sigil_error_t) *Error {
	if status == C.SIGIL_OK {
		C.sigil_error_free(e)
		return nil
	}
	msg := ""
	if e != nil {
		msg = C.GoString(C.sigil_error_message(e))
		C.sigil_error_free(e)
	}
	if msg == "" {
		msg = C.GoString(C.sigil_status_name(status))
	}
	return &Error{Code: Code(status), Message: msg}
}

// traceparentString converts the NUL-terminated buffer a start shim filled.
func traceparentString(tp *[56]C.char) string {
	if tp[0] == 0 {
		return ""
	}
	return C.GoStringN(&tp[0], 55)
}

func uitoa(v uint32) string {
	var buf [10]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(buf[i:])
}
