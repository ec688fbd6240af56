#!/bin/sh
# Prints the environment that lets `go build` / `go test` use libsigil from a
# CMake build tree, without installing it:
#
#   eval "$(bindings/go/env.sh build)" && (cd bindings/go && go test ./...)
#
# It writes BUILD_DIR/go/pkgconfig/sigil.pc describing the build tree (the
# package's `#cgo pkg-config: sigil` reads it) and embeds BUILD_DIR as the
# run-time search path (rpath), so binaries and tests run without
# LD_LIBRARY_PATH. For an installed libsigil none of this is needed beyond
# PKG_CONFIG_PATH (see README.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
build=$(cd "$build" && pwd)
if [ ! -e "$build/libsigil.so" ] || [ ! -e "$build/gen/include/sigil/version.h" ]; then
  echo "env.sh: $build has no libsigil.so; build it first: cmake -S $repo -B $build -G Ninja && ninja -C $build sigil" >&2
  exit 1
fi
pcdir=$build/go/pkgconfig
mkdir -p "$pcdir"
# The engine's own link dependencies, for -tags sigil_static (pkg-config --static).
private=$(sed -n 's/^Libs.private: *//p' "$build/sigil.pc" 2>/dev/null)
version=$(sed -n 's/^#define SIGIL_VERSION_STRING "\(.*\)"/\1/p' "$build/gen/include/sigil/version.h")
tmp=$pcdir/sigil.pc.$$
cat > "$tmp" <<PC
# libsigil from the build tree $build (written by bindings/go/env.sh)
Name: sigil
Description: libsigil (uninstalled build tree)
Version: $version
Libs: -L$build -lsigil
Libs.private: $private
Cflags: -I$repo/include -I$build/gen/include
PC
mv "$tmp" "$pcdir/sigil.pc"
echo "export PKG_CONFIG_PATH='$pcdir'${PKG_CONFIG_PATH:+:'$PKG_CONFIG_PATH'}"
echo "export CGO_LDFLAGS='-Wl,-rpath,$build'"
