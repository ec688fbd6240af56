"""The npm pack tarball (bindings/node/pack.sh), installed into a scratch project elsewhere, offline,
and used by a process that cannot see the repository.

SIGIL_NODE_TARBALL names the tarball (the Makefile passes it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "conformance"))

from harness import Harness  # noqa: E402

NODE = shutil.which("node")
NPM = shutil.which("npm")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    tarball = Path(os.environ.get("SIGIL_NODE_TARBALL", ""))
    assert tarball.is_file(), f"no tarball at {tarball!s} (run make node-pack)"
    root = tmp_path_factory.mktemp("scratch")
    (root / "package.json").write_text(json.dumps({"name": "scratch", "version": "1.0.0", "private": True}))
    # --offline: the package needs nothing from the registry (no dependencies; peers are optional).
    proc = subprocess.run([NPM, "install", "--offline", "--no-audit", "--no-fund", "--no-package-lock",
                           str(tarball)], cwd=root, env=_clean_env(root), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def _clean_env(home: Path) -> dict[str, str]:
    # Nothing that points back at the repository: no SIGIL_BUILD_DIR, no SIGIL_NODE_ADDON, no NODE_PATH.
    path = os.pathsep.join(dict.fromkeys([str(Path(NODE).parent), str(Path(NPM).parent), "/usr/bin", "/bin"]))
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "npm_config_cache": str(home / ".npm")}


def test_the_installed_addon_is_the_prebuilt_one_with_libsigil_linked_in(project):
    package = project / "node_modules" / "sigil-sdk"
    addons = list(package.rglob("*.node"))
    assert [a.relative_to(package).parts[0] for a in addons] == ["prebuilds"], addons  # nothing compiled
    dynamic = subprocess.run(["readelf", "-d", str(addons[0])], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic)
    assert not [n for n in needed if n.startswith("libsigil")], needed
    assert "RPATH" not in dynamic and "RUNPATH" not in dynamic, "the addon searches a directory of its own"
    ldd = subprocess.run(["ldd", str(addons[0])], capture_output=True, text=True, check=True).stdout
    assert "not found" not in ldd, ldd
    assert str(REPO) not in ldd


def test_records_a_generation_from_the_scratch_project(project):
    program = textwrap.dedent("""
        const { SigilClient, withConversationId } = require('sigil-sdk');
        const client = new SigilClient({
          useEnvironment: false,
          generationExport: { protocol: 'http', endpoint: process.argv[2], maxRetries: 0 },
        });
        (async () => {
          await withConversationId('conv-npm-pack', () =>
            client.startGeneration({ model: { provider: 'openai', name: 'gpt-pack' } }, async (rec) => {
              rec.setResult({ input: [{ role: 'user', content: 'hi' }], output: [{ role: 'assistant', content: 'hello' }] });
            }));
          await client.shutdown();
          console.log(require.resolve('sigil-sdk'));
        })().catch((err) => { console.error(err); process.exit(1); });
    """)
    script = project / "record.js"
    script.write_text(program)
    gen_dir = os.environ.get("SIGIL_HARNESS_GEN_DIR")
    with Harness(gen_dir=Path(gen_dir) if gen_dir else None) as harness:
        proc = subprocess.run([NODE, str(script), harness.urls["http_base"]], cwd=project, env=_clean_env(project),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (capture,) = harness.wait("http_exports", timeout=30)
    resolved = Path(proc.stdout.strip()).resolve()
    assert resolved.is_relative_to(project.resolve()) and not resolved.is_relative_to(REPO), resolved
    (generation,) = capture["generations"]
    assert generation["model"]["name"] == "gpt-pack"
    assert generation["conversation_id"] == "conv-npm-pack"
    assert generation["metadata"]["sigil.sdk.name"] == "sdk-js"
