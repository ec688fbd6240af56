module github.com/libsigil/libsigil/bindings/go

go 1.19
