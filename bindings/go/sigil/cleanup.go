package sigil

import "runtime"

// A recorder that is never ended would keep its libsigil recorder alive
// forever. As a safety net only, a finalizer ends and frees it when the Go
// recorder becomes unreachable; End removes the finalizer (recorder.end).

func setCleanup[T any](rec *T, free func(*T)) { runtime.SetFinalizer(rec, free) }
