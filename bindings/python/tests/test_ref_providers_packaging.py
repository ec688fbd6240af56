"""The distribution ships the reference-named helper packages under its own name: `libsigil`, not the
reference SDK's `sigil-sdk`, so the two never collide on the package index. The import packages keep
the reference's names, and the version stays above the reference helpers' `sigil-sdk>=0.9.3`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

import sigil_sdk

PACKAGE = Path(__file__).resolve().parents[1]
REFERENCE_REQUIREMENT = SpecifierSet(">=0.9.3")  # sigil-sdk-openai/-anthropic/-gemini 0.9.3: sigil-sdk>=0.9.3


def archive_text(wheel: Path, suffix: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(suffix))).decode()


def test_the_wheel_ships_the_helper_packages(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns(
        "build", "tests", "benchmarks", "__pycache__", "*.egg-info", "libsigil.*"))
    env = {**os.environ, "SIGIL_LIBRARY": sigil_sdk._native.library_path,
           "SIGIL_SOURCE_DIR": str(PACKAGE.parents[1])}  # the copy is outside the tree: where tools/ is
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path / "dist"), str(source)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for package in ("sigil_sdk_openai", "sigil_sdk_anthropic", "sigil_sdk_gemini"):
        assert {f"{package}/__init__.py", f"{package}/provider.py", f"{package}/py.typed"} <= names
    assert "sigil_sdk/_provider_helpers.py" in names
    # The `sigil` command ships with the package, as a console script over the bundled engine.
    assert {"sigil_cli/__init__.py", "sigil_cli/doctor.py", "sigil_cli/_engine.py"} <= names
    entry_points = archive_text(wheel, ".dist-info/entry_points.txt")
    assert re.search(r"^sigil = sigil_cli:main$", entry_points, re.M), entry_points
    assert re.search(r"^Name: libsigil$", metadata, re.M)
    version = re.search(r"^Version: (.+)$", metadata, re.M).group(1)
    assert version == sigil_sdk.__version__
    assert Version(version) in REFERENCE_REQUIREMENT
