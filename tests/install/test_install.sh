#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a consumer
# with pkg-config and with the CMake package, against the installed copy only.
set -euo pipefail
build_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build_dir" --prefix "$prefix" >/dev/null

pcdir=$(dirname "$(find "$prefix" -name sigil.pc)")
export PKG_CONFIG_PATH=$pcdir
libdir=$(pkg-config --variable=libdir sigil)
[ -f "$libdir/libsigil.so" ] || { echo "pkg-config libdir $libdir has no libsigil.so"; exit 1; }
soname=$(objdump -p "$libdir/libsigil.so" | awk '/SONAME/ {print $2}')
[ "$soname" = "libsigil.so.1" ] || { echo "unexpected SONAME $soname"; exit 1; }
[ -f "$libdir/libsigil.a" ] || { echo "no static library installed"; exit 1; }

cc -std=c99 -Wall -Wextra -Werror "$src_dir/consumer.c" $(pkg-config --cflags --libs sigil) \
   -Wl,-rpath,"$libdir" -o "$work/consumer_pc"
"$work/consumer_pc"

cmake -S "$src_dir" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer_cmake"
echo "install test passed"
