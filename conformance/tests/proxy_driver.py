#!/usr/bin/env python3
"""A fake "language" for the runner's self-tests: it forwards the line protocol to a real driver,
optionally changing what passes through.

    proxy_driver.py [--mode passthrough|extra-tag|unsupported-rating|bad-error-name] -- DRIVER [ARGS...]

passthrough         forwards everything unchanged (must be identical to the real driver)
extra-tag           adds the tag {"mutant": "1"} to every generation start (a wire difference that no
                    scenario assertion looks for, so only the cross-language identity check catches it)
unsupported-rating  answers rating.submit with {"ok": false, "unsupported": true}
bad-error-name      reports every SDK error under a made-up name
"""

import json
import subprocess
import sys


def main() -> int:
    args = sys.argv[1:]
    mode = "passthrough"
    if args[:1] == ["--mode"]:
        mode, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    for line in sys.stdin:
        request = json.loads(line)
        if mode == "unsupported-rating" and request.get("op") == "rating.submit":
            print(json.dumps({"ok": False, "error": None, "unsupported": True,
                              "message": "ratings are not implemented here"}), flush=True)
            continue
        if mode == "extra-tag" and request.get("op") == "generation.start":
            start = request.setdefault("start", {})
            start["tags"] = {**start.get("tags", {}), "mutant": "1"}
        child.stdin.write(json.dumps(request) + "\n")
        child.stdin.flush()
        reply = json.loads(child.stdout.readline())
        if mode == "bad-error-name" and reply.get("error"):
            reply["error"] = "SomethingWentWrong"
        print(json.dumps(reply), flush=True)
    child.stdin.close()
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
