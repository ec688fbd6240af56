"""The sigil command's tests: `tools/` on the path (as `python3 -m sigil_cli` runs it) and the
capture harness's run-time protobuf code for building real request bytes."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "conformance"))
