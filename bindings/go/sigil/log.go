package sigil

// This file only declares C in its preamble: it holds an //export.

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
)

var levelNames = [...]string{"debug", "info", "warn", "error"}

// sigilGoLog receives libsigil's diagnostics on its worker threads and
// forwards them to the client's *log.Logger.
//
//export sigilGoLog
func sigilGoLog(handle C.uintptr_t, level C.uint32_t, message *C.char, n C.size_t) {
	cb, ok := cgo.Handle(handle).Value().(*goCallbacks)
	if !ok || cb.logger == nil {
		return
	}
	logger := cb.logger
	name := "log"
	if int(level) < len(levelNames) {
		name = levelNames[level]
	}
	logger.Printf("sigil %s: %s", name, C.GoStringN(message, C.int(n)))
}
