module github.com/libsigil/libsigil/bench/go/libsigil

go 1.19

require (
	github.com/libsigil/libsigil/bench/go/benchkit v0.0.0
	github.com/libsigil/libsigil/bindings/go v0.0.0
)

replace (
	github.com/libsigil/libsigil/bench/go/benchkit => ../benchkit
	github.com/libsigil/libsigil/bindings/go => ../../../bindings/go
)
