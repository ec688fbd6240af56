#!/bin/sh
# Builds the Rust conformance driver against the libsigil in BUILD_DIR (the
# runner calls this as the driver's availability check). Cargo's target
# directory is BUILD_DIR/cargo, shared with `cargo test` run the same way
# (CARGO_TARGET_DIR=BUILD_DIR/cargo SIGIL_BUILD_DIR=BUILD_DIR), so repeated
# calls are cheap. The binary is copied to BUILD_DIR/conformance/drivers/rust.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: build.sh BUILD_DIR}" && pwd)
out="$build/conformance/drivers/rust"
mkdir -p "$out"
SIGIL_BUILD_DIR="$build" CARGO_TARGET_DIR="$build/cargo" \
  cargo build --quiet --manifest-path "$here/Cargo.toml" --bin sigil-conformance-driver-rust
cp -f "$build/cargo/debug/sigil-conformance-driver-rust" "$out/sigil-conformance-driver-rust.tmp"
mv -f "$out/sigil-conformance-driver-rust.tmp" "$out/sigil-conformance-driver-rust"
