"""What the reference-named provider helper packages (sigil_sdk_openai, sigil_sdk_anthropic,
sigil_sdk_gemini) share: their options, the flow that records one provider call, and the mappers.

Nothing here reads provider JSON. The request, the response and the stream events go to the
engine as they are (dicts, JSON text, or the provider SDKs' pydantic models), named by their API
("openai.chat", "anthropic.messages", ...); the engine maps them exactly as for every other
language (docs/providers.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional, Sequence, TypeVar

from .client import Client, EmbeddingRecorder, GenerationRecorder
from .errors import MappingError
from .instrumentation._core import internal_error
from .mapping import map_provider_embedding, map_provider_generation
from .models import (
    EmbeddingResult,
    EmbeddingStart,
    Generation,
    GenerationMode,
    GenerationStart,
    ModelRef,
    assistant_text_message,
)

T = TypeVar("T")


@dataclass(slots=True)
class ProviderOptions:
    """Optional enrichments for a provider helper call.

    ``provider_name`` replaces the provider the API names (``model.provider``); identity fields,
    tags and metadata are recorded on the generation (metadata the mapping sets wins on a shared
    key); ``raw_artifacts`` also keeps the request, response, tools and stream events as artifacts.
    """

    provider_name: str = ""
    conversation_id: str = ""
    agent_name: str = ""
    agent_version: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    raw_artifacts: bool = False


@dataclass(slots=True)
class StreamSummary:
    """A stream as the caller collected it: its events (the provider SDK's objects or dicts), or
    its final response, or only the text it accumulated. The reference helpers' summary shape."""

    final_response: Any = None
    events: list[Any] = field(default_factory=list)
    output_text: str = ""


@dataclass(slots=True)
class Exchange:
    """What a provider call produced, as the engine takes it: a response or stream events; and the
    text a caller accumulated (``output_text``), the output when they map to none."""

    response: Any = None
    events: Sequence[Any] = ()
    output_text: str = ""


def response_exchange(response: Any) -> Exchange:
    """A non-streaming call's exchange."""
    return Exchange(response=response)


def stream_exchange(events: Optional[Sequence[Any]], final_response: Any, output_text: str) -> Exchange:
    """A stream summary's exchange: its events when it has any (they carry the whole stream), else
    its final response; its output text in any case."""
    events = list(events or ())
    text = (output_text or "").strip()
    if events:
        return Exchange(events=events, output_text=text)
    return Exchange(response=final_response, output_text=text)


# --- recording a call ------------------------------------------------------------
#
# The wrappers call the provider exactly as the caller asked and return (or raise) exactly what it
# returned (or raised). Recording never changes that: a problem while recording is kept on the
# generation as its mapping error or logged by the client's logger, never raised.

Recorder = Callable[[Any, Optional[BaseException]], None]


def call(invoke: Callable[[], T], record: Recorder) -> T:
    """Runs the provider call and hands its outcome to ``record``; the call's exception is re-raised unchanged."""
    try:
        result = invoke()
    except Exception as exc:
        _settle(record, None, exc)
        raise
    except BaseException:
        _settle(record, None, None)  # cancelled or interrupted: recorded without an outcome
        raise
    _settle(record, result, None)
    return result


async def call_async(invoke: Callable[[], Awaitable[T]], record: Recorder) -> T:
    """``call`` for a coroutine-returning provider call."""
    try:
        result = await invoke()
    except Exception as exc:
        _settle(record, None, exc)
        raise
    except BaseException:
        _settle(record, None, None)
        raise
    _settle(record, result, None)
    return result


def _settle(record: Recorder, result: Any, error: Optional[BaseException]) -> None:
    try:
        record(result, error)
    except Exception as exc:  # noqa: BLE001 - the caller gets the provider's outcome whatever happens here
        internal_error("a provider helper", exc)


def _not_recorded(client: Client, what: str, exc: BaseException) -> None:
    try:
        client._logger.warning("sigil: %s was not recorded: %s", what, exc)
    except Exception:  # noqa: BLE001 - a logger must not break the call either
        pass


def generation_call(client: Client, api: str, options: ProviderOptions, mode: GenerationMode, request: Any,
                    exchange_of: Callable[[Any], Exchange]) -> Recorder:
    """Starts a generation now and returns the function that records the call's outcome."""
    start = GenerationStart(
        ModelRef(options.provider_name, ""),  # the model is the request's
        conversation_id=options.conversation_id,
        agent_name=options.agent_name,
        agent_version=options.agent_version,
        mode=mode,
        tags=dict(options.tags),
        metadata=dict(options.metadata),
    )
    try:
        if mode == GenerationMode.STREAM:
            rec = client.start_streaming_generation(start)
        else:
            rec = client.start_generation(start)
    except Exception as exc:  # noqa: BLE001 - e.g. a client already shut down
        _not_recorded(client, "the generation", exc)
        return lambda result, error: None

    def record(result: Any, error: Optional[BaseException]) -> None:
        exchange = Exchange()
        if error is None and result is not None:
            exchange = _guarded(rec, lambda: exchange_of(result)) or Exchange()
        if error is None and mode == GenerationMode.STREAM:
            record_stream(rec, api, options, request, exchange)
        else:
            feed_generation(rec, api, options, request, exchange)
        if error is not None:
            rec.set_call_error(error)
        _end(client, rec, "the generation")

    return record


def feed_generation(rec: GenerationRecorder, api: str, options: ProviderOptions, request: Any,
                    exchange: Exchange) -> None:
    """Hands a call to a generation recorder: the request, then the response."""
    raw = options.raw_artifacts
    if options.provider_name:
        # A result set first is the base the mapping fills: it keeps the provider of the options.
        _guarded(rec, lambda: rec.set_result(Generation(model=ModelRef(options.provider_name, ""))))
    _guarded(rec, lambda: rec.set_provider_request(api, request, raw_artifacts=raw))
    if exchange.response is not None:
        _guarded(rec, lambda: rec.set_provider_response(api, exchange.response, raw_artifacts=raw))


def record_stream(rec: GenerationRecorder, api: str, options: ProviderOptions, request: Any,
                  exchange: Exchange) -> None:
    """Records a stream the caller already collected, as its mapper (from_stream) maps it: the
    events arrived before the wrapper saw them, so they must not set the time to first token,
    and the caller's text stands in when they map to no output."""
    try:
        generation, problem = _mapped(api, options, GenerationMode.STREAM, request, exchange)
    except Exception as exc:  # noqa: BLE001 - e.g. a body that is not JSON
        feed_generation(rec, api, options, request, Exchange())
        rec.set_mapping_error(f"sigil: {type(exc).__name__}: {exc}")
        return
    rec.set_result(generation, mapping_error=problem)


def _guarded(rec: GenerationRecorder, step: Callable[[], T]) -> Optional[T]:
    """Runs one recording step; its exception (a body that is not JSON, ...) becomes the mapping error."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001
        rec.set_mapping_error(f"sigil: {type(exc).__name__}: {exc}")
        return None


def _end(client: Client, rec: GenerationRecorder | EmbeddingRecorder, what: str) -> None:
    rec.end()
    err = rec.err()
    if err is not None:
        _not_recorded(client, what, err)


def embedding_call(client: Client, api: str, options: ProviderOptions, request: Any) -> Recorder:
    """Starts an embedding recording now and returns the function that records the call's outcome."""
    start = EmbeddingStart(
        ModelRef(options.provider_name, ""),  # the model and dimensions are the request's
        agent_name=options.agent_name,
        agent_version=options.agent_version,
        tags=dict(options.tags),
        metadata=dict(options.metadata),
    )
    try:
        rec = client.start_embedding(start)
    except Exception as exc:  # noqa: BLE001
        _not_recorded(client, "the embedding call", exc)
        return lambda result, error: None

    def record(result: Any, error: Optional[BaseException]) -> None:
        try:
            rec.set_provider_result(api, request=request, response=result)
        except Exception as exc:  # noqa: BLE001
            _not_recorded(client, "the embedding request or response", exc)
        if error is not None:
            rec.set_call_error(error)
        _end(client, rec, "the embedding call")

    return record


# --- mappers ---------------------------------------------------------------------


def map_generation(api: str, options: ProviderOptions, mode: GenerationMode, request: Any,
                   exchange: Exchange) -> Generation:
    """The normalized generation of one call, mapped by the engine, with the options applied. Like
    the reference mappers it never fails on partial provider data: what could be mapped is returned."""
    return _mapped(api, options, mode, request, exchange)[0]


def _mapped(api: str, options: ProviderOptions, mode: GenerationMode, request: Any,
            exchange: Exchange) -> tuple[Generation, Optional[MappingError]]:
    """map_generation, and the mapping problem when the provider data could only partly be mapped."""
    problem: Optional[MappingError] = None
    try:
        g = map_provider_generation(api, request=request, response=exchange.response,
                                    events=list(exchange.events) or None, raw_artifacts=options.raw_artifacts)
    except MappingError as partial:
        g, problem = partial.result, partial
    g.mode = mode
    g.conversation_id = options.conversation_id
    g.agent_name = options.agent_name
    g.agent_version = options.agent_version
    if options.provider_name:
        g.model = ModelRef(options.provider_name, g.model.name)
    g.tags = {**g.tags, **options.tags}
    g.metadata = {**options.metadata, **g.metadata}
    if exchange.output_text and not g.output:
        g.output = [assistant_text_message(exchange.output_text)]
    return g, problem


def map_embedding(api: str, request: Any, response: Any) -> EmbeddingResult:
    """The result of one embedding call, mapped by the engine (partial provider data: what could be mapped)."""
    try:
        return map_provider_embedding(api, request=request, response=response)
    except MappingError as partial:
        return partial.result


# --- one request/response API ------------------------------------------------------


class RequestResponseApi:
    """Wrappers and mappers of a provider API called with one request body (OpenAI Chat
    Completions and Responses, Anthropic Messages, Gemini generate_content), in the reference
    helpers' shape.

    ``provider_call`` receives the request and returns the provider's response (``create``) or a
    stream summary (``stream``); ``summary_exchange`` reads a summary (by default one with
    ``events``, ``final_response`` and ``output_text``).
    """

    def __init__(self, api: str, default_options: Callable[[], ProviderOptions],
                 summary_exchange: Callable[[Any], Exchange] = lambda s: stream_exchange(
                     s.events, s.final_response, s.output_text)) -> None:
        self._api = api
        self._options = default_options
        self._summary_exchange = summary_exchange

    def _record(self, client: Client, request: Any, mode: GenerationMode,
                options: Optional[ProviderOptions]) -> Recorder:
        exchange_of = self._summary_exchange if mode == GenerationMode.STREAM else response_exchange
        return generation_call(client, self._api, options or self._options(), mode, request, exchange_of)

    def create(self, client: Client, request: Any, provider_call: Callable[[Any], T],
               options: Optional[ProviderOptions] = None) -> T:
        """Calls the provider and records the call as a SYNC generation; returns the provider's response."""
        return call(lambda: provider_call(request), self._record(client, request, GenerationMode.SYNC, options))

    async def create_async(self, client: Client, request: Any, provider_call: Callable[[Any], Awaitable[T]],
                           options: Optional[ProviderOptions] = None) -> T:
        """``create`` for an async provider call."""
        return await call_async(lambda: provider_call(request),
                                self._record(client, request, GenerationMode.SYNC, options))

    def stream(self, client: Client, request: Any, provider_call: Callable[[Any], T],
               options: Optional[ProviderOptions] = None) -> T:
        """Calls the provider and records the call as a STREAM generation; returns its summary."""
        return call(lambda: provider_call(request), self._record(client, request, GenerationMode.STREAM, options))

    async def stream_async(self, client: Client, request: Any, provider_call: Callable[[Any], Awaitable[T]],
                           options: Optional[ProviderOptions] = None) -> T:
        """``stream`` for an async provider call."""
        return await call_async(lambda: provider_call(request),
                                self._record(client, request, GenerationMode.STREAM, options))

    def from_request_response(self, request: Any, response: Any,
                              options: Optional[ProviderOptions] = None) -> Generation:
        """The generation of a call made without a wrapper (for ``recorder.set_result``)."""
        return map_generation(self._api, options or self._options(), GenerationMode.SYNC, request,
                              response_exchange(response))

    def from_stream(self, request: Any, summary: Any, options: Optional[ProviderOptions] = None) -> Generation:
        """The generation of a stream made without a wrapper, from its summary."""
        return map_generation(self._api, options or self._options(), GenerationMode.STREAM, request,
                              self._summary_exchange(summary))


class EmbeddingsApi:
    """Wrappers and the mapper of an embeddings API called with one request body (OpenAI, Gemini)."""

    def __init__(self, api: str, default_options: Callable[[], ProviderOptions]) -> None:
        self._api = api
        self._options = default_options

    def create(self, client: Client, request: Any, provider_call: Callable[[Any], T],
               options: Optional[ProviderOptions] = None) -> T:
        """Calls the provider and records an embedding call; returns the provider's response."""
        record = embedding_call(client, self._api, options or self._options(), request)
        return call(lambda: provider_call(request), record)

    async def create_async(self, client: Client, request: Any, provider_call: Callable[[Any], Awaitable[T]],
                           options: Optional[ProviderOptions] = None) -> T:
        """``create`` for an async provider call."""
        record = embedding_call(client, self._api, options or self._options(), request)
        return await call_async(lambda: provider_call(request), record)

    def from_request_response(self, request: Any, response: Any) -> EmbeddingResult:
        """The embedding result of a call made without a wrapper (for ``recorder.set_result``)."""
        return map_embedding(self._api, request, response)
