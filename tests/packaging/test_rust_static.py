"""Rust links libsigil statically even when pkg-config finds an installed libsigil (PKG_CONFIG_PATH
set, no SIGIL_BUILD_DIR); the shared library only when asked (SIGIL_LINK=dynamic); and a prefix
without libsigil.a is an error that says so.

SIGIL_PKG_PREFIX names a prefix libsigil was installed into, SIGIL_RUST_TARGET_DIR a directory for
the builds (the Makefile passes both).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PREFIX = Path(os.environ.get("SIGIL_PKG_PREFIX", REPO / "build" / "pkg-prefix"))
TARGET = Path(os.environ.get("SIGIL_RUST_TARGET_DIR", REPO / "build" / "cargo-packaging"))
CRATES = REPO / "bindings" / "rust"


def _cargo(args: list[str], prefix: Path, target: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SIGIL_BUILD_DIR", "SIGIL_NO_PKG_CONFIG", "SIGIL_LINK", "CARGO_TARGET_DIR")}
    env.update(PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"), CARGO_TARGET_DIR=str(target), **extra)
    return subprocess.run(["cargo", *args, "-p", "sigil-sys", "--locked"], cwd=CRATES, env=env,
                          capture_output=True, text=True, timeout=1200)


def _header_test(prefix: Path, target: Path, **extra: str) -> Path:
    """The binary of tests/header.rs, which calls into the engine (so it links libsigil one way or the other)."""
    proc = _cargo(["test", "--no-run", "--message-format=json"], prefix, target, **extra)
    assert proc.returncode == 0, proc.stderr
    (binary,) = [Path(m["executable"]) for m in map(json.loads, proc.stdout.splitlines())
                 if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "header"]
    return binary


def _needed(binary: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


@pytest.fixture(scope="module", autouse=True)
def installed():
    assert (PREFIX / "lib" / "libsigil.a").is_file(), f"no libsigil installed in {PREFIX}"


def test_pkg_config_links_the_static_library():
    needed = _needed(_header_test(PREFIX, TARGET / "static"))
    assert "libcurl.so.4" in needed and not [n for n in needed if n.startswith("libsigil")], needed
    # ...and the statically linked tests pass (they call into the engine).
    proc = _cargo(["test", "--quiet"], PREFIX, TARGET / "static")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dynamic_linking_is_an_explicit_choice():
    assert "libsigil.so.1" in _needed(_header_test(PREFIX, TARGET / "dynamic", SIGIL_LINK="dynamic"))


def test_a_prefix_without_the_archive_is_an_error_not_a_shared_link(tmp_path):
    prefix = tmp_path / "prefix"
    shutil.copytree(PREFIX, prefix, symlinks=True)
    (prefix / "lib" / "libsigil.a").unlink()
    proc = _cargo(["build"], prefix, TARGET / "no-archive")
    assert proc.returncode != 0
    assert "no libsigil.a there" in proc.stderr and "SIGIL_LINK=dynamic" in proc.stderr
