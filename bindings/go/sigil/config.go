package sigil

import (
	"context"
	"log"
	"time"
)

// Config controls a Client. Start from DefaultConfig.
//
// Precedence is libsigil's: explicit settings > SIGIL_* environment
// variables > defaults. A field left at its zero value or at its
// DefaultConfig value counts as "not set", so the environment can still
// configure it (SIGIL_PROTOCOL, SIGIL_ENDPOINT, SIGIL_AUTH_*, SIGIL_HEADERS,
// SIGIL_API_ENDPOINT, ...). Insecure is the exception: it is a plain bool and
// always applies, as in the reference SDK.
type Config struct {
	GenerationExport GenerationExportConfig
	API              APIConfig
	EmbeddingCapture EmbeddingCaptureConfig
	// Logger receives libsigil's background diagnostics (export failures,
	// drops). Nil means log.Default().
	Logger *log.Logger
	// Now overrides the clock for start and completion times (tests).
	// Nil uses libsigil's clock.
	Now func() time.Time

	// Telemetry configures OTLP export of libsigil's spans and GenAI metrics
	// (a libsigil extension; the OTEL_* environment variables also work).
	Telemetry TelemetryConfig

	// ContentCapture is the client's content capture mode (Default: the
	// SIGIL_CONTENT_CAPTURE_MODE variable, else NoToolContent).
	ContentCapture ContentCaptureMode
	// ContentCaptureResolver decides a record's mode at its start when
	// neither the start nor the context (WithContentCaptureMode, an
	// enclosing generation) sets one. It gets the context passed to the
	// Start call (or SubmitConversationRating), so ConversationIDFromContext
	// and the other helpers work, RecordKindFromContext tells the record's
	// kind, and metadata is the start's (or rating's) metadata. Returning
	// Default defers to ContentCapture; a panic means MetadataOnly (fail
	// closed). libsigil calls it from inside the Start call.
	ContentCaptureResolver func(ctx context.Context, metadata map[string]any) ContentCaptureMode
	// GenerationExporter, when set, receives every generation instead of a
	// Sigil server (a libsigil extension; see GenerationExporter). It wins
	// over GenerationExport's protocol and endpoint; batching, retries and
	// accounting stay libsigil's.
	GenerationExporter GenerationExporter
	// Privacy holds libsigil's redaction, sanitizer and size-limit knobs.
	Privacy PrivacyConfig
	// Defaults are the identity and tags of records that set none (a
	// libsigil extension; also SIGIL_AGENT_NAME, SIGIL_AGENT_VERSION,
	// SIGIL_USER_ID, SIGIL_TAGS).
	Defaults RecordDefaults

	// Tracer and Meter are the application's OpenTelemetry trace.Tracer and
	// metric.Meter, as in the reference SDK. They are typed any so that this
	// package keeps no third-party dependency: importing the adapter module
	// github.com/libsigil/libsigil/bindings/go/otel makes them work (the host
	// pipeline, Telemetry.Mode). Without the adapter they are not used (NewClient
	// logs so) and libsigil exports its own spans and metrics over OTLP.
	Tracer any
	Meter  any

	// PricesFile is a JSON price table whose entries add to and replace the
	// built-in ones (docs/cost.md); "" leaves SIGIL_PRICES_FILE in charge. A
	// bad table makes NewClient fail with CodeConfig.
	PricesFile string
	// TokenEstimates turns the token estimates for generations without usage
	// on or off (nil: SIGIL_TOKEN_ESTIMATES, else on).
	TokenEstimates *bool
	// ContentSampleRate is the share of traces whose generations keep their
	// content, 0 to 1 (nil: SIGIL_CONTENT_SAMPLE_RATE, else 1); outside it a
	// generation is exported metadata-only (docs/sampling.md).
	ContentSampleRate *float64
	// ExportSampleRate is the share of traces whose generations are exported,
	// 0 to 1 (nil: SIGIL_EXPORT_SAMPLE_RATE, else 1); outside it a generation
	// is not exported, and its span and metrics are still recorded.
	ExportSampleRate *float64
}

// TelemetryConfig configures OTLP/HTTP export of spans and metrics. Empty
// fields leave the OTEL_* environment variables and libsigil's defaults in
// charge; with no endpoint anywhere nothing is sent over OTLP.
type TelemetryConfig struct {
	// OTLPEndpoint is the OTLP base URL ("http://localhost:4318");
	// "/v1/traces" and "/v1/metrics" are appended.
	OTLPEndpoint string
	// OTLPHeaders are sent with every OTLP request.
	OTLPHeaders map[string]string
	// OTLPCertificate, OTLPClientCertificate and OTLPClientKey are PEM files:
	// the CA bundle that verifies the collector, and a client certificate and
	// key for mTLS (OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]CERTIFICATE,
	// _CLIENT_CERTIFICATE, _CLIENT_KEY). Unset everywhere, the generation
	// export's CAFile, ClientCert and ClientKey apply.
	OTLPCertificate       string
	OTLPClientCertificate string
	OTLPClientKey         string
	// ServiceName is the resource's service.name.
	ServiceName string
	// ResourceAttributes are added to the resource.
	ResourceAttributes map[string]string
	// MetricExportInterval is the time between periodic metric exports.
	MetricExportInterval time.Duration
	// Mode chooses where spans and GenAI metrics go: libsigil's OTLP export
	// ("engine"), the host's tracer and meter ("host", which needs the
	// adapter module), or both. The default is "host" when Config.Tracer
	// or Config.Meter is set, else "engine".
	Mode TelemetryMode
	// OnSpan receives every finished, sampled span, on the goroutine that
	// ends the recorder, before End returns (for bridging into the host's
	// tracer, or for tests; see sigiltest). It should be quick and must not
	// call Flush or Shutdown.
	OnSpan func(Span)
}

// RecordDefaults apply to records that set no identity of their own (lowest
// precedence, below start fields and context values).
type RecordDefaults struct {
	AgentName    string
	AgentVersion string
	UserID       string
	// Tags are merged under every generation's own tags.
	Tags map[string]string
}

// ExportAuthMode selects how generation export authenticates.
type ExportAuthMode string

const (
	ExportAuthModeNone   ExportAuthMode = "none"
	ExportAuthModeTenant ExportAuthMode = "tenant"
	ExportAuthModeBearer ExportAuthMode = "bearer"
	ExportAuthModeBasic  ExportAuthMode = "basic"
)

// AuthConfig holds generation export credentials. Tenant mode sends
// X-Scope-OrgID, bearer mode Authorization: Bearer, basic mode
// Authorization: Basic (plus X-Scope-OrgID when TenantID is set). Explicit
// Headers win over the derived ones.
type AuthConfig struct {
	Mode        ExportAuthMode
	TenantID    string
	BearerToken string
	// BasicUser is the basic-auth user; TenantID is used when it is empty.
	BasicUser string
	// BasicPassword is the basic-auth password or token.
	BasicPassword string
}

// GenerationExportProtocol selects the generation export transport.
type GenerationExportProtocol string

const (
	GenerationExportProtocolGRPC GenerationExportProtocol = "grpc"
	GenerationExportProtocolHTTP GenerationExportProtocol = "http"
	// GenerationExportProtocolNone records spans and metrics only.
	GenerationExportProtocolNone GenerationExportProtocol = "none"
)

// GenerationExportConfig configures where and how generations are exported.
// Zero numbers keep libsigil's defaults (the reference's).
type GenerationExportConfig struct {
	Protocol GenerationExportProtocol
	// Endpoint is "host:port", "grpc://host:port", "http://host:port[/path]"
	// or "https://...". For HTTP, "/api/v1/generations:export" is appended
	// when there is no path.
	Endpoint string
	Headers  map[string]string
	Auth     AuthConfig
	// Insecure allows plaintext for endpoints without a scheme.
	Insecure bool
	// CAFile is a PEM CA bundle that replaces the system store for the Sigil
	// server (export and ratings), CADir an OpenSSL hashed CA directory
	// searched as well; ClientCert and ClientKey are a PEM client certificate
	// and key for mTLS (the key may be inside ClientCert). Extensions. Empty:
	// SIGIL_CA_FILE (then SSL_CERT_FILE), SIGIL_CA_DIR (then SSL_CERT_DIR),
	// SIGIL_CLIENT_CERT, SIGIL_CLIENT_KEY. A file that cannot be read makes
	// NewClient fail with ErrInvalidConfig.
	CAFile     string
	CADir      string
	ClientCert string
	ClientKey  string
	// GRPCMaxSendMessageBytes and GRPCMaxReceiveMessageBytes are accepted for
	// compatibility and not used: PayloadMaxBytes bounds what is sent.
	GRPCMaxSendMessageBytes    int
	GRPCMaxReceiveMessageBytes int
	BatchSize                  int
	FlushInterval              time.Duration
	QueueSize                  int
	// MaxRetries is the number of retries after the first attempt; 0 keeps
	// the default (5) and a negative value disables retries (extension).
	MaxRetries      int
	InitialBackoff  time.Duration
	MaxBackoff      time.Duration
	PayloadMaxBytes int
	// QueueMaxBytes is the export queue's memory budget in bytes (a libsigil
	// extension; 0 keeps the default, 64 MiB). A generation that would exceed
	// it is dropped and End reports ErrQueueFull.
	QueueMaxBytes int64
	// Spool keeps generations on disk (a libsigil extension; see SpoolConfig).
	Spool SpoolConfig
}

// SpoolMode says which generations go through the spool.
type SpoolMode string

const (
	// SpoolModeFallback spools only what cannot be delivered (the default):
	// generations still queued in memory are lost if the process crashes.
	SpoolModeFallback SpoolMode = "fallback"
	// SpoolModeWriteAhead appends every generation to the spool before End
	// returns and removes it once the server answered: a crash (kill -9)
	// loses nothing whose End returned; the next process on the directory
	// replays it. End then waits for the spool write (and, with SyncBatch or
	// SyncRecord, a shared fdatasync).
	SpoolModeWriteAhead SpoolMode = "write_ahead"
)

// SpoolSync is the durability of spool writes.
type SpoolSync string

const (
	SpoolSyncNone   SpoolSync = "none"   // the page cache: survives a process crash, not a power loss
	SpoolSyncBatch  SpoolSync = "batch"  // fdatasync per spooled batch (the default)
	SpoolSyncRecord SpoolSync = "record" // fdatasync per record
)

// SpoolConfig configures the durable spool (sigil.h, "Spool"). Empty fields
// leave SIGIL_SPOOL_DIR, SIGIL_SPOOL_MODE and SIGIL_SPOOL_SYNC (or the
// defaults) in charge.
type SpoolConfig struct {
	Dir  string
	Mode SpoolMode // write-ahead needs a Dir
	Sync SpoolSync
}

// APIConfig configures the Sigil API used by SubmitConversationRating.
type APIConfig struct {
	// Endpoint is the API base URL ("http://host:port"); a path is ignored.
	Endpoint string
}

// EmbeddingCaptureConfig controls capture of embedding input texts on spans.
// Keep it off in production: the texts may contain personal data.
type EmbeddingCaptureConfig struct {
	CaptureInput  bool
	MaxInputItems int
	MaxTextLength int
}

const (
	defaultEndpoint    = "localhost:4317"
	defaultAPIEndpoint = "http://localhost:8080"
	defaultMaxMessage  = 16 << 20
)

// DefaultConfig returns the reference SDK's defaults: gRPC to localhost:4317
// (plaintext), batches of 100 every second, a queue of 2000, 5 retries with
// backoff from 100 ms to 5 s, a 16 MiB payload limit, the API at
// http://localhost:8080, embedding capture off, logging to log.Default().
func DefaultConfig() Config {
	return Config{
		GenerationExport: GenerationExportConfig{
			Protocol:                   GenerationExportProtocolGRPC,
			Endpoint:                   defaultEndpoint,
			Auth:                       AuthConfig{Mode: ExportAuthModeNone},
			Insecure:                   true,
			GRPCMaxSendMessageBytes:    defaultMaxMessage,
			GRPCMaxReceiveMessageBytes: defaultMaxMessage,
			BatchSize:                  100,
			FlushInterval:              time.Second,
			QueueSize:                  2000,
			MaxRetries:                 5,
			InitialBackoff:             100 * time.Millisecond,
			MaxBackoff:                 5 * time.Second,
			PayloadMaxBytes:            defaultMaxMessage,
		},
		API:              APIConfig{Endpoint: defaultAPIEndpoint},
		EmbeddingCapture: EmbeddingCaptureConfig{MaxInputItems: 20, MaxTextLength: 1024},
		Logger:           log.Default(),
	}
}
