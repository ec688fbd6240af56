#!/bin/sh
# Builds the sigil-sdk addon against the libsigil in BUILD_DIR, into
# BUILD_DIR/node-addon (the runner calls this as the driver's availability
# check; it rebuilds only when the addon's source, the header or libsigil.a,
# which is linked into the addon, changed).
# The package's own build (npm install in bindings/node) is left alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$(cd "${1:?usage: build.sh BUILD_DIR}" && pwd)
pkg=$repo/bindings/node
out=$build/node-addon
addon=$out/build/Release/sigil_node.node
if [ ! -e "$build/libsigil.so" ]; then
  echo "build.sh: $build has no libsigil.so; build it first: ninja -C $build sigil" >&2
  exit 1
fi
if [ -e "$addon" ] && [ -z "$(find "$pkg/src" "$pkg/binding.gyp" "$pkg/scripts" "$repo/include/sigil" "$build/libsigil.a" -newer "$addon")" ]; then
  exit 0
fi
rm -rf "$out/src"
mkdir -p "$out/src" "$out/scripts"
cp "$pkg/binding.gyp" "$out/"
cp "$pkg"/src/* "$out/src/"
cp "$pkg/scripts/engine.js" "$pkg/scripts/build.js" "$out/scripts/"
cd "$out"
SIGIL_INCLUDE_DIR="$repo/include:$build/gen/include" SIGIL_LIB_DIR="$build" node scripts/build.js >"$out/build.log" 2>&1 || {
  cat "$out/build.log" >&2
  exit 1
}
