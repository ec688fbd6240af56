#!/usr/bin/env bash
# Builds and runs a consumer with pkg-config and with the CMake package,
# against an installed copy only: either a prefix `make install` filled
# (--prefix DIR, the lean install), or the test build installed here into a
# temporary prefix (BUILD_DIR, stripped as make install strips). Also checks
# what make install leaves: a stripped shared library with its SONAME, the
# static library, the header, sigil.pc and the CMake package; and, for a
# prefix outside the linker's paths, that the documented rpath and
# LD_LIBRARY_PATH ways both find the library.
set -euo pipefail
src_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" = "--prefix" ]; then
  prefix=$(cd "$2" && pwd)
else
  prefix=$work/prefix
  cmake --install "$1" --prefix "$prefix" --strip >/dev/null
fi
fail() { echo "install test: $*" >&2; exit 1; }

pcdir=$(dirname "$(find "$prefix" -name sigil.pc)")
export PKG_CONFIG_PATH=$pcdir
libdir=$(pkg-config --variable=libdir sigil)
[ -f "$libdir/libsigil.so" ] || fail "pkg-config libdir $libdir has no libsigil.so"
so=$(readlink -f "$libdir/libsigil.so")
soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
[ "$soname" = "libsigil.so.1" ] || fail "unexpected SONAME $soname"
[ -f "$libdir/libsigil.a" ] || fail "no static library installed"
[ -f "$prefix/include/sigil/sigil.h" ] && [ -f "$prefix/include/sigil/version.h" ] || fail "headers missing"
[ -n "$(find "$prefix" -name sigilConfig.cmake)" ] || fail "no CMake package"
if readelf -S "$so" | grep -q '\.debug_info'; then fail "libsigil.so is not stripped"; fi
echo "installed: libsigil.so $(stat -c %s "$so") bytes (stripped), libsigil.a $(stat -c %s "$libdir/libsigil.a") bytes"

cc -std=c99 -Wall -Wextra -Werror "$src_dir/consumer.c" $(pkg-config --cflags --libs sigil) -o "$work/consumer_norpath"
# Outside the linker's paths, the program finds the library by its rpath...
cc -std=c99 -Wall -Wextra -Werror "$src_dir/consumer.c" $(pkg-config --cflags --libs sigil) \
   -Wl,-rpath,"$libdir" -o "$work/consumer_pc"
"$work/consumer_pc"
# ...or by LD_LIBRARY_PATH; without either it does not start (unless the
# prefix is one the system searches).
LD_LIBRARY_PATH="$libdir" "$work/consumer_norpath" >/dev/null
case "$libdir" in
  /usr/lib* | /lib*) ;;
  *) if "$work/consumer_norpath" >/dev/null 2>&1; then fail "found libsigil without rpath or LD_LIBRARY_PATH"; fi ;;
esac

cmake -S "$src_dir" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer_cmake"
# The sigil command: bin/sigil runs the installed tools/sigil_cli over the
# prefix's own libsigil.so (no SIGIL_LIBRARY, no PYTHONPATH), and its doctor
# passes against the capture harness.
[ -x "$prefix/bin/sigil" ] || fail "no bin/sigil installed"
env -u SIGIL_LIBRARY -u PYTHONPATH "$prefix/bin/sigil" --help | grep -q doctor || fail "sigil --help lists no doctor"
repo=$(cd "$src_dir/../.." && pwd)
ports=$work/harness-ports.json
(cd "$repo/conformance" && exec python3 -m harness serve --ports-file "$ports") 2>"$work/harness.log" &
harness_pid=$!
trap 'kill $harness_pid 2>/dev/null; wait $harness_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do [ -s "$ports" ] && break; kill -0 $harness_pid 2>/dev/null || break; sleep 0.1; done
[ -s "$ports" ] || { cat "$work/harness.log" >&2; fail "the capture harness did not start"; }
http_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$ports")
env -u SIGIL_LIBRARY -u PYTHONPATH SIGIL_PROTOCOL=http \
    SIGIL_ENDPOINT="http://127.0.0.1:$http_port/api/v1/generations:export" \
    "$prefix/bin/sigil" doctor >"$work/doctor.txt" || { cat "$work/doctor.txt" >&2; fail "sigil doctor failed"; }
grep -qF "libsigil: $(cd "$libdir" && pwd -P)/libsigil.so" "$work/doctor.txt" || { cat "$work/doctor.txt" >&2; fail "sigil doctor did not use the prefix's libsigil"; }
echo "sigil command: --help and doctor against the harness passed"
echo "install test passed"
