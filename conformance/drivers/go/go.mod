module github.com/libsigil/libsigil/conformance/drivers/go

go 1.19

require github.com/libsigil/libsigil/bindings/go v0.0.0

replace github.com/libsigil/libsigil/bindings/go => ../../../bindings/go
