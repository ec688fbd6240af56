"""Client configuration.

The dataclasses have the reference SDK's names and fields. A field left at
``None`` (or an empty string) is not passed to the engine, which then applies
the ``SIGIL_*`` environment variable for it and otherwise its own default
(see the project README). Everything that is set is passed as an explicit
option and wins over the environment. The engine validates the result when the
``Client`` is created and raises ``ConfigError`` (a ``ValueError``) if it is
inconsistent, e.g. auth mode "tenant" without a tenant id.

Fields marked *extension* go beyond the reference SDK's configuration.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol

if TYPE_CHECKING:
    from .models import ExportGenerationsRequest, ExportGenerationsResponse


class GenerationExporter(Protocol):
    """What ``ClientConfig.generation_exporter`` takes (the reference's exporter protocol).

    ``export_generations`` may also be ``async``; ``shutdown`` is optional and
    called once, after ``Client.shutdown()`` delivered the last batch.
    """

    def export_generations(self, request: "ExportGenerationsRequest") -> "ExportGenerationsResponse": ...

    def shutdown(self) -> None: ...


@dataclass(slots=True)
class AuthConfig:
    """Authentication for generation export and ratings.

    ``mode`` is "none", "tenant" (X-Scope-OrgID), "bearer" or "basic".
    """

    mode: Optional[str] = None
    tenant_id: str = ""
    bearer_token: str = ""
    basic_user: str = ""
    basic_password: str = ""


@dataclass(slots=True)
class GenerationExportConfig:
    """Where and how generations are exported.

    ``protocol`` is "grpc", "http" or "none". Durations are ``timedelta`` (or
    seconds). ``insecure=None`` means plaintext only for loopback hosts.
    ``ca_file`` / ``ca_dir`` (a PEM CA bundle that replaces the system store, an
    OpenSSL hashed directory) and ``client_cert`` / ``client_key`` (mTLS) apply
    to export and ratings; unset, ``SIGIL_CA_FILE`` (then ``SSL_CERT_FILE``),
    ``SIGIL_CA_DIR`` (then ``SSL_CERT_DIR``), ``SIGIL_CLIENT_CERT`` and
    ``SIGIL_CLIENT_KEY``.
    """

    protocol: Optional[str] = None
    endpoint: Optional[str] = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: AuthConfig = field(default_factory=AuthConfig)
    insecure: Optional[bool] = None
    batch_size: Optional[int] = None
    flush_interval: Optional[timedelta] = None
    queue_size: Optional[int] = None
    max_retries: Optional[int] = None
    initial_backoff: Optional[timedelta] = None
    max_backoff: Optional[timedelta] = None
    payload_max_bytes: Optional[int] = None
    queue_max_bytes: Optional[int] = None  # extension: the queue's memory budget
    attempt_timeout: Optional[timedelta] = None  # extension: per export attempt
    ca_file: Optional[str] = None  # extension: TLS trust and client identity
    ca_dir: Optional[str] = None
    client_cert: Optional[str] = None
    client_key: Optional[str] = None
    # Extension: the durable spool (sigil.h, "Spool"). spool_dir unset: SIGIL_SPOOL_DIR.
    # spool_mode "fallback" (default: only what cannot be delivered is kept) or
    # "write_ahead" (every generation is in the spool before end returns and leaves it
    # once the server answered: a crash loses nothing ended; needs spool_dir).
    # spool_sync "none", "batch" (default) or "record".
    spool_dir: Optional[str] = None
    spool_mode: Optional[str] = None
    spool_sync: Optional[str] = None


@dataclass(slots=True)
class ApiConfig:
    """The Sigil HTTP API (used for ratings), e.g. "http://localhost:8080"."""

    endpoint: Optional[str] = None


@dataclass(slots=True)
class EmbeddingCaptureConfig:
    """Whether embedding input texts are recorded on spans (may contain PII)."""

    capture_input: bool = False
    max_input_items: int = 20
    max_text_length: int = 1024


@dataclass(slots=True)
class ClientConfig:
    """Everything a ``Client`` is configured with.

    Spans and metrics are produced by the engine; ``telemetry_mode`` says where
    they go: ``"engine"`` (its own OTLP export, ``OTEL_EXPORTER_OTLP_ENDPOINT``
    or ``otlp_endpoint``), ``"host"`` (the application's OpenTelemetry:
    ``tracer`` and ``meter``, else the global providers) or ``"both"``. Unset:
    ``"host"`` when a ``tracer`` or ``meter`` is given, else ``"engine"``.
    ``now`` and ``sleep`` are accepted for compatibility and not used. ``logger``
    receives the engine's background diagnostics (default: the "sigil_sdk"
    logger). ``generation_exporter`` (an object with ``export_generations(request)``,
    sync or async, and optionally ``shutdown()``) receives every batch instead of
    a server; it wins over ``generation_export.protocol``.
    """

    generation_export: GenerationExportConfig = field(default_factory=GenerationExportConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    embedding_capture: EmbeddingCaptureConfig = field(default_factory=EmbeddingCaptureConfig)
    tracer: Any = None
    meter: Any = None
    telemetry_mode: Optional[str] = None  # "engine", "host", "both"; None: automatic (above)
    logger: Optional[logging.Logger] = None
    now: Optional[Callable[[], datetime]] = None
    sleep: Optional[Callable[[float], None]] = None
    generation_exporter: Optional[GenerationExporter] = None

    # Shorthand for generation_export.endpoint (wins when set).
    generation_export_endpoint: str = ""

    # Extensions.
    use_environment: bool = True  # consult SIGIL_* / OTEL_* variables
    debug: Optional[bool] = None  # log debug-level diagnostics too
    agent_name: str = ""  # client-wide defaults (lowest precedence)
    agent_version: str = ""
    user_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)  # merged under every generation's tags
    otlp_endpoint: str = ""  # OTLP/HTTP base URL for spans and metrics
    otlp_headers: dict[str, str] = field(default_factory=dict)  # sent with every OTLP request
    # TLS for OTLP (None: OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]CERTIFICATE / _CLIENT_CERTIFICATE /
    # _CLIENT_KEY, then generation_export's ca_file, client_cert and client_key).
    otlp_certificate: Optional[str] = None
    otlp_client_certificate: Optional[str] = None
    otlp_client_key: Optional[str] = None
    service_name: str = ""  # resource service.name
    resource_attributes: dict[str, str] = field(default_factory=dict)  # OTLP resource attributes

    # Privacy (the engine applies all of it; see docs/privacy.md).
    # A ContentCaptureMode or its name: "full", "no_tool_content" (engine default),
    # "metadata_only", "full_with_metadata_spans"; None for SIGIL_CONTENT_CAPTURE_MODE / the default.
    content_capture: Optional[Any] = None
    # Decides a record's mode when neither its start nor the context sets one:
    # (kind, metadata) -> ContentCaptureMode, its name, or None/"default" (= the client's mode).
    # kind is "generation", "tool_execution", "embedding" or "rating"; metadata is the start's
    # (or rating's) metadata dict. It runs on the thread that starts the record, inside the
    # caller's context, so the *_from_context() helpers (conversation id, agent, ...) work in
    # it. Raising, or an unknown mode, means "metadata_only" (fail closed).
    content_capture_resolver: Optional[Callable[[str, dict[str, Any]], Any]] = None
    # Built-in redaction categories (None: SIGIL_REDACT, else all): a list of "secrets",
    # "email", "env_secrets", "payment_card", "national_id", "phone", "injection", or "all" /
    # "none"; [] also turns redaction off.
    redaction: Optional[Any] = None
    # Custom rules: (field path, text) -> replacement, or None to keep the text. Raising
    # replaces the text with "[REDACTED:sanitizer_error]" (fail closed). Runs on the thread
    # that ends the recorder (or submits the rating); must be thread-safe.
    sanitizer: Optional[Callable[[str, str], Optional[str]]] = None
    # Per-field byte limit for content text (None: SIGIL_MAX_FIELD_BYTES, else no limit; at
    # least 64). Cut fields end in "…[truncated N bytes]"; JSON fields stay valid JSON.
    max_field_bytes: Optional[int] = None

    # Cost, token estimates and sampling (docs/cost.md, docs/sampling.md).
    # A JSON price table whose entries add to and replace the built-in ones (None:
    # SIGIL_PRICES_FILE; "" the built-in table only). A bad table raises ConfigError.
    prices_file: Optional[Any] = None
    # Token estimates for generations without usage (None: SIGIL_TOKEN_ESTIMATES, else on).
    token_estimates: Optional[bool] = None
    # Share of traces whose generations keep their content (0..1; None:
    # SIGIL_CONTENT_SAMPLE_RATE, else 1). Outside it a generation is exported metadata-only.
    content_sample_rate: Optional[float] = None
    # Share of traces whose generations are exported (0..1; None: SIGIL_EXPORT_SAMPLE_RATE,
    # else 1). Outside it nothing is exported; spans and metrics still count it.
    export_sample_rate: Optional[float] = None


def default_config() -> ClientConfig:
    """A configuration with nothing set: environment variables and engine defaults apply."""
    return ClientConfig()


def resolve_config(config: Optional[ClientConfig] = None) -> ClientConfig:
    """Fills ``config`` (a new default one when None) with what a Client would run with, and returns it.

    The engine resolves it as ``Client`` does: explicit fields > ``SIGIL_*``
    environment (unless ``use_environment`` is False) > defaults; the export
    headers gain those the auth mode derives (``X-Scope-OrgID``,
    ``Authorization``); ``logger``, ``now`` and ``sleep`` get their defaults.
    Raises ConfigError (a ValueError) for an inconsistent configuration, such
    as auth mode "tenant" without a tenant id.
    """
    from .client import _resolved_config_json  # the client module owns the options translation

    out = config if config is not None else default_config()
    doc = _resolved_config_json(out)
    ex, r = out.generation_export, doc["generation_export"]
    ex.protocol = r["protocol"]
    ex.endpoint = r["endpoint"]
    out.generation_export_endpoint = ""  # applied: it is the endpoint now
    ex.insecure = r.get("insecure")
    ex.headers = dict(r["headers"])
    ex.batch_size = r["batch_size"]
    ex.flush_interval = timedelta(milliseconds=r["flush_interval_ms"])
    ex.queue_size = r["queue_size"]
    ex.queue_max_bytes = r["queue_max_bytes"]
    ex.max_retries = r["max_retries"]
    ex.initial_backoff = timedelta(milliseconds=r["initial_backoff_ms"])
    ex.max_backoff = timedelta(milliseconds=r["max_backoff_ms"])
    ex.attempt_timeout = timedelta(milliseconds=r["attempt_timeout_ms"])
    ex.payload_max_bytes = r["payload_max_bytes"]
    ex.ca_file = r["ca_file"] or None
    ex.ca_dir = r["ca_dir"] or None
    ex.client_cert = r["client_cert"] or None
    ex.client_key = r["client_key"] or None
    out.api.endpoint = doc["api"]["endpoint"]
    ec = doc["embedding_capture"]
    out.embedding_capture.capture_input = ec["capture_input"]
    out.embedding_capture.max_input_items = ec["max_input_items"]
    out.embedding_capture.max_text_length = ec["max_text_length"]
    out.agent_name, out.agent_version, out.user_id = doc["agent_name"], doc["agent_version"], doc["user_id"]
    out.tags = dict(doc["tags"])
    out.debug = doc["debug"]
    out.content_capture = doc["content_capture"]
    if out.logger is None:
        out.logger = logging.getLogger("sigil_sdk")
    if out.now is None:
        out.now = lambda: datetime.now(timezone.utc)
    if out.sleep is None:
        out.sleep = time.sleep
    return out
