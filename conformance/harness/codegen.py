"""Run-time Python code generation for lib/proto/sigil/v1/generation_ingest.proto.

The harness must not depend on anything the engine builds, so it compiles our .proto itself with
grpc_tools' protoc into a cache directory and imports the result. Generated code is never committed.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "lib" / "proto"
PROTO_REL = "sigil/v1/generation_ingest.proto"
GEN_DIR_ENV = "SIGIL_HARNESS_GEN_DIR"

_OUTPUTS = ("generation_ingest_pb2.py", "generation_ingest_pb2_grpc.py")
_STAMP = ".stamp.json"


def default_gen_dir() -> Path:
    override = os.environ.get(GEN_DIR_ENV)
    return Path(override) if override else REPO_ROOT / "build" / "harness-gen"


def _well_known_include() -> Path:
    import grpc_tools

    return Path(grpc_tools.__file__).resolve().parent / "_proto"


def _stamp_for(proto_file: Path) -> dict:
    import google.protobuf
    from importlib.metadata import version

    return {
        "proto": str(proto_file.resolve()),
        "proto_sha256": hashlib.sha256(proto_file.read_bytes()).hexdigest(),
        "grpcio_tools": version("grpcio-tools"),
        "protobuf": google.protobuf.__version__,
    }


def _is_fresh(out_pkg: Path, gen_dir: Path, stamp: dict) -> bool:
    # The stamp holds the .proto's content hash rather than comparing mtimes: any edit that makes
    # the .proto "newer" changes the hash, while a checkout or a touch that changes nothing does
    # not force a rebuild, and a clock skew cannot make the check regenerate forever.
    if not all((out_pkg / name).exists() for name in _OUTPUTS):
        return False
    try:
        return json.loads((gen_dir / _STAMP).read_text()) == stamp
    except (OSError, ValueError):
        return False


def ensure_generated(proto_root: Path | None = None, gen_dir: Path | None = None) -> Path:
    """Generate the Python modules if missing or stale; return the directory to put on sys.path.

    proto_root is the include root that holds sigil/v1/generation_ingest.proto.
    """
    proto_root = Path(proto_root) if proto_root else PROTO_ROOT
    gen_dir = Path(gen_dir) if gen_dir else default_gen_dir()
    proto_file = proto_root / PROTO_REL
    if not proto_file.is_file():
        raise FileNotFoundError(f"sigil.v1 proto not found: {proto_file}")
    gen_dir.mkdir(parents=True, exist_ok=True)
    out_pkg = gen_dir / "sigil" / "v1"
    stamp = _stamp_for(proto_file)

    # Several harness processes may start at once (parallel tests): serialize generation.
    with open(gen_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_fresh(out_pkg, gen_dir, stamp):
            return gen_dir
        with tempfile.TemporaryDirectory(dir=gen_dir, prefix=".tmp-") as tmp:
            cmd = [
                sys.executable, "-m", "grpc_tools.protoc",
                f"-I{proto_root}",
                f"-I{_well_known_include()}",
                f"--python_out={tmp}",
                f"--grpc_python_out={tmp}",
                PROTO_REL,
            ]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(
                    f"protoc failed ({done.returncode}) for {proto_file}:\n{done.stderr.strip()}"
                )
            out_pkg.mkdir(parents=True, exist_ok=True)
            for name in _OUTPUTS:
                os.replace(Path(tmp) / "sigil" / "v1" / name, out_pkg / name)
        stamp_tmp = gen_dir / (_STAMP + ".tmp")
        stamp_tmp.write_text(json.dumps(stamp, indent=1))
        os.replace(stamp_tmp, gen_dir / _STAMP)
    return gen_dir


def load(proto_root: Path | None = None, gen_dir: Path | None = None) -> tuple[ModuleType, ModuleType]:
    """Return (generation_ingest_pb2, generation_ingest_pb2_grpc), generating them if needed.

    The generated code imports itself as package `sigil.v1`, so the cache directory goes first on
    sys.path. Only the first call in a process decides which directory is used.
    """
    root = ensure_generated(proto_root, gen_dir).resolve()
    if "sigil.v1.generation_ingest_pb2" not in sys.modules and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    pb2 = importlib.import_module("sigil.v1.generation_ingest_pb2")
    pb2_grpc = importlib.import_module("sigil.v1.generation_ingest_pb2_grpc")
    origin = Path(pb2.__file__).resolve()
    if root not in origin.parents:
        # Another `sigil` package shadowed ours; fail loudly instead of decoding with foreign code.
        raise ImportError(f"sigil.v1 imported from {origin}, expected under {root}")
    return pb2, pb2_grpc
