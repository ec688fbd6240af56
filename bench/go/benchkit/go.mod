module github.com/libsigil/libsigil/bench/go/benchkit

go 1.19
