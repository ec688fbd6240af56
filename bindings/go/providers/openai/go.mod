module github.com/libsigil/libsigil/bindings/go/providers/openai

go 1.24

require (
	github.com/libsigil/libsigil/bindings/go v0.0.0-00010101000000-000000000000
	github.com/openai/openai-go/v3 v3.28.0
)

require (
	github.com/tidwall/gjson v1.18.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
)

replace github.com/libsigil/libsigil/bindings/go => ../..
