"""Build step for the libsigil distribution (import package sigil_sdk): bundles libsigil into the package.

`pip install bindings/python` builds the engine with CMake from the repository
this directory belongs to (found relative to this file, or through
SIGIL_SOURCE_DIR) and copies libsigil.so next to the Python modules, so the
installed package needs nothing else; tools/sigil_cli (the `sigil` command) is
copied in beside them. Set SIGIL_LIBRARY to an existing
libsigil.so to bundle that instead of building. Everything else about the
package is in pyproject.toml.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
LIBRARY = "libsigil.dylib" if sys.platform == "darwin" else "libsigil.so"


def _source_dir() -> Path:
    root = Path(os.environ.get("SIGIL_SOURCE_DIR") or HERE.parent.parent).resolve()
    if not (root / "CMakeLists.txt").is_file() or not (root / "include" / "sigil" / "sigil.h").is_file():
        sys.exit(f"libsigil: no libsigil source tree at {root}; set SIGIL_SOURCE_DIR to the repository "
                 "root or SIGIL_LIBRARY to a built libsigil.so")
    return root


def _build_engine() -> Path:
    prebuilt = os.environ.get("SIGIL_LIBRARY", "").strip()
    if prebuilt:
        return Path(prebuilt).resolve()
    source = _source_dir()
    build = Path(os.environ.get("SIGIL_BUILD_DIR") or HERE / "build" / "engine").resolve()
    configure = ["cmake", "-S", str(source), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                 "-DSIGIL_BUILD_TESTS=OFF", "-DSIGIL_BUILD_EXAMPLES=OFF"]
    if shutil.which("ninja") and not (build / "CMakeCache.txt").exists():
        configure += ["-G", "Ninja"]
    subprocess.check_call(configure)
    subprocess.check_call(["cmake", "--build", str(build), "--target", "sigil", "-j", str(os.cpu_count() or 2)])
    return (build / LIBRARY).resolve()


class BuildPyWithEngine(build_py):
    def run(self):
        super().run()
        library = _build_engine()
        if not library.is_file():
            sys.exit(f"libsigil: {library} was not built")
        target = Path(self.build_lib) / "sigil_sdk" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, target)  # the real file, not the SONAME symlink chain
        target.chmod(0o755)
        # The `sigil` command (console script sigil_cli:main) ships beside the
        # library it loads: tools/sigil_cli of the same source tree.
        cli = _source_dir() / "tools" / "sigil_cli"
        cli_target = Path(self.build_lib) / "sigil_cli"
        shutil.rmtree(cli_target, ignore_errors=True)
        shutil.copytree(cli, cli_target, ignore=shutil.ignore_patterns("__pycache__"))


class NativeDistribution(Distribution):
    """The package ships a native library, so it is platform-specific (platlib)."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """A native library but no Python extension module: any CPython 3, one platform."""

    def get_tag(self):
        return ("py3", "none", super().get_tag()[2])


setup(distclass=NativeDistribution, cmdclass={"build_py": BuildPyWithEngine, "bdist_wheel": PlatformWheel})
