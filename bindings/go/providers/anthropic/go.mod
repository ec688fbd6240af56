module github.com/libsigil/libsigil/bindings/go/providers/anthropic

go 1.24

require (
	github.com/anthropics/anthropic-sdk-go v1.27.1
	github.com/libsigil/libsigil/bindings/go v0.0.0-00010101000000-000000000000
)

require (
	github.com/tidwall/gjson v1.18.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
	golang.org/x/sync v0.16.0 // indirect
)

replace github.com/libsigil/libsigil/bindings/go => ../..
