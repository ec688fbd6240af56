#!/bin/sh
# Builds the Go conformance driver against the libsigil in BUILD_DIR (the
# runner calls this as the driver's availability check; Go's build cache
# makes repeated calls cheap).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: build.sh BUILD_DIR}" && pwd)
eval "$(sh "$here/../../../bindings/go/env.sh" "$build")"
mkdir -p "$build/conformance/drivers/go"
cd "$here"
exec go build -o "$build/conformance/drivers/go/sigil-conformance-driver-go" .
