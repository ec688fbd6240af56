"""The wheel `make wheel` builds, installed as a user installs it: into a clean virtual environment,
from the file alone, then used by a process that cannot see the build tree or the sources.

SIGIL_WHEEL_DIR names the directory holding the one repaired wheel (the Makefile passes it).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "conformance"))

from harness import Harness  # noqa: E402

WHEEL_DIR = Path(os.environ.get("SIGIL_WHEEL_DIR", REPO / "build" / "wheel"))
# The libraries every manylinux platform provides (PEP 600 / the manylinux policies' allow-list):
# whatever else libsigil links has to travel inside the wheel.
BASE_LIBRARIES = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libgcc_s.so.1",
    "libstdc++.so.6", "libresolv.so.2", "libutil.so.1", "libnsl.so.1", "libz.so.1", "libexpat.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
}
LOADER = re.compile(r"^/(usr/)?lib(64|/x86_64-linux-gnu)?/ld-linux")


@pytest.fixture(scope="module")
def wheel() -> Path:
    wheels = sorted(WHEEL_DIR.glob("*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {WHEEL_DIR} (run make wheel), found {wheels}"
    return wheels[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory, wheel) -> Path:
    """A venv without system site-packages, the wheel installed from its file only (no index)."""
    root = tmp_path_factory.mktemp("venv")
    venv = root / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    proc = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--disable-pip-version-check",
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (site_dir,) = (venv / "lib").glob("python3*/site-packages")
    return site_dir


def _readelf_dynamic(path: Path) -> tuple[list[str], list[str]]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    paths = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[(.+?)\]", out)
    return needed, [p for entry in paths for p in entry.split(":")]


def test_a_manylinux_platform_wheel_under_the_new_name(wheel):
    name, version, python_tag, abi_tag, plat = wheel.stem.split("-")
    assert (name, python_tag, abi_tag) == ("libsigil", "py3", "none")
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_" + re.escape(platform.machine()), plat.split(".")[0])
    assert match, f"not a manylinux platform tag: {plat}"
    glibc = tuple(int(x) for x in platform.libc_ver()[1].split(".")[:2])
    assert (int(match[1]), int(match[2])) <= glibc, f"{plat} asks for a newer glibc than this machine's {glibc}"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        tags = archive.read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()
    assert re.search(r"^Name: libsigil$", metadata, re.M)
    assert "Root-Is-Purelib: false" in tags
    assert "sigil_sdk/libsigil.so" in names
    assert any(n.startswith("libsigil.libs/") for n in names), "no vendored library"


def test_the_bundled_library_needs_only_the_base_system_and_its_vendored_copies(site):
    library = site / "sigil_sdk" / "libsigil.so"
    vendored_dir = site / "libsigil.libs"
    vendored = {p.name for p in vendored_dir.iterdir()}
    for elf in [library, *sorted(vendored_dir.iterdir())]:
        needed, search = _readelf_dynamic(elf)
        outside = [n for n in needed if n not in BASE_LIBRARIES and n not in vendored]
        assert not outside, f"{elf.name} needs {outside}, neither base system nor vendored"
        for entry in search:
            assert entry.startswith("$ORIGIN"), f"{elf.name} searches {entry}, outside the package"
            assert (elf.parent / entry.replace("$ORIGIN", ".")).resolve().is_relative_to(site)
    _, search = _readelf_dynamic(library)
    assert (library.parent / search[0].replace("$ORIGIN", ".")).resolve() == vendored_dir.resolve()
    # What the dynamic loader actually picks: the vendored copies, the base system for the rest.
    ldd = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=True,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}).stdout
    for line in ldd.splitlines():
        line = line.strip()
        assert "not found" not in line, line
        soname, _, rest = line.partition(" => ")
        if not rest:
            continue  # linux-vdso, the loader itself
        resolved = Path(rest.split(" (")[0])
        if soname in vendored:
            assert resolved.parent.resolve() == vendored_dir.resolve(), line
        else:
            assert soname in BASE_LIBRARIES or LOADER.match(str(resolved)), line


def test_records_a_generation_without_the_build_tree(site, tmp_path):
    program = textwrap.dedent("""
        import sys
        import sigil_sdk as sigil
        from sigil_sdk import _native

        client = sigil.Client(sigil.ClientConfig(
            generation_export=sigil.GenerationExportConfig(protocol="http", endpoint=sys.argv[1], max_retries=0),
            use_environment=False))
        with sigil.with_conversation_id("conv-wheel"):
            with client.start_generation(sigil.GenerationStart(
                    model=sigil.ModelRef(provider="openai", name="gpt-wheel"))) as rec:
                rec.set_result(input=[sigil.user_text_message("hi")],
                               output=[sigil.assistant_text_message("hello")])
        assert rec.err() is None, rec.err()
        client.shutdown()
        print(_native.library_path)
        print(sigil.__file__)
    """)
    python = site.parents[2] / "bin" / "python"
    # Nothing that points back at the repository: no SIGIL_LIBRARY, no PYTHONPATH, cwd elsewhere.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    with Harness(gen_dir=_gen_dir()) as harness:
        proc = subprocess.run([str(python), "-c", program, harness.urls["http_base"]], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        (capture,) = harness.wait("http_exports", timeout=30)
    library, module = proc.stdout.split()
    for path in (library, module):
        assert Path(path).resolve().is_relative_to(site.resolve()), path
        assert not Path(path).resolve().is_relative_to(REPO), path
    (generation,) = capture["generations"]
    assert generation["model"]["name"] == "gpt-wheel"
    assert generation["conversation_id"] == "conv-wheel"
    assert generation["metadata"]["sigil.sdk.name"] == "sdk-python"


def _gen_dir() -> Path | None:
    gen_dir = os.environ.get("SIGIL_HARNESS_GEN_DIR")
    return Path(gen_dir) if gen_dir else None


def test_the_sigil_command_runs_from_the_wheel(site, tmp_path):
    """The console script the wheel installs resolves the configuration through the bundled engine."""
    sigil = site.parents[2] / "bin" / "sigil"
    assert sigil.is_file(), "the wheel installs no `sigil` console script"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "SIGIL_PROTOCOL": "http",
           "SIGIL_ENDPOINT": "http://127.0.0.1:9/"}
    proc = subprocess.run([str(sigil), "doctor", "--json", "--no-send"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr  # nothing listens on port 9: a failed check, not a crash
    library = Path(report["library"]).resolve()
    assert library.is_relative_to(site.resolve()), library
