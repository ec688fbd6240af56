"""Go with -tags sigil_static: the example program links libsigil.a from an installed prefix, needs no
libsigil.so, rpath or LD_LIBRARY_PATH, and delivers its generations to the capture harness.

SIGIL_PKG_PREFIX names a prefix libsigil was installed into (the Makefile installs one).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "conformance"))

from harness import Harness  # noqa: E402

PREFIX = Path(os.environ.get("SIGIL_PKG_PREFIX", REPO / "build" / "pkg-prefix"))


def test_static_binary_needs_no_libsigil_so(tmp_path):
    pcdir = PREFIX / "lib" / "pkgconfig"
    assert (pcdir / "sigil.pc").is_file(), f"no libsigil installed in {PREFIX}"
    binary = tmp_path / "quickstart"
    env = {k: v for k, v in os.environ.items() if k not in ("CGO_LDFLAGS", "LD_LIBRARY_PATH")}
    env["PKG_CONFIG_PATH"] = str(pcdir)
    build = subprocess.run(["go", "build", "-tags", "sigil_static", "-o", str(binary), "./quickstart"],
                           cwd=REPO / "examples" / "go", env=env, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr
    dynamic = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic)
    assert needed and not [n for n in needed if n.startswith("libsigil")], needed
    assert "RPATH" not in dynamic and "RUNPATH" not in dynamic
    assert "libsigil" not in subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout

    with Harness(gen_dir=_gen_dir()) as harness:
        run_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SIGIL_PROTOCOL": "http",
                   "SIGIL_ENDPOINT": harness.urls["http_base"]}
        proc = subprocess.run([str(binary)], cwd=tmp_path, env=run_env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        captures = harness.wait("http_exports", timeout=30)
    generations = [g for c in captures for g in c["generations"]]
    assert generations and all(g["metadata"]["sigil.sdk.name"] == "sdk-go" for g in generations)


def _gen_dir() -> Path | None:
    gen_dir = os.environ.get("SIGIL_HARNESS_GEN_DIR")
    return Path(gen_dir) if gen_dir else None
