#!/bin/sh
# Packs the sigil-sdk package as an installable tarball that needs neither this
# repository nor libsigil on the machine it goes to:
#
#   sh bindings/node/pack.sh BUILD_DIR [OUT_DIR]
#       -> OUT_DIR (default BUILD_DIR/node-pack)/sigil-sdk-<version>.tgz, its path printed
#
# It copies the package's files into OUT_DIR/stage, builds the
# addon there (libsigil.a from BUILD_DIR linked in, see scripts/engine.js),
# moves it, stripped, to prebuilds/<platform>-<arch>/, and runs npm pack. The
# tarball's install script finds the prebuilt addon and compiles nothing. The
# package directory itself is left alone. Repacks only when the package's
# sources or the library changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: pack.sh BUILD_DIR [OUT_DIR]}" && pwd)
out=${2:-$build/node-pack}
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$out/stage
if [ ! -e "$build/libsigil.a" ]; then
  echo "pack.sh: $build has no libsigil.a; build it first: ninja -C $build sigil_static" >&2
  exit 1
fi
tarball=$(ls "$out"/sigil-sdk-*.tgz 2>/dev/null | head -n 1 || true)
if [ -n "$tarball" ] && [ -z "$(find "$here/src" "$here/lib" "$here/scripts" "$here/binding.gyp" \
    "$here/package.json" "$here/README.md" "$build/libsigil.a" -newer "$tarball")" ]; then
  echo "$tarball"
  exit 0
fi
rm -rf "$stage" "$out"/sigil-sdk-*.tgz
mkdir -p "$stage"
cp -R "$here/package.json" "$here/binding.gyp" "$here/README.md" "$here/lib" "$here/src" "$here/scripts" "$stage/"
cd "$stage"
SIGIL_INCLUDE_DIR="$repo/include:$build/gen/include" SIGIL_LIB_DIR="$build" node scripts/build.js >"$out/build.log" 2>&1 || {
  cat "$out/build.log" >&2
  exit 1
}
dest=prebuilds/$(node -p 'process.platform + "-" + process.arch')
mkdir -p "$dest"
strip --strip-unneeded -o "$dest/sigil_node.node" build/Release/sigil_node.node
rm -rf build
npm pack --silent --pack-destination "$out" >/dev/null
ls "$out"/sigil-sdk-*.tgz
