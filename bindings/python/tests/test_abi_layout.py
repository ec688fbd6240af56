"""The ctypes structs match sigil.h: every field offset and every struct size, checked by a C compiler."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

from sigil_sdk import _native as N

from conftest import REPO

STRUCTS = {
    "sigil_generation_start_t": N.GenerationStart,
    "sigil_tool_execution_start_t": N.ToolExecutionStart,
    "sigil_embedding_start_t": N.EmbeddingStart,
    "sigil_embedding_result_t": N.EmbeddingResult,
    "sigil_stats_t": N.Stats,
    "sigil_rating_input_t": N.RatingInput,
    "sigil_rating_summary_t": N.RatingSummary,
    "sigil_span_start_t": N.SpanStart,
    "sigil_score_t": N.Score,
}
VERSIONS = {
    "SIGIL_GENERATION_START_VERSION": N.GENERATION_START_VERSION,
    "SIGIL_TOOL_EXECUTION_START_VERSION": N.TOOL_EXECUTION_START_VERSION,
    "SIGIL_EMBEDDING_START_VERSION": N.EMBEDDING_START_VERSION,
    "SIGIL_EMBEDDING_RESULT_VERSION": N.EMBEDDING_RESULT_VERSION,
    "SIGIL_STATS_VERSION": N.STATS_VERSION,
    "SIGIL_RATING_INPUT_VERSION": N.RATING_INPUT_VERSION,
    "SIGIL_RATING_SUMMARY_VERSION": N.RATING_SUMMARY_VERSION,
    "SIGIL_SPAN_START_VERSION": N.SPAN_START_VERSION,
    "SIGIL_SCORE_VERSION": N.SCORE_VERSION,
    "SIGIL_ABI_VERSION": N.EXPECTED_ABI_VERSION,
}


def _generated_include() -> Path | None:
    """sigil/version.h is generated into <build>/gen/include next to the library."""
    for base in (Path(N.library_path).resolve().parent, REPO / "build"):
        if (base / "gen" / "include" / "sigil" / "version.h").is_file():
            return base / "gen" / "include"
    return None


def test_structs_and_versions_match_the_header(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    gen = _generated_include()
    if cc is None or gen is None:
        pytest.skip("needs a C compiler and a build tree with sigil/version.h")
    lines = ["#include <sigil/sigil.h>", "#include <stddef.h>", "#include <stdio.h>", "int main(void) {"]
    expected = []
    for c_name, struct in STRUCTS.items():
        lines.append(f'  printf("{c_name} size %zu\\n", sizeof({c_name}));')
        expected.append(f"{c_name} size {ctypes.sizeof(struct)}")
        for field, *_ in struct._fields_:
            lines.append(f'  printf("{c_name}.{field} %zu\\n", offsetof({c_name}, {field}));')
            expected.append(f"{c_name}.{field} {getattr(struct, field).offset}")
    for macro, value in VERSIONS.items():
        lines.append(f'  printf("{macro} %u\\n", (unsigned){macro});')
        expected.append(f"{macro} {value}")
    lines += ["  return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    subprocess.run([cc, "-std=c99", "-I", str(REPO / "include"), "-I", str(gen), str(src), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    actual = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.splitlines()
    assert actual == expected


def test_an_engine_with_another_abi_is_refused_at_import(tmp_path):
    import os
    import sys

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a C compiler")
    src = tmp_path / "fake.c"
    src.write_text('unsigned sigil_abi_version(void) { return 99; }\n'
                   'const char *sigil_version_string(void) { return "9.9.9"; }\n')
    lib = tmp_path / "libsigil.so"
    subprocess.run([cc, "-shared", "-fPIC", str(src), "-o", str(lib)], check=True, capture_output=True)
    env = {**os.environ, "SIGIL_LIBRARY": str(lib), "PYTHONPATH": str(Path(N.__file__).parent.parent)}
    proc = subprocess.run([sys.executable, "-c", "import sigil_sdk"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert "has ABI version 99, but this sigil_sdk needs ABI version 1" in proc.stderr
