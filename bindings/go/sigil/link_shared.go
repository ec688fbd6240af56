//go:build !sigil_static

package sigil

// By default the package links the shared libsigil that pkg-config finds; a
// binary then needs it at run time (installed in the loader's paths, an rpath
// such as bindings/go/env.sh sets, or LD_LIBRARY_PATH). Build with
// -tags sigil_static to link the engine into the binary instead (link_static.go).

/*
#cgo pkg-config: sigil
*/
import "C"
