"""The receiver's web page in headless Chromium (Debian's `chromium`): the DOM after the page's
scripts ran, and screenshots of the conversation list and of a conversation under
build/receive-web/ (test artifacts)."""

import json
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser

import pytest

from conftest import BUILD, clean_env, run_quickstart

ARTIFACTS = os.path.join(BUILD, "receive-web")


def chromium(*args):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed (make deps installs the Debian package)")
    argv = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--hide-scrollbars", "--virtual-time-budget=8000", "--window-size=1280,1000", *args]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class Dom(HTMLParser):
    """Elements as (tag, attrs, text inside) for simple class/attribute queries."""

    def __init__(self, html):
        super().__init__()
        self.elements, self._open = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), ""]
        self.elements.append(element)
        if tag not in ("meta", "link", "input", "br", "img"):
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element[2] += data

    def select(self, cls=None, **attrs):
        out = []
        for tag, a, text in self.elements:
            classes = a.get("class", "").split()
            if cls and cls not in classes:
                continue
            if all(a.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append((tag, a, text))
        return out


@pytest.fixture(scope="module")
def page_receiver(tmp_path_factory, library):
    from conftest import ReceiverProcess
    r = ReceiverProcess("--db", str(tmp_path_factory.mktemp("web") / "web.db"))
    run_quickstart(clean_env(SIGIL_ENDPOINT=f"localhost:{r.grpc_port}", OTEL_EXPORTER_OTLP_ENDPOINT=r.otlp,
                             SIGIL_API_ENDPOINT=r.http))
    billing = {"id": "g-bill", "conversationId": "conv-billing", "agentName": "billing-agent",
               "mode": "GENERATION_MODE_SYNC", "model": {"provider": "openai", "name": "gpt-4.1"},
               "usage": {"inputTokens": "10", "outputTokens": "4"}, "metadata": {"sigil.cost.usd": 0.0125},
               "output": [{"role": "MESSAGE_ROLE_ASSISTANT", "parts": [
                   {"media": {"kind": "image", "mimeType": "image/png", "name": "chart.png"}}]}]}
    status, _ = r.post("/api/v1/generations:export", json.dumps({"generations": [billing]}).encode())
    assert status == 202
    r.await_counts(generations=4, spans=1)
    os.makedirs(ARTIFACTS, exist_ok=True)
    yield r
    r.stop()


def test_conversation_list(page_receiver):
    dom = Dom(chromium("--dump-dom", page_receiver.http + "/"))
    rows = dom.select("conversation")
    assert [a["data-id"] for _, a, _ in rows] == ["conv-billing", "conv-quickstart"]  # newest first
    quickstart = next(text for _, a, text in rows if a["data-id"] == "conv-quickstart")
    assert "weather-agent" in quickstart and "gpt-4o-mini" in quickstart and "132 / 47" in quickstart
    assert [a["data-id"] for _, a, _ in dom.select("has-error")] == ["conv-quickstart"]
    options = [text for tag, _, text in dom.elements if tag == "option"]
    assert "billing-agent" in options and "claude-sonnet-4-5" in options
    chromium(f"--screenshot={os.path.join(ARTIFACTS, 'conversations.png')}", page_receiver.http + "/")
    assert os.path.getsize(os.path.join(ARTIFACTS, "conversations.png")) > 10_000


@pytest.mark.parametrize("query,expected", [
    ("has_error=1", ["conv-quickstart"]),
    ("agent=billing-agent", ["conv-billing"]),
    ("model=gpt-4o-mini", ["conv-quickstart"]),
])
def test_filters(page_receiver, query, expected):
    dom = Dom(chromium("--dump-dom", f"{page_receiver.http}/#/?{query}"))
    assert [a["data-id"] for _, a, _ in dom.select("conversation")] == expected


def test_conversation_view(page_receiver):
    url = page_receiver.http + "/#/c/conv-quickstart"
    dom = Dom(chromium("--dump-dom", url))
    generations = dom.select("generation")
    assert len(generations) == 3
    assert len(dom.select("error")) >= 1 and "provider unavailable" in dom.select("call-error")[0][2]
    call = dom.select("tool_call")[0][2]
    assert "get_weather" in call and "Paris" in call
    assert '"temp_c":18' in dom.select("tool_result")[0][2].replace(" ", "")
    assert "I should call the weather tool." in dom.select("thinking")[0][2]
    assert "tokens 120 in / 42 out" in " ".join(text for _, _, text in dom.select("usage"))
    assert "get_weather" in dom.select("tool-execution")[0][2]
    # Spans as a tree: roots and children, each with a duration.
    depths = [int(a["data-depth"]) for _, a, _ in dom.select("span") if "data-depth" in a]
    assert depths and 0 in depths
    assert all(re.search(r"\d+\.\d ms", text) for _, a, text in dom.select("span") if "data-depth" in a)
    assert "GOOD" in dom.select("rating")[0][2]
    chromium(f"--screenshot={os.path.join(ARTIFACTS, 'conversation.png')}", url)
    assert os.path.getsize(os.path.join(ARTIFACTS, "conversation.png")) > 10_000


def test_cost_and_media(page_receiver):
    dom = Dom(chromium("--dump-dom", page_receiver.http + "/#/c/conv-billing"))
    assert "sigil.cost.usd=0.0125" in dom.select("cost")[0][2]
    assert "image image/png chart.png" in dom.select("media")[0][2]


def test_live_update(page_receiver, tmp_path):
    """The open page shows what arrives without a reload (Chromium driven over the DevTools protocol)."""
    from websockets.sync.client import connect

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    proc = subprocess.Popen([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--remote-debugging-port=0", f"--user-data-dir={tmp_path / 'profile'}",
                             page_receiver.http + "/"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ws_url = None
        for line in proc.stderr:  # Chromium prints where its DevTools endpoint listens
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                ws_url = m.group(1)
                break
        assert ws_url, "chromium printed no DevTools address"
        import urllib.request
        port = re.search(r":(\d+)/", ws_url).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as response:
            target = next(t for t in json.loads(response.read()) if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as ws:
            ids = iter(range(1, 1_000_000))

            def evaluate(expression):
                call_id = next(ids)
                ws.send(json.dumps({"id": call_id, "method": "Runtime.evaluate",
                                    "params": {"expression": expression, "returnByValue": True}}))
                while True:
                    message = json.loads(ws.recv(timeout=30))
                    if message.get("id") == call_id:
                        return message["result"]["result"].get("value")

            def await_rows(predicate):
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    rows = evaluate("[...document.querySelectorAll('tr.conversation')].map(r => r.dataset.id)")
                    if rows and predicate(rows):
                        return rows
                    time.sleep(0.1)
                raise AssertionError(f"rows never matched; last {rows}")

            await_rows(lambda rows: "conv-quickstart" in rows)
            status, _ = page_receiver.post("/api/v1/generations:export", json.dumps({"generations": [
                {"id": "g-live", "conversationId": "conv-live", "mode": "GENERATION_MODE_SYNC",
                 "model": {"provider": "p", "name": "m"}}]}).encode())
            assert status == 202
            assert await_rows(lambda rows: "conv-live" in rows)[0] == "conv-live"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
