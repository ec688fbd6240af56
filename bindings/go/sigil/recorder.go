package sigil

import (
	"runtime"
	"sync"
)

// recorder is embedded in every recorder type and holds the rules they all
// apply, once (docs/abi-json.md, "Binding rules"):
//
//   - End hands the recording to libsigil once; later calls, and calls on a
//     nil or no-op recorder, do nothing (the driver of the conformance suite
//     reports a repeated End as AlreadyEnded, as C does);
//   - setters after End change nothing;
//   - End removes the finalizer, which is only a safety net for a recorder
//     that is never ended (see cleanup.go);
//   - Err reports End's local error.
//
// The outer type keeps what is its own (the values it hands libsigil at
// End) and implements finish. Methods on the outer types check for a nil
// receiver before they reach these.
//
// H is the libsigil handle type, a pointer (cgo's handle structs are
// incomplete, so they cannot be type arguments themselves).
type recorder[H comparable] struct {
	client *Client
	handle H // nil for a no-op recorder, and after End

	mu       sync.Mutex
	ended    bool
	finalErr error
	startErr error  // a start value the binding could not pass (End reports it)
	hostTP   string // the host span's traceparent (host pipeline), or ""
}

// finisher is the outer recorder: finish hands libsigil the recording and
// returns End's local error. It runs once, under the lock, with a live handle.
type finisher[H comparable] interface {
	finish(handle H) error
}

func (r *recorder[H]) end(owner finisher[H]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.ended = true
	var none H
	if r.handle == none {
		return
	}
	handle := r.handle
	r.handle = none
	runtime.SetFinalizer(owner, nil)
	r.finalErr = owner.finish(handle)
	// The span callback ended the host span with libsigil's span; one it
	// did not get (not sampled) ends here.
	r.client.endHostSpan(r.hostTP)
	if r.startErr != nil {
		r.finalErr = r.startErr
	}
}

// set runs fn under the lock unless the recorder has ended.
func (r *recorder[H]) set(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.ended {
		fn()
	}
}

func (r *recorder[H]) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finalErr
}
