"""Auto-instrumentation of the provider SDKs: one call, and every provider call is recorded.

``instrument()`` patches the provider SDKs that are installed (openai, anthropic, google-genai,
boto3/botocore Bedrock Runtime; litellm when named or already imported) at the class level, so
clients created before and after it are recorded alike. The request, the response or each stream
event, and the provider's exception go to the engine, which maps them; the caller receives exactly
what the SDK returned or raised.

Which client records: ``call_options(client=...)`` for a block, else the client given to the last
``instrument*(client=...)``, else a default ``Client()`` configured from the ``SIGIL_*`` environment,
created on the first recorded call (and, like every client, shut down at interpreter exit).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Iterable, Optional

from ..client import Client
from . import _core
from ._calls import STREAM_STOPPED_KEY
from ._core import CallOptions, call_options, stats

# provider -> (its module here, the SDK module it needs)
_PROVIDERS = {
    "openai": ("._openai", "openai"),
    "anthropic": ("._anthropic", "anthropic"),
    "gemini": ("._gemini", "google.genai"),
    "bedrock": ("._bedrock", "botocore"),
    "litellm": ("._litellm", "litellm"),
}
# Imported by instrument() only when named or already imported: importing it is slow and, unless
# LITELLM_LOCAL_MODEL_COST_MAP is set, fetches its model cost map over the network.
_ONLY_WHEN_IMPORTED = frozenset({"litellm"})


def _installed(sdk: str) -> bool:
    try:
        return importlib.util.find_spec(sdk) is not None
    except (ImportError, ValueError):
        return False


def _instrument(provider: str, client: Optional[Client]) -> bool:
    if provider not in _PROVIDERS:
        raise ValueError(f"sigil: unknown provider {provider!r}; known: {', '.join(_PROVIDERS)}")
    module_name, _sdk = _PROVIDERS[provider]
    module = importlib.import_module(module_name, __name__)  # imports the provider SDK
    _core.set_client(client)
    return _core.install(provider, module.targets())


def instrument(client: Optional[Client] = None, providers: Optional[Iterable[str]] = None) -> list[str]:
    """Instruments the given providers, or every installed provider SDK; returns the providers
    instrumented by this call (already instrumented ones are left as they are). ``client`` becomes
    the client calls are recorded into. A named provider that cannot be instrumented raises; without
    names, an SDK that fails to import is skipped (logged and counted in ``stats()``)."""
    _core.set_client(client)
    if providers is not None:
        return [p for p in list(providers) if _instrument(p, client)]
    done = []
    for name, (_, sdk) in _PROVIDERS.items():
        if not (sdk in sys.modules if name in _ONLY_WHEN_IMPORTED else _installed(sdk)):
            continue
        try:
            if _instrument(name, client):
                done.append(name)
        except Exception as exc:  # noqa: BLE001 - an SDK that fails to import is left alone
            _core.internal_error(f"instrument({name})", exc)
    return done


def uninstrument(providers: Optional[Iterable[str]] = None) -> list[str]:
    """Restores the given providers (default: all); returns those that were instrumented. With no
    providers left, the client given to instrument() is forgotten."""
    names = list(providers) if providers is not None else _core.installed()
    done = [p for p in names if _core.uninstall(p)]
    if not _core.installed():
        _core.reset_client()
    return done


def instrumented() -> list[str]:
    """The providers instrumented now."""
    return _core.installed()


def instrument_openai(client: Optional[Client] = None) -> bool:
    """Records openai chat completions, responses and embeddings (sync, async, streams). False if
    already instrumented."""
    return _instrument("openai", client)


def instrument_anthropic(client: Optional[Client] = None) -> bool:
    """Records anthropic messages (create, parse, stream; sync and async). False if already instrumented."""
    return _instrument("anthropic", client)


def instrument_gemini(client: Optional[Client] = None) -> bool:
    """Records google-genai generate_content, generate_content_stream and embed_content (sync and
    async). False if already instrumented."""
    return _instrument("gemini", client)


def instrument_bedrock(client: Optional[Client] = None) -> bool:
    """Records boto3 bedrock-runtime converse and converse_stream. False if already instrumented."""
    return _instrument("bedrock", client)


def instrument_litellm(client: Optional[Client] = None) -> bool:
    """Records litellm.completion and litellm.acompletion (streams too). False if already instrumented."""
    return _instrument("litellm", client)


def uninstrument_openai() -> bool:
    """Restores the openai SDK; False if it was not instrumented."""
    return bool(uninstrument(["openai"]))


def uninstrument_anthropic() -> bool:
    """Restores the anthropic SDK; False if it was not instrumented."""
    return bool(uninstrument(["anthropic"]))


def uninstrument_gemini() -> bool:
    """Restores the google-genai SDK; False if it was not instrumented."""
    return bool(uninstrument(["gemini"]))


def uninstrument_bedrock() -> bool:
    """Restores botocore; False if it was not instrumented."""
    return bool(uninstrument(["bedrock"]))


def uninstrument_litellm() -> bool:
    """Restores litellm; False if it was not instrumented."""
    return bool(uninstrument(["litellm"]))


__all__ = [
    "STREAM_STOPPED_KEY",
    "CallOptions",
    "call_options",
    "instrument",
    "instrument_anthropic",
    "instrument_bedrock",
    "instrument_gemini",
    "instrument_litellm",
    "instrument_openai",
    "instrumented",
    "stats",
    "uninstrument",
    "uninstrument_anthropic",
    "uninstrument_bedrock",
    "uninstrument_gemini",
    "uninstrument_litellm",
    "uninstrument_openai",
]
