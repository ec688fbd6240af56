//go:build sigil_static

package sigil

// -tags sigil_static: libsigil.a is linked into the binary, so it runs
// without libsigil.so, an rpath or LD_LIBRARY_PATH. pkg-config --static adds
// the engine's own dependencies (sigil.pc's Libs.private: libcurl, cJSON,
// simdjson, RE2, nanopb, libstdc++), which stay shared system libraries.
// -Bstatic makes the linker take the archive although libsigil.so sits in the
// same directory; --as-needed drops the shared libsigil that pkg-config's own
// -lsigil would otherwise add, since the archive already defines every symbol.

/*
#cgo LDFLAGS: -Wl,--as-needed -Wl,-Bstatic -lsigil -Wl,-Bdynamic
#cgo pkg-config: --static sigil
*/
import "C"
